"""Units: the mix cut at its chapters, each levelled and encoded on its own.

In: the stitched :class:`~digest.models.Mix` (a WAV and the frame where each
chapter starts). Out: one MP3 per chapter (:class:`EncodedUnit`), ready for
:func:`digest.mp3.join`, plus each unit's loudness blocks and peak.

Why units: a unit's MP3 depends only on its own PCM and the encoding settings,
so it is cached under a hash of exactly that. Editing one review re-encodes one
unit; the rest come from the cache. Cold, the units are encoded by several
ffmpeg processes at once, a few units per process.

Each unit is levelled to the loudness goal by :func:`digest.level.level` (gain
and limiter, in numpy) and encoded by ffmpeg as 16-bit PCM → ``libmp3lame``
CBR with an Info frame. Entries of the unit cache are ``KEY[:2]/KEY.mp3`` plus
a ``KEY.json`` record (size, sha256, gain, loudness blocks, peak) written
after the MP3; both are checked on every read and a bad entry is made again.
"""

import concurrent.futures as cf
import contextlib
import ctypes
import errno
import functools
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import EncodeError, OutputError
from .level import LIMITER_ID, level
from .models import Mix
from .mp3 import StreamInfo, read_stream
from .sidecars import write_atomic

log = logging.getLogger("digest")

UNIT_FORMAT = 1
UNITS_DIR = "units"
ENCODE_TIMEOUT_S = 3600
# Units per ffmpeg process: enough to spread its start-up cost, few enough that
# both cores stay busy to the end.
BATCH_SECONDS = 150.0
BATCH_UNITS = 8
# What ffmpeg (through strerror) says when the output's disk or file size runs out.
DISK_FULL = tuple(os.strerror(e) for e in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT))


@dataclass(frozen=True, slots=True)
class EncodeSpec:
    """Everything besides the PCM that shapes a unit's MP3 bytes."""

    ffmpeg: Path
    encoder: str  # the ffmpeg build (version line): part of every key
    sample_rate: int
    bitrate_kbps: int
    goal_lufs: float  # loudness before MP3 encoding
    limit_db: float

    def key(self, pcm: bytes, rate: int) -> str:
        """The cache key of a unit: sha256 of its PCM and these settings."""
        digest = hashlib.sha256()
        parts = {
            "format": UNIT_FORMAT,
            "encoder": self.encoder,
            "in_rate": rate,
            "out_rate": self.sample_rate,
            "kbps": self.bitrate_kbps,
            "goal": round(self.goal_lufs, 3),
            "limit": round(self.limit_db, 3),
            "limiter": LIMITER_ID,
        }
        digest.update(json.dumps(parts, sort_keys=True).encode())
        digest.update(pcm)
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class EncodedUnit:
    """One chapter's MP3 and what was measured on its way there."""

    path: Path
    info: StreamInfo
    gain_db: float
    blocks: tuple[float, ...]  # K-weighted block powers of the levelled PCM
    true_peak_db: float  # estimated, of the levelled PCM
    from_cache: bool = False


