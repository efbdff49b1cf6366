"""Speaking a script: every line's clip, from the cache or from worker processes.

In: the lines to speak, their voice profiles, a clip cache and a worker pool
factory (:mod:`digest.run.pool`). Out: one verified WAV
:class:`~digest.models.Clip` per line, yielded as each batch finishes
(:func:`iter_clips`), so stitching and encoding can start before the last
line is spoken.

How the work is cut, and why:

* Lines found in the cache are read from it in place; only the rest is sent.
* Lines with the same key (a recurring transition, a repeated sentence) are
  spoken once and share their clip.
* The rest is cut into :class:`Batch` es of consecutive lines, about
  :data:`BATCH_SECONDS` of speech each, one engine per batch. The cut depends
  only on the lines, never on ``--jobs``. Each batch runs in a fresh process;
  the espeak engine keeps no state from one line to the next
  (:mod:`digest.speak.espeak`), so a clip's samples depend on its key alone.
* A worker of the local pool writes its clips straight into the build's work
  folder, which the main process then links into the cache: no audio crosses
  the pipe. A worker of a Dask cluster, which shares no disk with us, answers
  with the WAV bytes instead.
* One short batch (an edit's few new lines) is spoken by this process's own
  engine while it has never spoken: starting a worker would cost more.
* Every line is prepared for the ear (:func:`~digest.speak.ear.for_the_ear`) in
  :func:`speak_lines` (and ``digest say``) by :meth:`Speech.heard`, before its
  key is made; its clip then carries the written line back, for the transcript.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest.config import VoiceProfile
from digest.errors import SynthesisError
from digest.models import Clip, Line, expected_seconds
from digest.run.pool import (
    Pool,
    WorkerFailedError,
    WorkerLostError,
    guarded,
    run_all,
)
from digest.speak.cache import CachingSynthesizer, ClipCache, clip_key
from digest.speak.ear import Lexicon, for_the_ear
from digest.speak.espeak import Synthesizer, read_wav_info
from digest.speak.worker import (
    BATCH_SECONDS,
    Batch,
    EngineSpec,
    clip_name,
    hang_limit,
    make_batches,
    synthesize_batch,
)
from digest.store.cache import CacheStats

# Up to this much expected speech, when no batch has run in this process yet,
# is spoken by the main process's own engine (see the module docstring).
NEARBY_SECONDS = 60.0
# A batch in which the engine had to retry a line is spoken again, in a fresh
# process, up to this many times in all (see synthesize_batch).
SPEAK_ROUNDS = 3

log = logging.getLogger("digest")


def _broken(engine: EngineSpec) -> SynthesisError:
    return SynthesisError(
        "a speech worker stopped: the engine hung (no line may take over "
        f"{hang_limit(engine):g} s) or crashed"
    )


def _verified(index: int, data: bytes | None, line: Line, workdir: Path) -> Clip:
    """A worker's clip, written to ``workdir`` (unless it wrote it there itself)."""
    path = workdir / clip_name(index)
    if data is not None:
        path.write_bytes(data)
    info = read_wav_info(path)
    if info.frames == 0 or (info.channels, info.sample_width) != (1, 2):
        raise SynthesisError(f"a worker returned a broken clip for {line.text[:40]!r}")
    return Clip(line, path, info.frames, info.sample_rate)


@dataclass(frozen=True, slots=True)
class SpeechJob:
    """Where and how the uncached lines are spoken."""

    workdir: Path
    engine: EngineSpec
    engine_id: str  # this process's engine: the cache keys name it
    pool: Callable[[], Pool]
    batch_seconds: float = BATCH_SECONDS
    nearby: Synthesizer | None = None
    # A profile's engine id when its engine is not this process's (Piper).
    engine_of: Callable[[VoiceProfile], str] | None = None

    def id_for(self, profile: VoiceProfile) -> str:
        """The engine id that speaks ``profile``: in its cache keys and results."""
        return self.engine_id if self.engine_of is None else self.engine_of(profile)


class _Lines:
    """The script's lines with their voices and keys; repeats share one clip."""

    def __init__(
        self,
        lines: Sequence[Line],
        profiles: Sequence[VoiceProfile],
        keys: Sequence[str],
        stats: CacheStats,
    ) -> None:
        self.lines = lines
        self.profiles = profiles
        self.keys = keys
        self.members: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            if key in self.members:
                stats.repeats += 1
            self.members.setdefault(key, []).append(index)
        self.done = 0

    def share(self, clip: Clip, index: int) -> Iterator[tuple[int, Clip]]:
        """``clip`` for line ``index`` and every line that repeats it."""
        members = self.members[self.keys[index]]
        for member in members:
            yield (
                member,
                clip if member == index else replace(clip, line=self.lines[member]),
            )
        self.done += len(members)


