"""The worker side of speaking: batches of lines, each spoken in a fresh process.

In: a :class:`Batch` (consecutive script lines, their voices, how to start the
engine). Out: a :class:`BatchResult`, the clips written into the build's work
folder (a local worker) or returned as WAV bytes (a Dask worker). A fresh
process per batch, and batches cut from the lines alone, are what make a cold
build's bytes the same whatever ``--jobs`` is (see :mod:`.batches`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import VoiceProfile
from digest.models import Line, expected_seconds
from digest.run.pool import watchdog
from digest.store.files import work_folder

# About this much expected speech per batch: large enough that starting a fresh
# worker (~0.2 s) is a small share of the batch, small enough to share the work.
BATCH_SECONDS = 240.0
# Piper speaks ~10x real time per core, not espeak's hundreds: its batches are
# shorter, so both cores share the work (~6 s each, ~0.5 s to start a worker).
NEURAL_BATCH_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """How a worker starts its engine: which libespeak-ng, timeouts, retries."""

    espeak: str = "auto"
    timeout_s: float = 30.0
    retries: int = 3


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive script lines (by index) for one worker, with their voices."""

    indexes: tuple[int, ...]
    lines: tuple[Line, ...]
    voices: tuple[VoiceProfile, ...]
    engine: EngineSpec
    # Where to write the clips (``clip-NNNNN.wav``), when the worker shares our
    # disk; None: send them back as bytes.
    folder: str | None = None

    @property
    def kind(self) -> str:
        """The engine every line of the batch is spoken by (see make_batches)."""
        return self.voices[0].engine


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a worker made, and its engine's id: one WAV file's bytes per line,
    or nothing when the clips were written to the batch's folder."""

    indexes: tuple[int, ...]
    wavs: tuple[bytes, ...]
    engine_id: str
    # The engine retried a line (a cancelled or cut-short utterance): what it
    # spoke after that may differ from a clean run, so the batch is redone.
    retried: bool = False


def hang_limit(engine: EngineSpec) -> float:
    """How long one line may take in a worker: every retry's timeout, plus a margin."""
    return engine.timeout_s * engine.retries + 5.0


def clip_name(index: int) -> str:
    """The file name of line ``index``'s clip in a build's work folder."""
    return f"clip-{index:05d}.wav"


def make_batches(
    indexes: Sequence[int],
    lines: Sequence[Line],
    voices: Sequence[VoiceProfile],
    engine: EngineSpec,
    seconds: float = BATCH_SECONDS,
) -> tuple[Batch, ...]:
    """Cut the lines at ``indexes`` into batches of about ``seconds`` of speech.

    Each engine's lines are cut apart (a process runs one engine), in order.
    """
    cuts: list[list[int]] = []
    for kind in dict.fromkeys(voices[i].engine for i in indexes):
        cuts.append([])
        total = 0.0
        most = seconds if kind == "espeak" else min(seconds, NEURAL_BATCH_SECONDS)
        for index in (i for i in indexes if voices[i].engine == kind):
            cuts[-1].append(index)
            total += expected_seconds(lines[index].text, voices[index].rate)
            if total >= most:
                cuts.append([])
                total = 0.0
    return tuple(
        Batch(
            tuple(cut),
            tuple(lines[i] for i in cut),
            tuple(voices[i] for i in cut),
            engine,
        )
        for cut in cuts
        if cut
    )


def synthesize_batch(batch: Batch) -> BatchResult:
    """Speak every line of ``batch`` with this process's one engine (worker side)."""
    from digest.speak.registry import engine_label, make_synthesizer

    spec = batch.engine
    # A batch sent back as bytes runs on a Dask worker, which lives on.
    synth = make_synthesizer(batch.kind, spec, lives_on=batch.folder is None)
    label = engine_label(batch.kind, synth)
    limit = hang_limit(spec)
    spoken = zip(batch.indexes, batch.lines, batch.voices, strict=True)
    if batch.folder is not None:
        folder = Path(batch.folder)
        for index, line, voice in spoken:
            with watchdog(limit):
                synth.synthesize(line, voice, folder / clip_name(index))
        return BatchResult(batch.indexes, (), label, _retried(synth, batch))
    wavs: list[bytes] = []
    # Marked with this worker's PID, so a killed worker's folder is swept later.
    with work_folder("digest-worker-") as tmp:
        path = tmp / "clip.wav"
        for _index, line, voice in spoken:
            with watchdog(limit):
                clip = synth.synthesize(line, voice, path)
            wavs.append(clip.path.read_bytes())
    return BatchResult(batch.indexes, tuple(wavs), label, _retried(synth, batch))


def _retried(synth: object, batch: Batch) -> bool:
    """Whether the engine spoke a line more than once (espeak's retries)."""
    return getattr(synth, "attempts", len(batch.indexes)) != len(batch.indexes)
