"""Voice profiles against the engine: variants, clear errors, `digest voices`,
`digest say`, and two default voices a listener can tell apart."""

import json
import math
import statistics
import wave
from array import array
from pathlib import Path
from types import SimpleNamespace

import pytest
from mutagen.mp3 import MP3
from typer.testing import CliRunner

from digest import cli
from digest.config import Settings, build_settings
from digest.errors import ConfigError, ExitCode
from digest.media.engines import prepare_espeak
from digest.models import Line, LineKind
from digest.speak.espeak import Pyttsx3Synthesizer, resolve_voice

from .conftest import EXAMPLES, REPO, FakeSynthesizer, decoded_seconds

VOICES = [
    SimpleNamespace(id="gmw/en-us", name="English (America)", languages=["en-us"]),
    SimpleNamespace(id="gmw/en", name="English (Great Britain)", languages=["en-gb"]),
]
VARIANTS = ["m3", "f2", "Andy", "klatt"]

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(cli.app, list(args), prog_name="digest")


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def voices_dir(tmp_path: Path, **profiles: str) -> Path:
    """A voices folder holding the given ``name=toml text`` profiles."""
    folder = tmp_path / "voices"
    folder.mkdir(exist_ok=True)
    for name, text in profiles.items():
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return folder


# --- variants ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "resolved"),
    [
        ("en-us+m3", "gmw/en-us+m3"),
        ("en-us+M3", "gmw/en-us+m3"),  # the engine's spelling is used
        ("en-gb+andy", "gmw/en+Andy"),
        ("English (America)+klatt", "gmw/en-us+klatt"),
    ],
)
def test_known_variants_resolve(requested: str, resolved: str) -> None:
    assert resolve_voice(requested, VOICES, VARIANTS) == resolved


def test_unknown_variant_is_refused_not_silently_dropped() -> None:
    with pytest.raises(ConfigError, match="unknown voice variant 'm99'"):
        resolve_voice("en-us+m99", VOICES, VARIANTS)
    # without a variant list (other platforms) the engine is trusted
    assert resolve_voice("en-us+m99", VOICES) == "gmw/en-us+m99"


# --- say: fast checks ----------------------------------------------------------


def test_say_writes_a_wav_with_a_fake_engine(tmp_path: Path) -> None:
    from digest.commands import preview_voice

    synth = FakeSynthesizer()
    out = tmp_path / "hello.wav"
    result = preview_voice("Hello — there.", "host", out, Settings(), synthesizer=synth)
    assert result.path == out
    assert result.profile == Settings().host
    assert synth.calls == ["Hello, there."]  # prepared for speech first
    with wave.open(str(out), "rb") as wav:
        assert wav.getnframes() > 0
    assert not list(tmp_path.glob(".hello.*"))  # no temp file left behind


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (
            ["say", "Hi.", "--voice", "guest"],
            ExitCode.CONFIG,
            "no voice profile 'guest'",
        ),
        (["say", "Hi.", "-o", "out.ogg"], ExitCode.USAGE, "ending in .wav or .mp3"),
        (["say", "  "], ExitCode.INPUT, "nothing to say"),
        (["say", "Hi.", "--voices", "no-such-dir"], ExitCode.CONFIG, "voices folder"),
    ],
)
def test_say_errors(args: list[str], code: ExitCode, needle: str) -> None:
    result = invoke(*args)
    assert result.exit_code == code, result.stderr
    assert needle in error_line(result)


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_say_refuses_an_output_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    import os

    target = tmp_path / "preview.wav"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    result = invoke("say", "Hi.", "-o", str(target))
    assert result.exit_code == ExitCode.OUTPUT, result.stderr
    assert str(target) in error_line(result)
    assert target.is_fifo() if kind == "fifo" else target.is_dir()