def iter_clips(
    lines: Sequence[Line],
    voices: Callable[[str], VoiceProfile],
    job: SpeechJob,
    *,
    engine_voice: Callable[[VoiceProfile], str],
    cache: ClipCache | None,
    stats: CacheStats,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, Clip]]:
    """Every line's clip as soon as it exists, as (line index, clip), in any order.

    Cached clips come first, read in place from the cache; the rest are made by
    the pool's workers (or ``job.nearby``, see the module) and yielded batch by
    batch. ``stats`` is filled in as clips arrive. ``job.engine_id`` and
    ``engine_voice`` (the engine's id for a profile) come from this process's
    engine and make the cache keys; a worker whose engine differs (another
    machine of a cluster) still speaks, but its clips are not cached under keys
    that would not describe them.
    """
    profiles = [voices(line.speaker) for line in lines]
    keys = [
        clip_key(line.text.strip(), p, job.id_for(p), engine_voice(p))
        for line, p in zip(lines, profiles, strict=True)
    ]
    todo = _Lines(lines, profiles, keys, stats)
    missing: list[int] = []
    for key, (index, *_rest) in todo.members.items():
        # A cached clip is read where it is: the build only reads clips.
        path = cache.locate(key) if cache is not None else None
        if path is None:
            missing.append(index)
            continue
        info = read_wav_info(path)
        stats.hits += 1
        yield from todo.share(
            Clip(lines[index], path, info.frames, info.sample_rate), index
        )
    if progress is not None:
        progress(todo.done)
    if not missing:
        return
    batches = make_batches(missing, lines, profiles, job.engine, job.batch_seconds)
    nearby = job.nearby
    if len(batches) == 1 and nearby is not None and _speaks_nearby(batches[0], nearby):
        # Only an espeak batch: this process's one engine is espeak.
        spoken = _speak_here(batches[0], nearby, lines, job)
    else:
        spoken = _speak_on_pool(batches, lines, job)
    for made in spoken:  # one line spoken here, or one worker's batch
        for index, clip, cacheable in made:
            if cache is not None and cacheable:
                cache.store(keys[index], clip.path)
            stats.misses += 1
            yield from todo.share(clip, index)
        if progress is not None:
            progress(todo.done)


def _speaks_nearby(batch: Batch, nearby: Synthesizer) -> bool:
    """Whether ``nearby`` should speak ``batch`` itself (short, engine unused)."""
    if batch.kind != "espeak":
        return False
    seconds = sum(
        expected_seconds(line.text, voice.rate)
        for line, voice in zip(batch.lines, batch.voices, strict=True)
    )
    return seconds <= NEARBY_SECONDS and bool(getattr(nearby, "fresh", False))


# What a speaker hands back at a time: (line index, clip, whether to cache it).
Made = list[tuple[int, Clip, bool]]


def _speak_here(
    batch: Batch, nearby: Synthesizer, lines: Sequence[Line], job: SpeechJob
) -> Iterator[Made]:
    """The batch spoken by this process's engine: (index, clip, cacheable).

    If the engine had to retry a line, the batch goes to a worker instead, as
    a worker's own retry would (see :func:`synthesize_batch`).
    """
    log.info("synthesizing %d lines in this process", len(batch.indexes))
    before = getattr(nearby, "attempts", 0)
    made: Made = []
    for index, line, voice in zip(
        batch.indexes, batch.lines, batch.voices, strict=True
    ):
        path = job.workdir / clip_name(index)
        try:
            clip = guarded(
                lambda: nearby.synthesize(line, voice, path),  # noqa: B023 - run now
                hang_limit(job.engine),
            )
        except WorkerLostError:
            raise _broken(job.engine) from None
        made.append((index, clip, True))
    if getattr(nearby, "attempts", 0) - before > len(batch.indexes):
        yield from _speak_on_pool([batch], lines, job)
        return
    for one in made:
        yield [one]


