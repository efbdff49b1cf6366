"""Publishing: :class:`Mix` → the final MP3 :class:`Episode`.

In: the stitched WAV, its chapter offsets and an optional cover image. Out: the MP3
at the requested path (44.1 kHz mono, constant bitrate, 96 kbps by default) with
ID3v2.4 tags (title, artist, album, date, genre, track, description, length, cover
art) and CHAP/CTOC chapter frames.

Each chapter is a unit (:mod:`digest.encode.units`): levelled to the loudness target and
encoded on its own, in parallel and cached, then the units' MP3 frames are joined
(:mod:`digest.encode.mp3`). Chapter and cue times are moved to where each unit's audio
lands in the joined stream. The episode's loudness is integrated over all the
units' gating blocks. The MP3 is written to a temporary file beside the target,
tagged, flushed, then renamed over it, so a failed build never leaves a broken
episode or destroys the previous one. Also home to the other ffmpeg jobs: reading
a music file, and encoding a voice preview.
"""

import bisect
import logging
import shutil
import struct
import subprocess
import tempfile
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLEN,
    TPE1,
    TRCK,
    CTOCFlags,
    PictureType,
)

from digest.config import Settings
from digest.encode.level import integrated
from digest.encode.mp3 import StreamInfo, join, joined_samples, unit_starts
from digest.encode.units import (
    DISK_FULL,
    EncodedUnit,
    EncodeSpec,
    UnitCache,
    cuts_of,
    encode_units,
    start_ffmpeg,
)
from digest.errors import EncodeError, InputError, OutputError
from digest.models import Chapter, Cue, Episode, Mix, Summary
from digest.store.files import place, temp_beside

log = logging.getLogger("digest")

# The limiter's ceiling sits below the -1 dBTP target because MP3 encoding adds
# overshoot that a sample-peak limiter cannot see (STACK_NOTES §6).
LIMIT_DB = -2.0
# MP3 encoding measured 0.3-0.7 LU quieter than its input on espeak speech: units
# are levelled this much above the target, and the reading is reported less it.
MP3_LOSS_LU = 0.5


def encode_spec(ffmpeg: Path, settings: Settings, encoder: str) -> EncodeSpec:
    """How units are levelled and encoded for ``settings``."""
    return EncodeSpec(
        ffmpeg=ffmpeg,
        encoder=encoder,
        sample_rate=settings.sample_rate,
        bitrate_kbps=settings.bitrate_kbps,
        goal_lufs=settings.loudness_lufs + MP3_LOSS_LU,
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
    with tempfile.TemporaryDirectory(prefix="digest-units-") as tmp:
        if ready is None:
            units, made = encode_units(mix, spec, Path(tmp), cache=cache, jobs=jobs)
        else:
            units, made = tuple(ready[0]), ready[1]
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
    )


def describe(summaries: tuple[Summary, ...]) -> str:
    """The episode description: each review's title, critic and outlet."""
    if not summaries:
        return "No reviews"
    items = []
    for summary in summaries:
        review = summary.review
        credit = ", ".join(x for x in (review.critic, review.outlet) if x)
        items.append(f"{review.title} ({credit})" if credit else review.title)
    noun = "review" if len(summaries) == 1 else "reviews"
    return f"{len(summaries)} {noun}: {'; '.join(items)}"


# --- cover art -------------------------------------------------------------------

# Apple Podcasts asks for square art between 1400 and 3000 pixels a side.
COVER_MIN_PX = 1400
COVER_MAX_PX = 3000
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, …) carry the image size.
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE}


@dataclass(frozen=True, slots=True)
class CoverArt:
    """A validated cover image, ready to embed as an APIC frame."""

    data: bytes
    mime: str
    width: int
    height: int
    source: str


