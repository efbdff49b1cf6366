"""Which engine speaks a voice profile, and the ids its clips are cached under.

In: voice profiles (their ``engine``: ``espeak``, the default, or ``piper``).
Out: a synthesizer for a worker (:func:`make_synthesizer`) and, in the main
process, :class:`EngineIds`: the engine id and engine voice that go into each
clip's cache key. espeak-ng is driven through pyttsx3 (:mod:`.espeak`); Piper,
the optional neural engine, only when its extra is installed (:mod:`.piper`),
else :func:`check_engines` fails before any work with the command to install it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from digest.config import VoiceProfile
from digest.errors import DigestError
from digest.models import Clip, Line
from digest.speak.espeak import Pyttsx3Synthesizer, Synthesizer, read_wav_info
from digest.speak.worker import EngineSpec

ESPEAK = "espeak"
PIPER = "piper"


def check_engines(profiles: Iterable[VoiceProfile]) -> None:
    """Fail early (MissingDependencyError, ConfigError) if a profile's engine or
    model is not there: before summarizing, not after."""
    for profile in profiles:
        if profile.engine == PIPER:
            from digest.speak.piper import piper_model

            piper_model(profile.voice)


def piper_version() -> str:
    """Piper's engine id, as a worker's result names it (the model's hash is in
    the engine voice, see :meth:`EngineIds.engine_voice`)."""
    from digest.speak.piper import piper_version as version

    return f"piper-tts-{version()}"


def neural_missing() -> str | None:
    """None when Piper can speak, else why not (with the command to install it)."""
    from digest.errors import MissingDependencyError
    from digest.speak.piper import DEFAULT_VOICE, piper_model

    try:
        piper_model(DEFAULT_VOICE)
    except MissingDependencyError as exc:
        return str(exc)
    return None


def piper_voice(profile: VoiceProfile) -> str:
    """A Piper profile's model name, checked (ConfigError naming the profile)."""
    from digest.errors import ConfigError
    from digest.speak.piper import piper_model

    try:
        piper_model(profile.voice)
    except ConfigError as exc:
        raise ConfigError(f"{profile.where('voice')}: {exc}") from None
    return profile.voice


def make_synthesizer(
    kind: str, spec: EngineSpec, *, lives_on: bool = False
) -> Synthesizer:
    """This process's synthesizer for ``kind`` (one engine of a kind per process).

    ``lives_on``: the process speaks batch after batch (a Dask worker), so it may
    meet both engines. Piper's own espeak-ng must then load before
    libespeak-ng does (the other order crashes), so it is loaded first.
    """
    if kind == PIPER:
        from digest.speak.piper import PiperSynthesizer

        return PiperSynthesizer(threads=1)
    if lives_on:
        try:
            from digest.speak.piper import load_phonemizer

            load_phonemizer()
        except ImportError:  # no neural extra: no Piper batch will come
            pass
        except DigestError:  # espeak already loaded: Piper refuses with a message
            pass
    from digest.media.engines import prepare_espeak

    prepare_espeak(spec.espeak)
    return Pyttsx3Synthesizer(timeout=spec.timeout_s, retries=spec.retries)


def engine_label(kind: str, synth: Synthesizer) -> str:
    """The engine id a worker's result carries: what :class:`EngineIds` expects."""
    return piper_version() if kind == PIPER else synth.engine_id


def speak_one(
    line: Line, profile: VoiceProfile, spec: EngineSpec, folder: Path
) -> Clip:
    """``line`` spoken into ``folder`` (``digest say``): espeak in this process,
    Piper in a worker process, since Piper cannot start where espeak-ng is loaded."""
    if profile.engine == ESPEAK:
        synth = make_synthesizer(ESPEAK, spec)
        return synth.synthesize(line, profile, folder / "say.wav")
    from digest.errors import SynthesisError
    from digest.run.pool import WorkerLostError, open_pool, run_all
    from digest.speak.worker import Batch, clip_name, synthesize_batch

    batch = Batch((0,), (line,), (profile,), spec, folder=str(folder))
    pool = open_pool(None, 1)
    try:
        for _result in run_all(pool, synthesize_batch, [batch]):
            pass
    except WorkerLostError:
        raise SynthesisError("the speech worker stopped (it crashed)") from None
    finally:
        pool.close()
    path = folder / clip_name(0)
    info = read_wav_info(path)
    return Clip(line, path, info.frames, info.sample_rate)


@dataclass(slots=True)
class EngineIds:
    """The main process's view of the engines: ids for the clip cache keys.

    espeak's ids come from this process's own engine (started on first use);
    Piper's from its version and the model file's hash, without loading it.
    """

    spec: EngineSpec
    _espeak: Pyttsx3Synthesizer | None = field(default=None, init=False)

    @property
    def espeak(self) -> Pyttsx3Synthesizer:
        """This process's espeak engine (it also speaks a short batch itself)."""
        if self._espeak is None:
            spec = self.spec
            self._espeak = Pyttsx3Synthesizer(
                timeout=spec.timeout_s, retries=spec.retries
            )
        return self._espeak

    def engine_id(self, profile: VoiceProfile) -> str:
        """The engine's name and version, as a worker's result names it."""
        if profile.engine == PIPER:
            return piper_version()
        return self.espeak.engine_id

    def engine_voice(self, profile: VoiceProfile) -> str:
        """The engine's id for the profile's voice (Piper's: with the model hash)."""
        if profile.engine == PIPER:
            from digest.speak.piper import piper_engine_id

            return piper_engine_id(profile.voice)
        return self.espeak.check(profile)
