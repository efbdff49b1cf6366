"""Parallel synthesis: the script's uncached lines spread over worker processes.

In: the lines to speak, their voice profiles, a clip cache and a
:class:`concurrent.futures.Executor` factory. Out: one verified WAV
:class:`~digest.models.Clip` per line, yielded as each batch finishes
(:func:`iter_clips`) or collected in script order (:func:`render_parallel`).

How the work is cut, and why:

* Lines found in the cache are read from it in place; only the rest is sent.
* The rest is cut into :class:`Batch` es of consecutive lines, about
  :data:`BATCH_SECONDS` of speech each. The cut depends only on the lines, never
  on ``--jobs``: espeak-ng's pitch flutter carries state from one utterance to
  the next inside a process, so a clip's exact samples depend on what the same
  process said before it. Each batch therefore runs in a *fresh* process
  (``max_tasks_per_child=1``) and a cold build gives the same bytes whatever
  ``--jobs`` is.
* Workers are started with ``spawn``: espeak must never be forked.
* A worker of the local pool writes its clips straight into the build's work
  folder, which the main process then links into the cache: no audio crosses
  the pipe. A worker of a Dask cluster, which shares no disk with us
  (``--executor dask://…``), answers with the WAV bytes instead.
* A worker's engine can hang inside ``runAndWait`` where no Python timeout
  reaches. A watchdog thread in the worker ends the process when one line takes
  longer than the engine's timeout allows; the pool then reports a broken
  worker, which becomes a :class:`~digest.errors.SynthesisError`.
"""

import concurrent.futures as cf
import contextlib
import functools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from digest.config import VoiceProfile
from digest.errors import SynthesisError, UsageError
from digest.models import Clip, Line
from digest.script import expected_seconds
from digest.speak.espeak import Synthesizer, read_wav_info
from digest.store.cache import CacheStats, ClipCache, clip_key

log = logging.getLogger("digest")

# About this much expected speech per batch: large enough that starting a fresh
# worker (~0.2 s) is a small share of the batch, small enough to share the work.
BATCH_SECONDS = 240.0
# A worker that dies with this status was ended by its own watchdog.
HUNG_EXIT = 75
DASK_SCHEME = "dask://"


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


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a worker made, and its engine's id: one WAV file's bytes per line,
    or nothing when the clips were written to the batch's folder."""

    indexes: tuple[int, ...]
    wavs: tuple[bytes, ...]
    engine_id: str


def hang_limit(engine: EngineSpec) -> float:
    """How long one line may take in a worker: every retry's timeout, plus a margin."""
    return engine.timeout_s * engine.retries + 5.0


def make_batches(
    indexes: Sequence[int],
    lines: Sequence[Line],
    voices: Sequence[VoiceProfile],
    engine: EngineSpec,
    seconds: float = BATCH_SECONDS,
) -> tuple[Batch, ...]:
    """Cut the lines at ``indexes`` into batches of about ``seconds`` of speech."""
    batches: list[Batch] = []
    current: list[int] = []
    total = 0.0
    for index in indexes:
        current.append(index)
        total += expected_seconds(lines[index].text, voices[index].rate)
        if total >= seconds:
            batches.append(_batch(current, lines, voices, engine))
            current, total = [], 0.0
    if current:
        batches.append(_batch(current, lines, voices, engine))
    return tuple(batches)


def _batch(
    indexes: list[int],
    lines: Sequence[Line],
    voices: Sequence[VoiceProfile],
    engine: EngineSpec,
) -> Batch:
    return Batch(
        tuple(indexes),
        tuple(lines[i] for i in indexes),
        tuple(voices[i] for i in indexes),
        engine,
    )


# --- inside a worker process -------------------------------------------------------


def init_worker() -> None:
    """Pool initializer: Ctrl-C is the parent's to handle, not each worker's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _watchdog(limit_s: float) -> Iterator[None]:
    """End this process if the block runs longer than ``limit_s`` (a hung engine)."""
    timer = threading.Timer(limit_s, os._exit, (HUNG_EXIT,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def synthesize_batch(batch: Batch) -> BatchResult:
    """Speak every line of ``batch`` with this process's one engine (worker side)."""
    import tempfile

    from digest.media.engines import prepare_espeak
    from digest.speak.espeak import Pyttsx3Synthesizer

    spec = batch.engine
    prepare_espeak(spec.espeak)
    synth = Pyttsx3Synthesizer(timeout=spec.timeout_s, retries=spec.retries)
    limit = hang_limit(spec)
    spoken = zip(batch.indexes, batch.lines, batch.voices, strict=True)
    if batch.folder is not None:
        folder = Path(batch.folder)
        for index, line, voice in spoken:
            with _watchdog(limit):
                synth.synthesize(line, voice, folder / clip_name(index))
        return BatchResult(batch.indexes, (), synth.engine_id)
    wavs: list[bytes] = []
    with tempfile.TemporaryDirectory(prefix="digest-worker-") as tmp:
        path = Path(tmp) / "clip.wav"
        for _index, line, voice in spoken:
            with _watchdog(limit):
                clip = synth.synthesize(line, voice, path)
            wavs.append(clip.path.read_bytes())
    return BatchResult(batch.indexes, tuple(wavs), synth.engine_id)