def _jpeg_markers(data: bytes) -> Iterator[tuple[int, int]]:
    """(marker, offset of its payload) for each JPEG segment before the scan."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        yield marker, pos + 4
        if marker == 0xDA or length < 2:  # start of scan: no more headers
            return
        pos += 2 + length


def _image_size(data: bytes) -> tuple[str, int, int] | None:
    """(mime, width, height) of a PNG or JPEG, or None if it is neither."""
    if data.startswith(_PNG_MAGIC) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data.startswith(b"\xff\xd8\xff"):
        for marker, at in _jpeg_markers(data):
            if marker in _JPEG_SOF and at + 5 <= len(data):
                height, width = struct.unpack(">HH", data[at + 1 : at + 5])
                return "image/jpeg", width, height
    return None


def cover_from_bytes(data: bytes, source: str) -> CoverArt:
    """Check image bytes are a PNG or JPEG with a size; warn if Apple would object."""
    found = _image_size(data)
    if found is None or found[1] == 0 or found[2] == 0:
        raise InputError(f"{source}: cover art must be a PNG or JPEG image")
    mime, width, height = found
    if width != height or not COVER_MIN_PX <= width <= COVER_MAX_PX:
        log.warning(
            "%s: cover art is %dx%d; podcast directories want a square "
            "%d-%d pixels a side",
            source, width, height, COVER_MIN_PX, COVER_MAX_PX,
        )  # fmt: skip
    return CoverArt(data, mime, width, height, source)


def read_cover(path: Path) -> CoverArt:
    """Read and validate ``--cover FILE``; problems are InputErrors naming it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: cover art not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: cover art is a folder, not an image") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read cover art ({exc.strerror})") from exc
    return cover_from_bytes(data, str(path))


# --- tags --------------------------------------------------------------------------


# A CTOC frame counts its entries in one byte.
CTOC_MAX_ENTRIES = 255


def add_chapters(tags: ID3, chapters: Sequence[Chapter]) -> None:
    """One CHAP frame per chapter (with its title) and an ordered top-level CTOC.

    Past 255 chapters the top-level CTOC lists ordered sub-tables of up to 255
    chapters each ("Chapters 1-255", …), as the ID3 chapter spec allows.
    """
    ids = [f"chp{i}" for i in range(len(chapters))]
    for element_id, chapter in zip(ids, chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                sub_frames=[TIT2(encoding=3, text=chapter.title)],
            )
        )
    if not ids:
        return
    top = ids
    if len(ids) > CTOC_MAX_ENTRIES:
        top = []
        for first in range(0, len(ids), CTOC_MAX_ENTRIES):
            group = ids[first : first + CTOC_MAX_ENTRIES]
            element_id = f"toc{len(top) + 1}"
            tags.add(
                CTOC(
                    element_id=element_id,
                    flags=CTOCFlags.ORDERED,
                    child_element_ids=group,
                    sub_frames=[
                        TIT2(
                            encoding=3,
                            text=f"Chapters {first + 1}-{first + len(group)}",
                        )
                    ],
                )
            )
            top.append(element_id)
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=top,
            sub_frames=[TIT2(encoding=3, text="Chapters")],
        )
    )


def write_tags(
    path: Path,
    mix: Mix | Placement,
    settings: Settings,
    summaries: tuple[Summary, ...],
    cover: CoverArt | None = None,
) -> None:
    """ID3v2.4 text tags, cover art, one CHAP frame per segment and a CTOC."""
    tags = ID3()
    tags.add(TIT2(encoding=3, text=settings.episode_title))
    tags.add(TPE1(encoding=3, text=settings.artist))
    tags.add(TALB(encoding=3, text=settings.show))
    tags.add(TDRC(encoding=3, text=settings.episode_date.isoformat()))
    tags.add(TCON(encoding=3, text="Podcast"))
    tags.add(TLEN(encoding=3, text=str(round(mix.seconds * 1000))))
    if settings.track is not None:
        tags.add(TRCK(encoding=3, text=str(settings.track)))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=describe(summaries)))
    if cover is not None:
        tags.add(
            APIC(
                encoding=3,
                mime=cover.mime,
                type=PictureType.COVER_FRONT,
                desc="Cover",
                data=cover.data,
            )
        )
    add_chapters(tags, mix.chapters)
    tags.save(str(path), v2_version=4, v1=0)