@pytest.mark.parametrize("command", ["voices", "say"])
def test_help(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert f"Usage: digest {command}" in result.stdout


# --- the real engine ---------------------------------------------------------------


def median_pitch_hz(path: Path) -> float:
    """Median fundamental frequency of the voiced parts (autocorrelation)."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = array("h", wav.readframes(wav.getnframes()))
    data, rate = data[::2], rate // 2  # 11 kHz is plenty for a voice's pitch
    size = int(0.03 * rate)
    low, high = rate // 300, rate // 60  # 60-300 Hz
    pitches = []
    for start in range(0, len(data) - size - high, size):
        frame = data[start : start + size + high]
        energy = sum(v * v for v in frame[:size])
        if energy < size * 1500**2:
            continue  # unvoiced or quiet
        scores = [
            sum(frame[i] * frame[i + lag] for i in range(size))
            for lag in range(low, high)
        ]
        best = max(range(len(scores)), key=scores.__getitem__)
        if scores[best] > 0.5 * energy:
            pitches.append(rate / (low + best))
    assert len(pitches) > 10, "no voiced frames found"
    return statistics.median(pitches)


@pytest.mark.integration
def test_default_host_and_narrator_sound_clearly_different(tmp_path: Path) -> None:
    settings = build_settings(voices_dir=REPO / "voices", env={})
    prepare_espeak()
    synth = Pyttsx3Synthesizer()
    text = "The film moves slowly, but the last scene rewards every minute of it."
    pitch = {}
    for profile in (settings.host, settings.narrator):
        line = Line(profile.name, text, LineKind.SENTENCE, 0)
        clip = synth.synthesize(line, profile, tmp_path / f"{profile.name}.wav")
        pitch[profile.name] = median_pitch_hz(clip.path)
    semitones = 12 * math.log2(pitch["host"] / pitch["narrator"])
    assert semitones >= 3, pitch  # a clearly higher voice, not a subtle shift
    assert 70 <= pitch["narrator"] <= 160  # still a natural speaking pitch
    assert pitch["host"] <= 200


@pytest.mark.integration
def test_voices_lists_profiles_engine_voices_and_variants(tmp_path: Path) -> None:
    folder = voices_dir(
        tmp_path,
        host=(REPO / "voices" / "host.toml").read_text(encoding="utf-8"),
        guest='language = "en-gb"\nrate = 175\n',
    )
    result = invoke("voices", "--voices", str(folder))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Profiles:" in out
    assert "host       en-us -> gmw/en-us, 170 wpm" in out
    assert "narrator   en-us -> gmw/en-us, 150 wpm" in out  # built-in defaults
    assert "guest      en-gb -> gmw/en, 175 wpm" in out
    assert "(built-in)" in out
    assert "gmw/en-us" in out
    assert "English (America)" in out
    assert "m3" in out.split("Variants")[1]


@pytest.mark.integration
def test_voices_json(tmp_path: Path) -> None:
    result = invoke("voices", "--voices", str(REPO / "voices"), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    names = [p["name"] for p in data["profiles"]]
    assert names[:2] == ["host", "narrator"]
    assert data["profiles"][0]["engine_voice"] == "gmw/en-us"
    assert data["profiles"][0]["source"].endswith("host.toml")
    assert any(v["id"] == "gmw/en-us" for v in data["engine"])
    assert not any(v["id"].startswith("mb/") for v in data["engine"])
    assert {"m3", "f2", "klatt"} <= set(data["variants"])


@pytest.mark.integration
@pytest.mark.parametrize(
    ("profile", "needle"),
    [
        (
            'voice = "no-such-voice"\n',
            "host.toml: key 'voice': unknown voice 'no-such-voice'",
        ),
        ('variant = "m99"\n', "host.toml: key 'voice': unknown voice variant 'm99'"),
    ],
)
def test_unknown_engine_voice_names_the_profile(
    tmp_path: Path, profile: str, needle: str
) -> None:
    folder = voices_dir(tmp_path, host=profile)
    out = tmp_path / "ep.mp3"
    result = invoke(
        "build",
        str(EXAMPLES / "orbit-of-ash.txt"),
        "--voices",
        str(folder),
        "-o",
        str(out),
    )
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    assert needle in error_line(result)
    assert not out.exists()
    listing = invoke("voices", "--voices", str(folder))
    assert listing.exit_code == ExitCode.CONFIG
    assert needle in error_line(listing)


@pytest.mark.integration
def test_say_wav_and_mp3(tmp_path: Path) -> None:
    wav_out, mp3_out = tmp_path / "host.wav", tmp_path / "host.mp3"
    text = "Welcome to the show. Tonight, four films."
    result = invoke("say", text, "--voice", "host", "-o", str(wav_out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {wav_out} (")
    assert "host: en-us, 170 wpm" in result.stdout
    with wave.open(str(wav_out), "rb") as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 1.5 < seconds < 6
    result = invoke("say", text, "--voice", "host", "-o", str(mp3_out))
    assert result.exit_code == 0, result.stderr
    info = MP3(str(mp3_out)).info
    assert (info.sample_rate, info.channels) == (44100, 1)
    assert decoded_seconds(mp3_out) == pytest.approx(seconds, abs=0.1)