class UnitCache:
    """A folder of verified unit MP3s addressed by :meth:`EncodeSpec.key`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._store_failed = False

    def _paths(self, key: str) -> tuple[Path, Path]:
        base = self.folder / key[:2] / key
        return base.with_suffix(".mp3"), base.with_suffix(".json")

    def discard(self, key: str) -> None:
        """Delete an entry, if present."""
        for path in self._paths(key):
            with contextlib.suppress(OSError):
                path.unlink()

    def fetch(self, key: str) -> EncodedUnit | None:
        """The verified entry for ``key``; a bad one is deleted (then None)."""
        mp3, record = self._paths(key)
        try:
            meta = json.loads(record.read_text(encoding="utf-8"))
            data = mp3.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            if mp3.is_file() or record.is_file():
                self.discard(key)
            return None
        except (OSError, ValueError):
            meta, data = None, b""
        try:
            if not (
                isinstance(meta, dict)
                and meta.get("key") == key
                and meta.get("format") == UNIT_FORMAT
                and meta.get("size") == len(data)
                and meta.get("sha256") == hashlib.sha256(data).hexdigest()
            ):
                raise ValueError("damaged")
            info, _frame = read_stream(mp3)
            return EncodedUnit(
                mp3,
                info,
                float(meta["gain_db"]),
                tuple(float(b) for b in meta["blocks"]),
                float(meta["true_peak_db"]),
                from_cache=True,
            )
        except (ValueError, KeyError, TypeError, EncodeError):
            log.warning("unit cache: damaged entry %s removed", key[:12])
            self.discard(key)
            return None

    def store(self, key: str, unit: EncodedUnit) -> EncodedUnit:
        """Keep ``unit``; the returned unit points into the cache if that worked."""
        mp3, record = self._paths(key)
        try:
            data = unit.path.read_bytes()
            mp3.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(mp3, data)
            meta = {
                "format": UNIT_FORMAT,
                "key": key,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "gain_db": unit.gain_db,
                "blocks": list(unit.blocks),
                "true_peak_db": unit.true_peak_db,
            }
            write_atomic(record, (json.dumps(meta, sort_keys=True) + "\n").encode())
        except (OSError, OutputError) as exc:
            if not self._store_failed:
                log.warning("unit cache: cannot write %s (%s)", self.folder, exc)
            self._store_failed = True
            return unit
        return EncodedUnit(mp3, unit.info, unit.gain_db, unit.blocks, unit.true_peak_db)


def cuts_of(mix: Mix) -> tuple[int, ...]:
    """The frame where each chapter (unit) starts: the mix's own, or from its ms."""
    if mix.cuts:
        return mix.cuts
    return tuple(
        0 if i == 0 else round(c.start_ms * mix.sample_rate / 1000)
        for i, c in enumerate(mix.chapters)
    ) or (0,)


def unit_spans(mix: Mix) -> list[tuple[int, int]]:
    """(first frame, frame count) of each unit in the mix."""
    cuts = cuts_of(mix)
    ends = (*cuts[1:], mix.frames)
    return [(start, max(0, end - start)) for start, end in zip(cuts, ends, strict=True)]


def read_units(mix: Mix, indexes: Sequence[int]) -> Iterator[bytes]:
    """The PCM (16-bit mono) of the units at ``indexes``, one at a time."""
    spans = unit_spans(mix)
    try:
        with wave.open(str(mix.wav), "rb") as src:
            if (src.getnchannels(), src.getsampwidth()) != (1, 2):
                raise EncodeError(f"{mix.wav.name}: the mix is not 16-bit mono")
            for index in indexes:
                start, frames = spans[index]
                src.setpos(start)
                yield src.readframes(frames)
    except (OSError, EOFError, wave.Error) as exc:
        raise EncodeError(f"{mix.wav.name}: cannot read the mix ({exc})") from exc


def _write_wav(path: Path, pcm: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)


def encode_args(spec: EncodeSpec, pairs: Sequence[tuple[Path, Path]]) -> list[str]:
    """One ffmpeg call encoding each (WAV, MP3) pair as its own MP3 stream."""
    args = [str(spec.ffmpeg), "-hide_banner", "-nostdin", "-nostats", "-y"]
    for wav, _mp3 in pairs:
        args += ["-i", str(wav)]
    for index, (_wav, mp3) in enumerate(pairs):
        args += [
            "-map", f"{index}:a", "-ac", "1", "-ar", str(spec.sample_rate),
            "-c:a", "libmp3lame", "-b:a", f"{spec.bitrate_kbps}k",
            # No encoder-written tags and no build-specific bytes; the Info
            # frame carries the delay and padding that joining needs.
            "-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "1",
            "-fflags", "+bitexact", "-flags:a", "+bitexact",
            "-f", "mp3", str(mp3),
        ]  # fmt: skip
    return args


