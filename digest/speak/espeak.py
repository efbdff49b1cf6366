"""Speech synthesis: one spoken :class:`Line` → one validated WAV :class:`Clip`.

In: the script's lines and the voice profiles. Out: clips in a work folder, one per
line, so every sentence's timing is known. pyttsx3 is imported only here.

pyttsx3's espeak driver needs care (STACK_NOTES §1): ``runAndWait`` is no completion
signal, a neighbouring utterance can be cancelled, the driver prints on stdout, and
only one engine may exist per process. :class:`Pyttsx3Synthesizer` waits for the
``finished-utterance`` event, validates the WAV, retries, times out with a clear
error and keeps stdout clean.

libespeak-ng also carries state from one utterance to the next, so the same line
could come out with different samples depending on what the process said before
(and a warm cache changes that). Three states were found; each clip is made
independent of them:

- the pitch flutter table's index and the parity of the glottal-cycle count
  (wavegen.c): the steady data folder (:func:`digest.media.engines.steady_data_folder`)
  sets ``flutter 0`` and ``roughness 0`` in every variant, and a plain voice is
  spoken as ``voice+digest-steady``;
- stale phoneme-list entries beyond the end of the current clause, left by earlier
  clauses, which change pause lengths: before every utterance the engine translates
  (``espeak_TextToPhonemes``, no audio, ~1.5 ms) one fixed clause longer than any
  real one, in the clip's voice, so those entries are always the same.
"""

import contextlib
import io
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from digest.config import VoiceProfile
from digest.errors import ConfigError, SynthesisError
from digest.media.wav import WavError, WavInfo, read_info
from digest.models import Clip, Line, expected_seconds
from digest.store.files import rename_over

__all__ = [
    "EngineVoice",
    "Pyttsx3Synthesizer",
    "Synthesizer",
    "WavInfo",
    "expected_seconds",
    "read_wav_info",
    "resolve_voice",
]

# Control characters would be read as espeak commands (Ctrl-A starts one).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Translated (not spoken) before every utterance so that the phoneme-list entries a
# clause reads past its own end are always this clause's, whatever came before: one
# clause (no punctuation) near espeak's longest (N_TR_SOURCE is 800 bytes).
_RESET_CLAUSE = " ".join(
    ["the quiet review of a long film about two sisters and their house by the sea"]
    * 10
).encode("ascii")
# Marks engine ids (and so cache keys) of clips made with the steady engine.
_STEADY_TAG = "steady1"


class Synthesizer(Protocol):
    """Turns text into a WAV file; one instance per process."""

    @property
    def engine_id(self) -> str:
        """Engine name and version, e.g. for cache keys and ``doctor``."""
        ...

    def synthesize(self, line: Line, voice: VoiceProfile, path: Path) -> Clip:
        """Write ``line`` spoken by ``voice`` to ``path`` (a WAV) and describe it."""
        ...


def read_wav_info(path: Path) -> WavInfo:
    """Read a WAV header; raise SynthesisError if it is not a usable PCM WAV."""
    try:
        return read_info(path)
    except WavError as exc:
        raise SynthesisError(f"{path.name}: not a readable WAV ({exc})") from exc


def _plausible(info: WavInfo, text: str, rate_wpm: int) -> bool:
    # A cancelled utterance leaves a header-only or truncated file (STACK_NOTES L3/L4);
    # real speech is never below ~30 % of the word-count estimate.
    if info.frames == 0 or info.channels != 1 or info.sample_width != 2:
        return False
    return info.frames / info.sample_rate >= 0.3 * expected_seconds(text, rate_wpm)


