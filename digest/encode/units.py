"""Units: the mix cut at its chapters, each levelled and encoded on its own.

In: the stitched :class:`~digest.models.Mix` (a WAV and the frame where each
chapter starts). Out: one MP3 per chapter (:class:`EncodedUnit`), ready for
:func:`digest.encode.mp3.join`, plus each unit's loudness blocks and peak.

Why units: a unit's MP3 depends only on its own PCM and the encoding settings,
so it is cached under a hash of exactly that. Editing one review re-encodes one
unit; the rest come from the cache. Cold, the units are encoded by several
ffmpeg processes at once, a few units per process.

Each unit is levelled to the loudness goal by :func:`digest.encode.level.level` (gain
and limiter, in numpy) and encoded by ffmpeg as 16-bit PCM → ``libmp3lame``
CBR with an Info frame. Entries of the unit cache are ``KEY[:2]/KEY.mp3`` plus
a ``KEY.json`` record (size, sha256, gain, loudness blocks, peak, the
histogram of frame peaks) written
after the MP3; both are checked on every read and a bad entry is made again.
"""

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest.encode.level import LIMITER_ID, Levelled, level
from digest.encode.mp3 import StreamInfo, read_stream
from digest.errors import EncodeError
from digest.media.ffmpeg import run_ffmpeg
from digest.media.wav import WavError, read_pcm, write_pcm
from digest.models import Mix
from digest.run.tuning import keep_on_one_core, release_large_blocks
from digest.store.cache import VerifiedStore
from digest.store.files import Digest

log = logging.getLogger("digest")

UNIT_FORMAT = 1
# Units per ffmpeg process: enough to spread its start-up cost, few enough that
# both cores stay busy to the end.
BATCH_SECONDS = 150.0
BATCH_UNITS = 8


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
        digest = Digest()
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
    histogram: tuple[int, ...] = ()  # active frames by peak (dynamics.py)
    from_cache: bool = False


class UnitCache:
    """A folder of verified unit MP3s addressed by :meth:`EncodeSpec.key`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.entries = VerifiedStore(folder, ".mp3", UNIT_FORMAT, "unit cache")

    def discard(self, key: str) -> None:
        """Delete an entry, if present."""
        self.entries.discard(key)

    def fetch(self, key: str) -> EncodedUnit | None:
        """The verified entry for ``key``; a bad one is deleted (then None)."""
        found = self.entries.read(key)
        if found is None:
            return None
        meta = found[0]
        mp3, _record = self.entries.paths(key)
        try:
            info, _frame = read_stream(mp3)
            return EncodedUnit(
                mp3,
                info,
                float(meta["gain_db"]),
                tuple(float(b) for b in meta["blocks"]),
                float(meta["true_peak_db"]),
                tuple(int(c) for c in meta["histogram"]),
                from_cache=True,
            )
        except (ValueError, KeyError, TypeError, EncodeError):
            self.entries.discard(key, "damaged")
            return None

    def store(self, key: str, unit: EncodedUnit) -> EncodedUnit:
        """Keep ``unit``; the returned unit points into the cache if that worked."""
        try:
            data = unit.path.read_bytes()
        except OSError as exc:
            log.warning("unit cache: cannot read %s (%s)", unit.path.name, exc)
            return unit
        kept = self.entries.write(
            key,
            data,
            source=unit.path,  # the build only reads it from now on
            gain_db=unit.gain_db,
            blocks=list(unit.blocks),
            true_peak_db=unit.true_peak_db,
            histogram=list(unit.histogram),
        )
        if not kept:
            return unit
        mp3, _record = self.entries.paths(key)
        return replace(unit, path=mp3)


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


# One unit is levelled at a time (its arrays are some 40 bytes a sample); the
# other thread meanwhile waits on its ffmpeg, which is where the time goes.
_LEVELLING = threading.Lock()


@dataclass(frozen=True, slots=True)
class UnitSpan:
    """Where one unit's PCM lies in a mix WAV (16-bit mono) that may still grow."""

    index: int
    wav: Path
    rate: int
    start: int  # first frame
    frames: int


def read_span(span: UnitSpan) -> bytes:
    """The unit's PCM, read now from its (already written) part of the WAV."""
    try:
        info, pcm = read_pcm(span.wav, span.start, span.frames)
    except WavError as exc:
        raise EncodeError(f"{span.wav.name}: cannot read the mix ({exc})") from exc
    if (info.channels, info.sample_width) != (1, 2):
        raise EncodeError(f"{span.wav.name}: the mix is not 16-bit mono")
    if len(pcm) != 2 * span.frames:
        raise EncodeError(f"{span.wav.name}: the mix ends early")
    return pcm