def publish(
    mix: Mix,
    ffmpeg: Path,
    settings: Settings,
    summaries: tuple[Summary, ...],
    cover: CoverArt | None = None,
    *,
    encoder: str = "",
    cache: UnitCache | None = None,
    jobs: int = 1,
    ready: tuple[Sequence[EncodedUnit], int] | None = None,
) -> Episode:
    """Encode, tag and atomically place the episode at ``settings.output``.

    ``encoder`` names the ffmpeg build (it is part of the unit cache's keys);
    ``jobs`` ffmpeg processes encode units at once; ``ready`` are the units
    when they were made already (see :func:`encode_mix`).
    """
    target = settings.output
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name ending in .mp3")
    with temp_beside(target, ".mp3") as tmp:
        try:
            encoded = encode_mix(
                mix,
                tmp,
                encode_spec(ffmpeg, settings, encoder),
                cache=cache,
                jobs=jobs,
                target=target,
                ready=ready,
            )
        except EncodeError as exc:
            # ffmpeg reports a full disk like any other failure.
            full = next((r for r in DISK_FULL if r in str(exc)), None)
            if full is None:
                raise
            where = tempfile.gettempdir()
            raise OutputError(
                f"{where}: cannot write temporary audio ({full})"
            ) from exc
        placement = encoded.placement
        try:
            write_tags(tmp, placement, settings, summaries, cover)
        except (OSError, MutagenError) as exc:
            # mutagen wraps the OSError of a failed save (a full disk) in its own.
            cause = exc if isinstance(exc, OSError) else exc.__cause__
            reason = getattr(cause, "strerror", None) or exc
            raise OutputError(f"{target}: cannot write ({reason})") from exc
        place(tmp, target)
    log.info(
        "units: %d encoded, %d from the cache",
        encoded.encoded_units, len(placement.chapters) - encoded.encoded_units,
    )  # fmt: skip
    return Episode(
        path=target,
        title=settings.episode_title,
        show=settings.show,
        episode_date=settings.episode_date,
        seconds=placement.seconds,
        sample_rate=settings.sample_rate,
        bitrate_kbps=settings.bitrate_kbps,
        chapters=placement.chapters,
        reviews=len(summaries),
        loudness_lufs=encoded.loudness_lufs,
        true_peak_dbtp=encoded.true_peak_dbtp,
        cues=placement.cues,
    )


def export_audio(
    wav: Path, out: Path, settings: Settings, ffmpeg: Path | None = None
) -> Path:
    """Write ``wav`` to ``out`` as WAV (copied) or MP3 (levelled like an episode)."""
    if out.is_dir():
        raise OutputError(f"{out}: is a folder; give a file name")
    suffix = out.suffix.lower()
    if suffix not in (".wav", ".mp3"):
        raise OutputError(f"{out}: give a file name ending in .wav or .mp3")
    with temp_beside(out, suffix) as tmp:
        if suffix == ".mp3":
            if ffmpeg is None:
                raise EncodeError("an MP3 needs ffmpeg, and none was given")
            encode_mix(_whole(wav), tmp, encode_spec(ffmpeg, settings, ""), target=out)
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
        with wave.open(str(wav), "rb") as src:
            rate, frames = src.getframerate(), src.getnframes()
    except (OSError, EOFError, wave.Error) as exc:
        raise EncodeError(f"{wav.name}: cannot read the audio ({exc})") from exc
    chapter = Chapter("", 0, round(frames * 1000 / rate))
    return Mix(wav, rate, frames, (chapter,), (), (0,))


# --- music -----------------------------------------------------------------------


def _music_error(music: Path, proc: subprocess.CompletedProcess[str]) -> InputError:
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    detail = lines[-1] if lines else f"ffmpeg exit status {proc.returncode}"
    return InputError(f"{music}: cannot read the music file ({detail})")


def _run_on_music(music: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    if not music.is_file():
        what = "is a folder" if music.is_dir() else "not found"
        raise InputError(f"{music}: music file {what}")
    proc = start_ffmpeg(args)
    if proc.returncode != 0:
        raise _music_error(music, proc)
    return proc


def check_music(ffmpeg: Path, music: Path) -> None:
    """Fail early, with an InputError, unless ffmpeg can decode audio from ``music``."""
    _run_on_music(
        music,
        [str(ffmpeg), "-hide_banner", "-nostdin", "-v", "error", "-i", str(music),
         "-map", "0:a:0", "-t", "1", "-f", "null", "-"],
    )  # fmt: skip


def decode_music(
    ffmpeg: Path, music: Path, out: Path, sample_rate: int, seconds: float
) -> Path:
    """Decode ``seconds`` of ``music`` (looped if shorter) to a mono 16-bit WAV."""
    _run_on_music(
        music,
        [str(ffmpeg), "-hide_banner", "-nostdin", "-v", "error", "-y",
         "-stream_loop", "-1", "-i", str(music), "-map", "0:a:0",
         "-t", f"{seconds:.3f}", "-ac", "1", "-ar", str(sample_rate),
         "-c:a", "pcm_s16le", "-f", "wav", str(out)],
    )  # fmt: skip
    return out