def clip_name(index: int) -> str:
    """The file name of line ``index``'s clip in a build's work folder."""
    return f"clip-{index:05d}.wav"


# --- in the main process -----------------------------------------------------------


@dataclass(slots=True)
class Pool:
    """An executor and how to stop it (and its workers) when the build ends."""

    executor: cf.Executor
    close: Callable[[], None]
    name: str
    shares_disk: bool = False  # its workers can write into our work folder


def default_jobs() -> int:
    """Worker processes when ``--jobs`` is not given: the usable cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _process_pool(jobs: int) -> Pool:
    executor = cf.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        max_tasks_per_child=1,
    )

    def close() -> None:
        # On an error or Ctrl-C the running batches are not worth waiting for.
        processes: dict[int, Any] = getattr(executor, "_processes", None) or {}
        executor.shutdown(wait=False, cancel_futures=True)
        for process in list(processes.values()):
            with contextlib.suppress(Exception):
                process.kill()
        executor.shutdown(wait=True)

    name = f"{jobs} worker process{'es' if jobs > 1 else ''}"
    return Pool(executor, close, name, shares_disk=True)


def _dask_pool(address: str) -> Pool:
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            "--executor dask://… needs the dask extra: pip install 'digest[dask]'"
        ) from None
    try:
        client = Client(address, timeout=10, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"--executor {DASK_SCHEME}{address}: {exc}") from exc
    executor = client.get_executor(pure=False)

    def close() -> None:
        with contextlib.suppress(Exception):
            executor.shutdown(wait=False)
        client.close()

    return Pool(executor, close, f"Dask cluster at {address}")


def open_pool(executor: str | None, jobs: int) -> Pool:
    """The executor a build's synthesis runs on: a spawn pool or a Dask cluster."""
    if executor is None or executor in ("", "process"):
        return _process_pool(jobs)
    if executor.startswith(DASK_SCHEME):
        address = executor[len(DASK_SCHEME) :]
        if not address:
            raise UsageError("--executor dask://HOST:PORT needs a host and port")
        return _dask_pool(f"tcp://{address}")
    raise UsageError(f"--executor {executor}: give 'process' or dask://HOST:PORT")


def _verified(index: int, data: bytes | None, line: Line, workdir: Path) -> Clip:
    """A worker's clip, written to ``workdir`` (unless it wrote it there itself)."""
    path = workdir / clip_name(index)
    if data is not None:
        path.write_bytes(data)
    info = read_wav_info(path)
    if info.frames == 0 or (info.channels, info.sample_width) != (1, 2):
        raise SynthesisError(f"a worker returned a broken clip for {line.text[:40]!r}")
    return Clip(line, path, info.frames, info.sample_rate)


def _broken(engine: EngineSpec) -> SynthesisError:
    return SynthesisError(
        "a speech worker stopped: the engine hung (no line may take over "
        f"{hang_limit(engine):g} s) or crashed"
    )


# Up to this much expected speech, when no batch has run in this process yet,
# is spoken by the main process's own engine: an edit's few new lines are not
# worth starting a worker for (about half a second), and the engine, never used
# before, speaks them exactly as a fresh worker would.
NEARBY_SECONDS = 60.0