def _speak_on_pool(
    batches: Sequence[Batch], lines: Sequence[Line], job: SpeechJob
) -> Iterator[Made]:
    """The batches spoken by worker processes: (index, clip, cacheable)."""
    pool = job.pool()
    count = sum(len(b.indexes) for b in batches)
    plural = "es" if len(batches) > 1 else ""
    log.info(
        "synthesizing %d lines in %d batch%s on %s",
        count,
        len(batches),
        plural,
        pool.name,
    )
    warned = False
    folder = str(job.workdir) if pool.shares_disk else None
    pending = list(batches)
    try:
        for last in (n == SPEAK_ROUNDS - 1 for n in range(SPEAK_ROUNDS)):
            again = []
            by_lines = {b.indexes: b for b in pending}
            sent = (replace(b, folder=folder) for b in pending)
            for result in run_all(pool, synthesize_batch, sent):
                if result.retried and not last:
                    again.append(by_lines[result.indexes])
                    continue
                expected = job.id_for(by_lines[result.indexes].voices[0])
                same_engine = result.engine_id == expected
                if not same_engine and not warned:
                    log.warning(
                        "a worker runs %s, not %s: its clips are not cached",
                        result.engine_id, expected,
                    )  # fmt: skip
                    warned = True
                wavs = result.wavs or (None,) * len(result.indexes)
                yield [
                    (i, _verified(i, data, lines[i], job.workdir), same_engine)
                    for i, data in zip(result.indexes, wavs, strict=True)
                ]
            if not again:
                break
            log.info("%d batch(es) spoken again after an engine retry", len(again))
            pending = again
    except WorkerLostError:
        raise _broken(job.engine) from None
    except WorkerFailedError as exc:
        raise SynthesisError(f"a speech worker failed: {exc}") from exc
    finally:
        pool.close()


def iter_local_clips(
    synthesizer: Synthesizer,
    lines: Sequence[Line],
    voices: Callable[[str], VoiceProfile],
    workdir: Path,
    *,
    stats: CacheStats,
    cache: ClipCache | None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, Clip]]:
    """Every line's clip from ``synthesizer`` in this process, one after another.

    For a synthesizer handed in by the caller (a test's fake, a library user's
    engine), which cannot be sent to worker processes.
    """
    synth: Synthesizer = synthesizer
    cached: CachingSynthesizer | None = None
    if cache is not None:
        synth = cached = CachingSynthesizer(synthesizer, cache)
    for index, line in enumerate(lines):
        path = workdir / clip_name(index)
        yield index, synth.synthesize(line, voices(line.speaker), path)
        if progress is not None:
            progress(index + 1)
    if cached is not None:
        stats.hits, stats.misses = cached.stats.hits, cached.stats.misses
    else:
        stats.misses = len(lines)


@dataclass(frozen=True, slots=True)
class Speech:
    """How a build speaks: its engine, its worker pool, or a given synthesizer."""

    engine: EngineSpec
    pool: Callable[[], Pool]
    # A synthesizer the caller made (a test's fake, a library user's engine)
    # speaks every line here, in order; None: pyttsx3 in worker processes.
    synthesizer: Synthesizer | None = None
    # Whether a short batch may be spoken by this process's own engine.
    nearby: bool = True
    # Written word → how to say it (voices/lexicon.toml), for every engine.
    lexicon: Lexicon = ()

    def heard(self, line: Line) -> Line:
        """``line`` as every engine is given it: prepared for the ear."""
        return replace(line, text=for_the_ear(line.text, self.lexicon))


def speak_lines(
    lines: Sequence[Line],
    voices: Callable[[str], VoiceProfile],
    workdir: Path,
    speech: Speech,
    *,
    cache: ClipCache | None,
    stats: CacheStats,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, Clip]]:
    """Every line's clip as it is ready: from worker processes, or the synthesizer.

    The engines (and the cache keys) get each line as :func:`for_the_ear` says
    it; the clips come back with the script's own lines.
    """
    heard = [speech.heard(line) for line in lines]
    if speech.synthesizer is not None:
        made = iter_local_clips(
            speech.synthesizer, heard, voices, workdir,
            stats=stats, cache=cache, progress=progress,
        )  # fmt: skip
    else:
        espeak = any(voices(line.speaker).engine == "espeak" for line in heard)
        job, engine_voice = _worker_job(workdir, speech, espeak=espeak)
        made = iter_clips(
            heard, voices, job,
            engine_voice=engine_voice, cache=cache, stats=stats, progress=progress,
        )  # fmt: skip
    return ((index, replace(clip, line=lines[index])) for index, clip in made)


def _worker_job(
    workdir: Path, speech: Speech, *, espeak: bool = True
) -> tuple[SpeechJob, Callable[[VoiceProfile], str]]:
    """Speech by worker processes, and the engine's id for a profile's voice.

    When a line is espeak's, this process's espeak engine names voices and
    versions for the cache keys, and speaks a short batch itself when nothing
    else has; Piper's ids come from its version and model hash, and an
    all-Piper build never starts espeak here.
    """
    from digest.speak.registry import EngineIds

    ids = EngineIds(speech.engine)
    local = ids.espeak if espeak else None
    job = SpeechJob(
        workdir,
        speech.engine,
        local.engine_id if local is not None else "",
        pool=speech.pool,
        nearby=local if speech.nearby else None,
        engine_of=ids.engine_id,
    )
    return job, ids.engine_voice