class _Espeak:
    """The one pyttsx3 espeak engine of this process, with completion tracking."""

    def __init__(self) -> None:
        import pyttsx3

        driver = "espeak" if sys.platform.startswith("linux") else None
        try:
            self.engine: Any = pyttsx3.init(driver)
        except Exception as exc:  # pyttsx3 raises bare Exceptions and OSErrors
            raise SynthesisError(f"could not start the speech engine: {exc}") from exc
        self.version = getattr(pyttsx3, "__version__", "2.99")
        self.done = threading.Event()
        self.completed: bool | None = None
        self.errors: list[str] = []
        self.voice_id: str | None = None
        self.utterances = 0  # attempts so far: espeak carries state between them
        self.is_espeak = driver == "espeak"
        self.engine.connect("finished-utterance", self._on_finished)
        self.engine.connect("error", self._on_error)
        self.voices: list[Any] = list(self.engine.getProperty("voices") or [])
        self._is_playing: Callable[[], int] | None = None
        self.espeak_version = "unknown"
        # espeak ignores an unknown "+variant" silently, so list the real ones.
        self.variants: tuple[str, ...] | None = None
        # Set when libespeak-ng reads a steady data folder (see the module doc).
        self.steady = False
        self._to_phonemes: Callable[..., Any] | None = None
        if driver == "espeak":
            from pyttsx3.drivers import _espeak

            self._is_playing = _espeak.IsPlaying
            self.variants = _list_variants(_espeak)
            self.espeak_version = _espeak_version(_espeak.dll)
            self.steady = _is_steady(_espeak.dll)
            self._to_phonemes = _text_to_phonemes(_espeak.dll)

    def playing(self) -> bool:
        """True while espeak's thread is still working on an utterance."""
        return bool(self._is_playing()) if self._is_playing is not None else False

    def reset_translation(self) -> None:
        """Overwrite espeak's phoneme lists with one fixed clause (no audio).

        Must run while espeak's thread is idle: it uses the same globals.
        """
        if self._to_phonemes is None:
            return
        import ctypes

        buf = ctypes.create_string_buffer(_RESET_CLAUSE)
        ptr = ctypes.c_void_p(ctypes.addressof(buf))
        self._to_phonemes(ctypes.byref(ptr), 1, 0)  # espeakCHARS_UTF8, one clause

    def wait_idle(self, limit: float = 2.0) -> None:
        """Let espeak finish closing its stream before the next utterance.

        pyttsx3 cancels espeak whenever it still reports "playing" at the start of
        ``runAndWait`` (STACK_NOTES L4); waiting avoids most of those retries.
        """
        if self._is_playing is None:
            return
        deadline = time.monotonic() + limit
        while self._is_playing() and time.monotonic() < deadline:
            time.sleep(0.005)

    def _on_finished(self, name: object = None, completed: bool = True) -> None:
        # Runs on espeak's thread after the WAV file is closed.
        self.completed = completed
        self.done.set()

    def _on_error(self, name: object = None, exception: object = None) -> None:
        self.errors.append(str(exception))


def _espeak_version(dll: Any) -> str:
    """libespeak-ng's version string (``espeak_Info``), e.g. ``1.52.0``."""
    import ctypes

    try:
        info = dll.espeak_Info
    except AttributeError:
        return "unknown"
    info.restype = ctypes.c_char_p
    info.argtypes = [ctypes.c_void_p]
    raw = info(None)
    return raw.decode("ascii", "replace").split()[0] if raw else "unknown"


def _espeak_data_path(dll: Any) -> Path | None:
    """The data folder the initialised libespeak-ng reads (``espeak_Info``)."""
    import ctypes

    try:
        info = dll.espeak_Info
    except AttributeError:
        return None
    info.restype = ctypes.c_char_p
    info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
    path = ctypes.c_char_p()
    info(ctypes.byref(path))
    return Path(path.value.decode("utf-8", "replace")) if path.value else None


def _is_steady(dll: Any) -> bool:
    """True if libespeak-ng reads a steady data folder (it has STEADY_VARIANT)."""
    from digest.media.engines import STEADY_VARIANT

    data = _espeak_data_path(dll)
    return data is not None and (data / "voices" / "!v" / STEADY_VARIANT).is_file()


def _text_to_phonemes(dll: Any) -> Callable[..., Any] | None:
    """libespeak-ng's ``espeak_TextToPhonemes`` (translates one clause), if exported."""
    import ctypes

    try:
        func = dll.espeak_TextToPhonemes
    except AttributeError:
        return None
    func.restype = ctypes.c_char_p
    func.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    return func  # type: ignore[no-any-return]


