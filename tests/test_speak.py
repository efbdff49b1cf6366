"""The real pyttsx3 synthesizer: every clip complete, stdout clean, errors clear."""

import wave
from pathlib import Path
from types import SimpleNamespace

import pytest

from digest.config import VoiceProfile
from digest.errors import ConfigError, SynthesisError
from digest.media.engines import prepare_espeak
from digest.models import Line, LineKind
from digest.speak.espeak import (
    Pyttsx3Synthesizer,
    WavInfo,
    _plausible,
    expected_seconds,
    read_wav_info,
    resolve_voice,
)

from .conftest import render_clips

VOICES = [
    SimpleNamespace(id="gmw/en-us", name="English (America)", languages=["en-us"]),
    SimpleNamespace(id="gmw/en", name="English (Great Britain)", languages=["en-gb"]),
    SimpleNamespace(id="mb/mb-us1", name="mbrola", languages=["en-us"]),
]


def test_resolve_voice_accepts_ids_names_languages_and_variants() -> None:
    assert resolve_voice("en-us", VOICES) == "gmw/en-us"
    assert resolve_voice("gmw/en-us", VOICES) == "gmw/en-us"
    assert resolve_voice("English (America)", VOICES) == "gmw/en-us"
    assert resolve_voice("en-gb", VOICES) == "gmw/en"  # espeak itself rejects "en-gb"
    assert resolve_voice("en-us+f3", VOICES) == "gmw/en-us+f3"


def test_resolve_voice_rejects_unknown_voice() -> None:
    with pytest.raises(ConfigError, match="unknown voice 'klingon'"):
        resolve_voice("klingon", VOICES)


def test_plausibility_rejects_header_only_and_truncated_audio() -> None:
    text = "one two three four five six seven eight nine ten"
    full = int(expected_seconds(text, 160) * 22050)
    assert _plausible(WavInfo(full, 22050, 1, 2), text, 160)
    assert not _plausible(WavInfo(0, 22050, 1, 2), text, 160)
    assert not _plausible(WavInfo(full // 10, 22050, 1, 2), text, 160)
    assert not _plausible(WavInfo(full, 22050, 2, 2), text, 160)


def test_read_wav_info_rejects_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really")
    with pytest.raises(SynthesisError, match="not a readable WAV"):
        read_wav_info(bad)


@pytest.mark.integration
def test_fifty_sentences_in_one_process_all_complete(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    prepare_espeak()
    synth = Pyttsx3Synthesizer(timeout=30)
    voice = VoiceProfile("narrator", voice="en-us", rate=160)
    lines = [
        Line(
            "narrator",
            f"Sentence {i}: the film's second act {'drags' if i % 2 else 'soars'} "
            + "and the score keeps everything moving. " * (1 + i % 3),
            LineKind.SENTENCE,
            300,
        )
        for i in range(50)
    ]
    clips = render_clips(lines, synth, lambda _speaker: voice, tmp_path)
    assert len(clips) == 50
    for clip in clips:
        with wave.open(str(clip.path), "rb") as wav:
            assert wav.getframerate() == 22050
            assert wav.getnchannels() == 1
            assert wav.getnframes() == clip.frames
        # espeak speaks at roughly the requested rate: between 50 % and 200 %
        # of the word-count estimate means the clip is complete, not cut off.
        estimate = expected_seconds(clip.line.text, voice.rate)
        assert 0.5 * estimate <= clip.seconds <= 2.0 * estimate, clip.line.text
    # Longer text, longer clip: no clip holds another utterance's audio.
    by_length = {len(c.line.text): c.seconds for c in clips}
    lengths = sorted(by_length)
    assert by_length[lengths[-1]] > by_length[lengths[0]] * 1.5
    assert not list(tmp_path.glob("*.part.wav"))
    out, _err = capfd.readouterr()
    assert out == ""  # the driver's "Audio saved to ..." never reaches stdout


@pytest.mark.integration
def test_voice_profiles_change_the_audio(tmp_path: Path) -> None:
    prepare_espeak()
    synth = Pyttsx3Synthesizer()
    line = Line("host", "The same words, read at two speeds.", LineKind.SENTENCE, 0)
    slow = synth.synthesize(line, VoiceProfile("a", rate=120), tmp_path / "slow.wav")
    fast = synth.synthesize(line, VoiceProfile("b", rate=240), tmp_path / "fast.wav")
    assert slow.seconds > fast.seconds * 1.4


@pytest.mark.integration
def test_empty_line_is_refused(tmp_path: Path) -> None:
    prepare_espeak()
    synth = Pyttsx3Synthesizer()
    with pytest.raises(SynthesisError, match="empty line"):
        synth.synthesize(
            Line("host", "   ", LineKind.SENTENCE, 0),
            VoiceProfile("h"),
            tmp_path / "x.wav",
        )