def start_ffmpeg(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ffmpeg, capturing its output; failing to start it is an EncodeError."""
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=ENCODE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EncodeError(f"could not run ffmpeg ({exc})") from exc


def run_ffmpeg(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    """Run ffmpeg; a failure is an EncodeError quoting its telling line."""
    proc = start_ffmpeg(args)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["no message"]
        # The last line is often just "Conversion failed!"; a full disk says more.
        detail = next((x for x in lines if any(r in x for r in DISK_FULL)), lines[-1])
        raise EncodeError(f"ffmpeg failed to {what}: {detail}")
    return proc


@dataclass(frozen=True, slots=True)
class _Job:
    indexes: tuple[int, ...]
    keys: tuple[str, ...]


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 1 << 20


@functools.cache
def release_large_blocks() -> None:
    """Have glibc serve blocks over 1 MiB by mmap, so freeing them frees memory.

    Levelling makes and drops arrays of megabytes per unit; glibc's default
    moves its mmap threshold up after such frees and then keeps the memory in
    per-thread arenas, which grew a long build's peak by a third. A fixed
    threshold stops that. Other C libraries are left alone.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        if hasattr(libc, "mallopt"):
            libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


# One unit is levelled at a time (its arrays are some 40 bytes a sample); the
# other thread meanwhile waits on its ffmpeg, which is where the time goes.
_LEVELLING = threading.Lock()


def _encode_job(job: _Job, mix: Mix, spec: EncodeSpec, work: Path) -> list[EncodedUnit]:
    """Level the job's units (read from the mix now, not before) and encode them."""
    rate = mix.sample_rate
    measured: list[tuple[float, tuple[float, ...], float]] = []
    pairs: list[tuple[Path, Path]] = []
    for index, pcm in zip(job.indexes, read_units(mix, job.indexes), strict=True):
        with _LEVELLING:
            done = level(pcm, rate, spec.goal_lufs, spec.limit_db)
        wav, mp3 = work / f"unit-{index:05d}.wav", work / f"unit-{index:05d}.mp3"
        _write_wav(wav, done.pcm, rate)
        measured.append((done.gain_db, done.blocks, done.true_peak_db))
        pairs.append((wav, mp3))
    run_ffmpeg(encode_args(spec, pairs), "encode the episode")
    out = []
    for (wav, mp3), (gain, blocks, peak) in zip(pairs, measured, strict=True):
        wav.unlink(missing_ok=True)
        info, _frame = read_stream(mp3)
        out.append(EncodedUnit(mp3, info, gain, blocks, peak))
    return out


def _jobs(
    missing: Sequence[int],
    spans: Sequence[tuple[int, int]],
    keys: Sequence[str],
    rate: int,
) -> list[_Job]:
    """Consecutive missing units in groups of about BATCH_SECONDS (one ffmpeg each)."""
    jobs: list[_Job] = []
    current: list[int] = []
    seconds = 0.0
    for index in missing:
        current.append(index)
        seconds += spans[index][1] / rate
        if seconds >= BATCH_SECONDS or len(current) >= BATCH_UNITS:
            jobs.append(_Job(tuple(current), tuple(keys[i] for i in current)))
            current, seconds = [], 0.0
    if current:
        jobs.append(_Job(tuple(current), tuple(keys[i] for i in current)))
    return jobs


def encode_units(
    mix: Mix,
    spec: EncodeSpec,
    work: Path,
    *,
    cache: UnitCache | None = None,
    jobs: int = 1,
) -> tuple[tuple[EncodedUnit, ...], int]:
    """Every unit of ``mix`` as an MP3, from the cache or encoded (in parallel).

    Units are read from the mix one at a time (to hash them) and again when
    encoded, so memory holds a few units, never the episode. Returns the units
    in order and how many were encoded now.
    """
    rate = mix.sample_rate
    spans = unit_spans(mix)
    everything = range(len(spans))
    keys = [spec.key(pcm, rate) for pcm in read_units(mix, everything)]
    units: list[EncodedUnit | None] = [None] * len(spans)
    missing = []
    for index, key in enumerate(keys):
        found = cache.fetch(key) if cache is not None else None
        if found is None:
            missing.append(index)
        units[index] = found
    if missing:
        release_large_blocks()
        batches = _jobs(missing, spans, keys, rate)
        workers = max(1, min(jobs, len(batches)))
        with cf.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_encode_job, b, mix, spec, work) for b in batches]
            for batch, future in zip(batches, futures, strict=True):
                made = future.result()
                for index, key, unit in zip(
                    batch.indexes, batch.keys, made, strict=True
                ):
                    units[index] = cache.store(key, unit) if cache is not None else unit
    done = tuple(u for u in units if u is not None)
    return done, len(missing)