class UnitEncoder:
    """Units handed in as the mix is written, each found in the cache or made.

    ``jobs`` threads take the waiting units a few at a time (a fair share of
    those waiting, up to ``BATCH_UNITS`` or ``BATCH_SECONDS``): each unit is
    read from the WAV and hashed, looked up in the cache, and if missing
    levelled (one at a time: its arrays are large) and encoded, one ffmpeg
    process per group. Units are
    read when taken, not when handed in, so memory holds a few units however far
    the encoders fall behind.
    """

    def __init__(
        self,
        spec: EncodeSpec,
        work: Path,
        *,
        cache: UnitCache | None = None,
        jobs: int = 1,
    ) -> None:
        self.spec = spec
        self.work = work
        self.cache = cache
        self._waiting: list[UnitSpan] = []
        self._done: dict[int, EncodedUnit] = {}
        self._encoded = 0
        self._error: BaseException | None = None
        self._closed = False
        self._busy = threading.Condition()
        release_large_blocks()
        self._threads = [
            threading.Thread(
                target=self._run, args=(n,), name=f"digest-encode-{n}", daemon=True
            )
            for n in range(max(1, jobs))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, span: UnitSpan) -> None:
        """Queue a unit whose PCM is already written to ``span.wav``."""
        with self._busy:
            if self._error is not None:
                raise self._error
            self._waiting.append(span)
            self._busy.notify()

    def _take(self) -> list[UnitSpan] | None:
        with self._busy:
            while not self._waiting and not self._closed and self._error is None:
                self._busy.wait()
            if self._error is not None or not self._waiting:
                return None
            taken: list[UnitSpan] = []
            seconds = 0.0
            # A fair share of what waits, so no thread ends up with the last
            # long group while the others have nothing left to do.
            share = min(BATCH_UNITS, -(-len(self._waiting) // len(self._threads)))
            while self._waiting and len(taken) < share and seconds < BATCH_SECONDS:
                span = self._waiting.pop(0)
                taken.append(span)
                seconds += span.frames / span.rate
            return taken

    def _run(self, slot: int) -> None:
        keep_on_one_core(slot)
        while (taken := self._take()) is not None:
            try:
                made = self._encode(taken)
            except BaseException as exc:  # handed to the caller by results()
                with self._busy:
                    self._error = self._error or exc
                    self._busy.notify_all()
                return
            with self._busy:
                self._done.update(made)
                self._busy.notify_all()

    def _encode(self, taken: Sequence[UnitSpan]) -> dict[int, EncodedUnit]:
        """Find or make the units of one group (runs in an encoder thread)."""
        spec, out = self.spec, {}
        measured: list[tuple[UnitSpan, str, Path, Levelled]] = []
        pairs: list[tuple[Path, Path]] = []
        for span in taken:
            pcm = read_span(span)
            key = spec.key(pcm, span.rate)
            found = self.cache.fetch(key) if self.cache is not None else None
            if found is not None:
                out[span.index] = found
                continue
            with _LEVELLING:
                done = level(pcm, span.rate, spec.goal_lufs, spec.limit_db)
                del pcm
            wav = self.work / f"unit-{span.index:05d}.wav"
            mp3 = self.work / f"unit-{span.index:05d}.mp3"
            write_pcm(wav, done.pcm, span.rate)
            # Only what the unit record keeps: the PCM is written and let go.
            measured.append((span, key, mp3, replace(done, pcm=b"")))
            pairs.append((wav, mp3))
        if pairs:
            run_ffmpeg(encode_args(spec, pairs), "encode the episode")
        for (wav, _mp3), (span, key, mp3, done) in zip(pairs, measured, strict=True):
            wav.unlink(missing_ok=True)
            info, _frame = read_stream(mp3)
            unit = EncodedUnit(
                mp3, info, done.gain_db, done.blocks, done.true_peak_db, done.histogram
            )
            out[span.index] = self.cache.store(key, unit) if self.cache else unit
        with self._busy:
            self._encoded += len(pairs)
        return out

    def results(self, count: int) -> tuple[tuple[EncodedUnit, ...], int]:
        """Units 0 … ``count`` - 1 once all are done, and how many were encoded now."""
        with self._busy:
            self._closed = True
            self._busy.notify_all()
            while self._error is None and len(self._done) < count:
                if not any(t.is_alive() for t in self._threads):
                    break
                self._busy.wait(0.5)
            if self._error is not None:
                raise self._error
            missing = [i for i in range(count) if i not in self._done]
            if missing:
                raise EncodeError(f"unit {missing[0] + 1} of {count} was never encoded")
            return tuple(self._done[i] for i in range(count)), self._encoded

    def close(self) -> None:
        """Stop taking units and wait for the groups under way (on success or error)."""
        with self._busy:
            self._closed = True
            self._waiting.clear()
            self._busy.notify_all()
        for thread in self._threads:
            thread.join()


def encode_units(
    mix: Mix,
    spec: EncodeSpec,
    work: Path,
    *,
    cache: UnitCache | None = None,
    jobs: int = 1,
) -> tuple[tuple[EncodedUnit, ...], int]:
    """Every unit of ``mix`` as an MP3, from the cache or encoded (in parallel).

    Returns the units in order and how many were encoded now.
    """
    spans = unit_spans(mix)
    encoder = UnitEncoder(spec, work, cache=cache, jobs=min(jobs, len(spans)))
    try:
        for index, (start, frames) in enumerate(spans):
            encoder.submit(UnitSpan(index, mix.wav, mix.sample_rate, start, frames))
        return encoder.results(len(spans))
    finally:
        encoder.close()