def _list_variants(espeak: Any) -> tuple[str, ...]:
    """espeak-ng's voice variants (``m3``, ``f2``, ``klatt``…), by file name."""
    import ctypes

    spec = espeak.VOICE()
    spec.languages = b"variant"  # espeak_ListVoices' documented variant filter
    names = []
    from digest.media.engines import STEADY_VARIANT

    for voice in espeak.ListVoices(ctypes.byref(spec)):
        ident = (voice.identifier or b"").decode("utf-8", "replace")
        names.append(ident.rsplit("/", 1)[-1])
    names = [name for name in names if name != STEADY_VARIANT]  # ours, internal
    return tuple(sorted(set(names), key=str.lower))


# One engine per process, kept alive for the process's life: a second engine steals
# the first one's callback and hangs (STACK_NOTES L8); dropping it truncates WAVs (L7).
_ENGINE: _Espeak | None = None
_ENGINE_LOCK = threading.Lock()


def _engine() -> _Espeak:
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = _Espeak()
        return _ENGINE


def resolve_voice(
    requested: str,
    voices: Sequence[Any],
    variants: Sequence[str] | None = None,
) -> str:
    """Map a profile's voice (id, file name, name or language, optional +variant).

    ``variants`` (when known) are the engine's variant names; an unknown one is
    an error rather than espeak's silent fallback to the plain voice.
    """
    base, plus, variant = requested.partition("+")
    wanted = base.strip().lower()
    if plus and variants is not None:
        by_lower = {name.lower(): name for name in variants}
        if variant.strip().lower() not in by_lower:
            raise ConfigError(
                f"unknown voice variant {variant!r}: run `digest voices` to list them"
            )
        variant = by_lower[variant.strip().lower()]
    for voice in voices:
        vid = str(getattr(voice, "id", ""))
        names = {vid.lower(), vid.rsplit("/", 1)[-1].lower()}
        names.add(str(getattr(voice, "name", "")).lower())
        for lang in getattr(voice, "languages", []) or []:
            names.add((lang.decode() if isinstance(lang, bytes) else str(lang)).lower())
        if wanted in names and not vid.startswith("mb/"):
            return f"{vid}{plus}{variant}"
    raise ConfigError(
        f"unknown voice {requested!r}: run `digest voices` to list the engine's voices"
    )


@dataclass(frozen=True, slots=True)
class EngineVoice:
    """One voice the speech engine offers."""

    id: str
    name: str
    languages: tuple[str, ...]


