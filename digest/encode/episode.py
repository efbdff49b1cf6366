"""Encoding the episode: the units' MP3s joined into one stream, and its timeline.

In: the stitched :class:`~digest.models.Mix` and its units (:mod:`.units`,
levelled and encoded while the mix was written, or now). Out: the joined MP3
in a file the caller chose (a temporary one beside the episode) and
:class:`Encoded`: where each chapter and cue landed, the loudness, the peak and
the share of active frames near the peak.
Also a lone WAV encoded the same way (``digest say -o x.mp3``).
"""

import bisect
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest.encode.dynamics import near_peak_share
from digest.encode.level import LIMIT_DB, integrated
from digest.encode.mp3 import StreamInfo, join, joined_samples, unit_starts
from digest.encode.units import (
    EncodedUnit,
    EncodeSpec,
    UnitCache,
    cuts_of,
    encode_units,
)
from digest.errors import EncodeError, OutputError
from digest.media.ffmpeg import disk_full
from digest.media.wav import WavError, read_info
from digest.models import Chapter, Cue, Mix
from digest.store.files import place, temp_beside, work_folder

# MP3 encoding measured 0.3-0.7 LU quieter than its input on espeak speech: units
# are levelled this much above the target, and the reading is reported less it.
MP3_LOSS_LU = 0.5


def encode_spec(
    ffmpeg: Path, encoder: str, sample_rate: int, bitrate_kbps: int, loudness: float
) -> EncodeSpec:
    """How units are levelled and encoded for a ``loudness`` (LUFS) target."""
    return EncodeSpec(
        ffmpeg=ffmpeg,
        encoder=encoder,
        sample_rate=sample_rate,
        bitrate_kbps=bitrate_kbps,
        goal_lufs=loudness + MP3_LOSS_LU,
        limit_db=LIMIT_DB,
    )


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the mix's chapters and cues land in the joined MP3 (ms), its length."""

    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    seconds: float


def place_timeline(mix: Mix, parts: Sequence[StreamInfo], out_rate: int) -> Placement:
    """Map the mix's times onto the joined episode.

    Each unit's audio starts where :func:`digest.encode.mp3.unit_starts` says; inside a
    unit, time runs as in the mix. The seams add a little silence (encoder
    lead-in and padding), so later chapters move by a few tens of ms each.
    """
    cuts = cuts_of(mix)
    starts = [s / out_rate for s in unit_starts(parts)]
    total = joined_samples(parts) / out_rate
    rate = mix.sample_rate

    def unit_of(ms: int) -> int:
        # Cue times are rounded to the ms: one that starts at a cut may read as
        # up to half a ms before it, and still belongs to the unit after it.
        return max(0, bisect.bisect_right(cuts, (ms + 1) * rate / 1000) - 1)

    begins = [round(1000 * s) for s in starts]
    cut_ms = [round(c * 1000 / rate) for c in cuts]

    def moved(ms: int, unit: int) -> int:
        # Whole ms throughout, so a cue at a cut lands exactly on its chapter.
        # The encoder's resampler may end a unit a sample early: stay inside.
        return min(begins[unit] + ms - cut_ms[unit], round(1000 * total))

    bounds = [*begins[1:], round(1000 * total)]
    chapters = tuple(
        Chapter(c.title, 0 if i == 0 else bounds[i - 1], bounds[i])
        for i, c in enumerate(mix.chapters)
    )
    cues = []
    for cue in mix.cues:
        unit = unit_of(cue.start_ms)
        cues.append(
            replace(
                cue, start_ms=moved(cue.start_ms, unit), end_ms=moved(cue.end_ms, unit)
            )
        )
    return Placement(chapters, tuple(cues), total)


@dataclass(frozen=True, slots=True)
class Encoded:
    """The joined MP3 (a temporary file) and what it measures."""

    placement: Placement
    loudness_lufs: float
    true_peak_dbtp: float
    encoded_units: int
    near_peak: float = 0.0  # share of active 10 ms frames within 1 dB of the peak


def encode_mix(
    mix: Mix,
    out: Path,
    spec: EncodeSpec,
    *,
    cache: UnitCache | None = None,
    jobs: int = 1,
    target: Path | None = None,
    ready: tuple[Sequence[EncodedUnit], int] | None = None,
) -> Encoded:
    """Level and encode each unit of ``mix`` (or take it from ``cache``); join them.

    ``ready`` gives the units already made (by a :class:`UnitEncoder` that ran
    while the mix was written) and how many of them were encoded, not cached.
    """
    with work_folder("digest-units-") as tmp:
        try:
            if ready is None:
                units, made = encode_units(mix, spec, tmp, cache=cache, jobs=jobs)
            else:
                units, made = tuple(ready[0]), ready[1]
        except EncodeError as exc:
            # ffmpeg reports a full disk like any other failure.
            full = disk_full(exc)
            if full is None:
                raise
            temp = tempfile.gettempdir()
            raise OutputError(f"{temp}: cannot write temporary audio ({full})") from exc
        try:
            parts = join([u.path for u in units], out)
        except OSError as exc:
            where = target or out  # the file the user asked for, not its temp
            raise OutputError(f"{where}: cannot write ({exc.strerror or exc})") from exc
    blocks = [b for u in units for b in u.blocks]
    return Encoded(
        placement=place_timeline(mix, parts, spec.sample_rate),
        loudness_lufs=integrated(blocks) - MP3_LOSS_LU,
        true_peak_dbtp=max(u.true_peak_db for u in units),
        encoded_units=made,
        near_peak=near_peak_share(u.histogram for u in units),
    )


def export_audio(wav: Path, out: Path, spec: EncodeSpec | None) -> Path:
    """Write ``wav`` to ``out`` as WAV (copied) or MP3 (levelled like an episode).

    ``spec`` says how to encode an MP3 (None: no ffmpeg was found).
    """
    if out.is_dir():
        raise OutputError(f"{out}: is a folder; give a file name")
    suffix = out.suffix.lower()
    if suffix not in (".wav", ".mp3"):
        raise OutputError(f"{out}: give a file name ending in .wav or .mp3")
    with temp_beside(out, suffix) as tmp:
        if suffix == ".mp3":
            if spec is None:
                raise EncodeError("an MP3 needs ffmpeg, and none was given")
            encode_mix(_whole(wav), tmp, spec, target=out)
        else:
            try:
                shutil.copyfile(wav, tmp)
            except OSError as exc:
                raise OutputError(f"{out}: cannot write ({exc.strerror})") from exc
        place(tmp, out)
    return out


def _whole(wav: Path) -> Mix:
    """A WAV file as a mix of one chapter."""
    try:
        info = read_info(wav)
    except WavError as exc:
        raise EncodeError(f"{wav.name}: cannot read the audio ({exc})") from exc
    rate, frames = info.sample_rate, info.frames
    chapter = Chapter("", 0, round(frames * 1000 / rate))
    return Mix(wav, rate, frames, (chapter,), (), (0,))