def iter_clips(
    lines: Sequence[Line],
    voices: Callable[[str], VoiceProfile],
    workdir: Path,
    *,
    engine: EngineSpec,
    engine_id: str,
    engine_voice: Callable[[VoiceProfile], str],
    cache: ClipCache | None,
    pool: Callable[[], Pool],
    stats: CacheStats,
    progress: Callable[[int], None] | None = None,
    batch_seconds: float = BATCH_SECONDS,
    nearby: Synthesizer | None = None,
) -> Iterator[tuple[int, Clip]]:
    """Every line's clip as soon as it exists, as (line index, clip), in any order.

    Cached clips come first, read in place from the cache; the rest are made by the
    pool's workers and yielded batch by batch as the batches finish, so the
    caller can stitch and encode while later batches are still being spoken.
    ``nearby``, an unused engine of this process, speaks the rest itself when
    it is one short batch. ``stats`` is filled in as clips arrive.

    ``engine_id`` and ``engine_voice`` (the engine's id for a profile) come from
    the main process's engine and make the cache keys; a worker whose engine
    differs (another machine of a cluster) still speaks, but its clips are not
    cached under keys that would not describe them.
    """
    profiles = [voices(line.speaker) for line in lines]
    keys: list[str] = []
    missing: list[int] = []
    # Lines with the same key (a recurring transition, a repeated sentence) are
    # spoken once: espeak's output depends a little on what it spoke before, so
    # speaking each again would give a cold build other audio than a rebuild
    # from the cache, and the rebuild would re-encode its units.
    members: dict[str, list[int]] = {}
    for index, (line, profile) in enumerate(zip(lines, profiles, strict=True)):
        key = clip_key(line.text.strip(), profile, engine_id, engine_voice(profile))
        keys.append(key)
        if key in members:
            members[key].append(index)
            stats.repeats += 1
        else:
            members[key] = [index]
    done = 0

    def share(clip: Clip, index: int) -> Iterator[tuple[int, Clip]]:
        nonlocal done
        for member in members[keys[index]]:
            yield member, clip if member == index else replace(clip, line=lines[member])
        done += len(members[keys[index]])

    for key, (index, *_rest) in members.items():
        # A cached clip is read where it is: the build only reads clips.
        path = cache.locate(key) if cache is not None else None
        if path is not None:
            info = read_wav_info(path)
            stats.hits += 1
            yield from share(
                Clip(lines[index], path, info.frames, info.sample_rate), index
            )
        else:
            missing.append(index)
    if progress is not None:
        progress(done)
    if not missing:
        return
    batches = make_batches(missing, lines, profiles, engine, batch_seconds)
    started = time.perf_counter()
    if len(batches) == 1 and nearby is not None and _speaks_nearby(batches[0], nearby):
        log.info("synthesizing %d lines in this process", len(missing))
        for index in batches[0].indexes:
            path = workdir / clip_name(index)
            clip = _guarded(
                functools.partial(
                    nearby.synthesize, lines[index], profiles[index], path
                ),
                engine,
            )
            if cache is not None:
                cache.store(keys[index], clip.path)
            stats.misses += 1
            yield from share(clip, index)
            if progress is not None:
                progress(done)
        return
    opened = pool()
    log.info(
        "synthesizing %d lines in %d batch%s on %s",
        len(missing), len(batches), "es" if len(batches) > 1 else "", opened.name,
    )  # fmt: skip
    warned = False
    try:
        # as_completed drops each future once it is yielded; keeping the
        # list here would keep every batch's WAV bytes alive to the end.
        folder = str(workdir) if opened.shares_disk else None
        submitted = (
            opened.executor.submit(synthesize_batch, replace(b, folder=folder))
            for b in batches
        )
        for future in cf.as_completed(list(submitted)):
            try:
                result: BatchResult = future.result()
            except BrokenProcessPool:
                raise _broken(engine) from None
            except SynthesisError:
                raise
            except Exception as exc:  # a Dask worker lost, a pickling failure…
                if type(exc).__name__ == "KilledWorker":
                    raise _broken(engine) from None
                raise SynthesisError(f"a speech worker failed: {exc}") from exc
            same_engine = result.engine_id == engine_id
            if not same_engine and not warned:
                log.warning(
                    "a worker runs %s, not %s: its clips are not cached",
                    result.engine_id, engine_id,
                )  # fmt: skip
                warned = True
            wavs = result.wavs or (None,) * len(result.indexes)
            for index, data in zip(result.indexes, wavs, strict=True):
                clip = _verified(index, data, lines[index], workdir)
                if cache is not None and same_engine:
                    cache.store(keys[index], clip.path)
                stats.misses += 1
                yield from share(clip, index)
            if progress is not None:
                progress(done)
    finally:
        opened.close()
    log.debug("synthesis took %.2f s", time.perf_counter() - started)


def _guarded(speak: Callable[[], Clip], engine: EngineSpec) -> Clip:
    """``speak()`` on a helper thread; an engine that hangs is an error, not a wait.

    The worker's watchdog ends a hung worker; this process cannot end itself,
    so the line is spoken on a daemon thread that is abandoned if it never
    returns (the build then stops with the same error a hung worker gives).
    """
    box: list[Clip | BaseException] = []

    def run() -> None:
        try:
            box.append(speak())
        except BaseException as exc:  # handed back to the caller below
            box.append(exc)

    thread = threading.Thread(target=run, name="digest-speak", daemon=True)
    thread.start()
    thread.join(hang_limit(engine))
    if not box:
        raise _broken(engine)
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def _speaks_nearby(batch: Batch, nearby: Synthesizer) -> bool:
    """Whether ``nearby`` should speak ``batch`` itself (short, engine unused)."""
    seconds = sum(
        expected_seconds(line.text, voice.rate)
        for line, voice in zip(batch.lines, batch.voices, strict=True)
    )
    return seconds <= NEARBY_SECONDS and bool(getattr(nearby, "fresh", False))


def render_parallel(
    lines: Sequence[Line],
    voices: Callable[[str], VoiceProfile],
    workdir: Path,
    **options: Any,
) -> tuple[tuple[Clip, ...], CacheStats]:
    """Every line's clip in script order: :func:`iter_clips` (same options)."""
    stats = CacheStats()
    clips: list[Clip | None] = [None] * len(lines)
    for index, clip in iter_clips(lines, voices, workdir, stats=stats, **options):
        clips[index] = clip
    return tuple(c for c in clips if c is not None), stats