class Pyttsx3Synthesizer:
    """The real synthesizer: pyttsx3 driving espeak-ng, made reliable."""

    def __init__(self, *, timeout: float = 30.0, retries: int = 3) -> None:
        self._state = _engine()
        self.timeout = timeout
        self.retries = max(1, retries)
        self._resolved: dict[str, str] = {}

    @property
    def fresh(self) -> bool:
        """True until this process's engine speaks: it then sounds like a new worker."""
        return self._state.utterances == 0

    @property
    def attempts(self) -> int:
        """Utterances this process's engine has started, retries included."""
        return self._state.utterances

    @property
    def engine_id(self) -> str:
        """pyttsx3 and driver versions."""
        state = self._state
        steady = f"+{_STEADY_TAG}" if state.steady else ""
        return f"pyttsx3-{state.version}+espeak-ng-{state.espeak_version}{steady}"

    def voice_ids(self) -> list[str]:
        """Voices the engine offers (MBROLA voices, usually absent, excluded)."""
        return [v.id for v in self.engine_voices()]

    def engine_voices(self) -> list[EngineVoice]:
        """Every usable voice with its name and languages (MBROLA excluded)."""
        out = []
        for voice in self._state.voices:
            vid = str(getattr(voice, "id", ""))
            if vid.startswith("mb/"):
                continue
            langs = tuple(
                lang.decode() if isinstance(lang, bytes) else str(lang)
                for lang in getattr(voice, "languages", []) or []
            )
            out.append(EngineVoice(vid, str(getattr(voice, "name", vid)), langs))
        return out

    def variants(self) -> tuple[str, ...]:
        """The engine's voice variants, usable as ``+NAME`` (empty if unknown)."""
        return self._state.variants or ()

    def resolve(self, voice: str) -> str:
        """The engine's id for a profile's voice name (looked up once per name)."""
        if voice not in self._resolved:
            state = self._state
            self._resolved[voice] = resolve_voice(voice, state.voices, state.variants)
        return self._resolved[voice]

    def check(self, profile: VoiceProfile) -> str:
        """Resolve a profile's voice; errors name the profile file and key."""
        try:
            return self.resolve(profile.voice)
        except ConfigError as exc:
            raise ConfigError(f"{profile.where('voice')}: {exc}") from None

    def _apply(self, voice: VoiceProfile) -> None:
        state = self._state
        wanted = self.check(voice)
        if state.steady and "+" not in wanted:
            from digest.media.engines import STEADY_VARIANT

            wanted = f"{wanted}+{STEADY_VARIANT}"  # a plain voice, without flutter
        if state.voice_id != wanted:
            # SetVoiceByName acts at once; only call it when the voice changes.
            state.wait_idle()
            state.engine.setProperty("voice", wanted)
            state.voice_id = wanted
        if not state.is_espeak:
            state.engine.setProperty("rate", voice.rate)
            state.engine.setProperty("volume", voice.volume)

    def _spoken(self, text: str, voice: VoiceProfile) -> str:
        """The text as sent to the engine, with espeak's in-text prosody commands.

        With pyttsx3's asynchronous espeak driver, rate/pitch/volume set through
        ``setProperty`` are queued and get lost when the voice changes or a
        pending utterance is cancelled; espeak's embedded commands (Ctrl-A, value,
        letter) travel with the text, so every clip gets exactly its profile.
        """
        text = _CONTROL.sub(" ", text)
        if not self._state.is_espeak:
            return text
        amplitude = round(voice.volume * 100)
        return f"\x01{voice.rate}S\x01{voice.pitch}P\x01{amplitude}A {text}"

    def _attempt(self, text: str, tmp: Path) -> bool:
        state = self._state
        state.utterances += 1
        state.done.clear()
        state.completed = None
        state.errors.clear()
        if state.steady:
            # The phoneme lists are shared with espeak's thread: wait until it is
            # idle (it may still be closing the previous utterance), then reset.
            state.wait_idle(self.timeout)
            if state.playing():
                raise SynthesisError(
                    f"speech engine still busy after {self.timeout:g} s"
                )
            state.reset_translation()
        # The driver prints "Audio saved to ..." from espeak's thread; swapping
        # sys.stdout for the whole call and wait catches it.
        with contextlib.redirect_stdout(io.StringIO()):
            state.engine.save_to_file(text, str(tmp))
            state.engine.runAndWait()  # may return before the file exists
            finished = state.done.wait(self.timeout)
        if state.errors:
            state.voice_id = None
            raise SynthesisError(f"speech engine error: {'; '.join(state.errors)}")
        if not finished:
            raise SynthesisError(
                f"speech engine gave no result within {self.timeout:g} s "
                f"for {text[:40]!r}"
            )
        return bool(state.completed) and tmp.is_file()

    def synthesize(self, line: Line, voice: VoiceProfile, path: Path) -> Clip:
        """Speak ``line`` into ``path``; retry cancelled or truncated utterances."""
        text = line.text.strip()
        if not text:
            raise SynthesisError("cannot speak an empty line")
        tmp = path.with_name(f"{path.stem}.part.wav")
        try:
            self._apply(voice)
            spoken = self._spoken(text, voice)
            for attempt in range(self.retries):
                if self._attempt(spoken, tmp):
                    info = read_wav_info(tmp)
                    if _plausible(info, text, voice.rate):
                        rename_over(tmp, path)
                        return Clip(line, path, info.frames, info.sample_rate)
                self._state.wait_idle()
                time.sleep(0.02 * (attempt + 1))
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise SynthesisError(
            f"speech engine failed {self.retries} times on {text[:40]!r}"
        )
