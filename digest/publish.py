"""Publishing: :class:`Mix` → the final MP3 :class:`Episode`.

In: the stitched WAV, its chapter offsets and an optional cover image. Out: the MP3
at the requested path (44.1 kHz mono, constant bitrate, 96 kbps by default) with
ID3v2.4 tags (title, artist, album, date, genre, track, description, length, cover
art) and CHAP/CTOC chapter frames. The MP3 is encoded to a temporary file beside
the target, tagged, flushed, then renamed over it, so a failed build never leaves
a broken episode or destroys the previous one. Also home to the other ffmpeg
jobs: reading a music file, and encoding a voice preview.
"""

import contextlib
import errno
import logging
import os
import re
import shutil
import struct
import subprocess
import tempfile
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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

from .config import Settings
from .errors import EncodeError, InputError, OutputError
from .models import Chapter, Episode, Mix, Summary

log = logging.getLogger("digest")

ENCODE_TIMEOUT_S = 3600
# The limiter's ceiling sits below the -1 dBTP target because MP3 encoding adds
# overshoot that a sample-peak limiter cannot see (STACK_NOTES §6).
LIMIT_DB = -2.0
GAIN_PASSES = 4
LOUDNESS_TOLERANCE_LU = 0.15
# MP3 encoding measured 0.3-0.7 LU quieter than its input on espeak speech.
MP3_LOSS_LU = 0.5
_SUMMARY_I = re.compile(r"\bI:\s+(-?[0-9.]+|-inf) LUFS")
_SUMMARY_PEAK = re.compile(r"\bPeak:\s+(-?[0-9.]+|-inf) dBFS")
# What ffmpeg (through strerror) says when the output's disk or file size runs out.
_DISK_FULL = tuple(os.strerror(e) for e in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT))


@dataclass(frozen=True, slots=True)
class Loudness:
    """EBU R128 integrated loudness (LUFS) and true peak (dBTP)."""

    integrated: float
    true_peak: float


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ffmpeg, capturing its output; failing to start it is an EncodeError."""
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=ENCODE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EncodeError(f"could not run ffmpeg ({exc})") from exc


def _ffmpeg(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    proc = _run(args)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["no message"]
        # The last line is often just "Conversion failed!"; a full disk says more.
        detail = next((x for x in lines if any(r in x for r in _DISK_FULL)), lines[-1])
        raise EncodeError(f"ffmpeg failed to {what}: {detail}")
    return proc


def level_filter(gain_db: float, sample_rate: int) -> str:
    """Resample, apply gain, then limit peaks: the chain the episode is encoded with."""
    ceiling = 10 ** (LIMIT_DB / 20)
    return (
        f"aresample={sample_rate},volume={gain_db:.2f}dB,"
        f"alimiter=limit={ceiling:.4f}:level=false:attack=5:release=50"
    )


def measure_loudness(
    ffmpeg: Path, path: Path, pre_filter: str | None = None, *, true_peak: bool = True
) -> Loudness:
    """Meter ``path`` (after ``pre_filter``) with ffmpeg's EBU R128 meter.

    Without ``true_peak`` the peak is the sample peak, and the pass is 3-4 times
    faster (no oversampling).
    """
    meter = f"ebur128=peak={'true' if true_peak else 'sample'}:framelog=quiet"
    chain = f"{pre_filter},{meter}" if pre_filter else meter
    proc = _ffmpeg(
        [str(ffmpeg), "-hide_banner", "-nostdin", "-nostats", "-i", str(path),
         "-af", chain, "-f", "null", "-"],
        "measure loudness",
    )  # fmt: skip
    # The meter ends with a summary block: "I: -16.0 LUFS" ... "Peak: -1.5 dBFS".
    return _reading(proc.stderr)


@dataclass(frozen=True, slots=True)
class GainPlan:
    """The chosen gain and how strongly loudness follows gain near it (LU per dB)."""

    gain_db: float
    slope: float
    # True peak (dBTP) of the planned signal at the last measured gain, or None.
    true_peak: float | None = None


def plan_gain(ffmpeg: Path, wav: Path, target: float, sample_rate: int) -> GainPlan:
    """Find the gain (dB) that brings the limited mix to ``target`` LUFS.

    The limiter takes back part of any gain, so loudness grows slower than gain;
    a secant search over measured passes (fast filter runs, no encoding) finds it.
    """
    measured = measure_loudness(ffmpeg, wav, true_peak=False)
    if measured.integrated < -70:
        return GainPlan(0.0, 1.0)  # silence: nothing to normalise
    gain, slope = target - measured.integrated, 1.0
    previous: tuple[float, float] | None = None
    peak: float | None = None
    for _ in range(GAIN_PASSES):
        chain = level_filter(gain, sample_rate)
        reading = measure_loudness(ffmpeg, wav, chain)
        level, peak = reading.integrated, reading.true_peak
        if previous is not None and abs(gain - previous[0]) > 1e-3:
            slope = min(1.0, max(0.2, (level - previous[1]) / (gain - previous[0])))
        error = target - level
        if abs(error) <= LOUDNESS_TOLERANCE_LU:
            break
        previous = (gain, level)
        gain += error / slope
    return GainPlan(gain, slope, peak)


def encode_command(
    ffmpeg: Path, wav: Path, out: Path, settings: Settings, gain_db: float = 0.0
) -> list[str]:
    """The ffmpeg call that turns the mix into the episode MP3.

    The levelled signal is split: one branch goes to the encoder, the other
    through the EBU R128 meter, so the whole episode is measured in the same
    pass that encodes it.
    """
    chain = level_filter(gain_db, settings.sample_rate)
    # Sample peak only: true peak (4x oversampling) would slow the encode by a
    # third; it is measured on the planning passes instead.
    meter = "ebur128=peak=sample:framelog=quiet,anullsink"
    return [
        str(ffmpeg), "-hide_banner", "-nostdin", "-nostats", "-y",
        "-i", str(wav),
        "-filter_complex", f"[0:a]{chain},asplit=2[enc][meter];[meter]{meter}",
        "-map", "[enc]",
        "-ac", "1", "-ar", str(settings.sample_rate),
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k",
        # No encoder-written tags (mutagen writes them) and no build-specific bytes.
        "-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "1",
        "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-f", "mp3", str(out),
    ]  # fmt: skip


def _reading(stderr: str) -> Loudness:
    """The meter's closing summary: integrated loudness and true peak."""
    summary = stderr[stderr.rfind("Summary:") :]
    integrated = _SUMMARY_I.search(summary)
    peak = _SUMMARY_PEAK.search(summary)
    if integrated is None or peak is None:
        raise EncodeError("ffmpeg's loudness meter gave no reading")
    return Loudness(float(integrated.group(1)), float(peak.group(1)))


# The gain is planned on an excerpt when the mix is longer than this: loudness is
# an average over 400 ms blocks, and evenly spread slices of speech give the same
# average within a few hundredths of a LU at a fraction of the cost.
EXCERPT_OVER_S = 300.0
EXCERPT_SLICES = 30
EXCERPT_SLICE_S = 8.0


def excerpt(wav: Path, out: Path) -> Path:
    """``wav`` itself if short, else evenly spaced slices of it joined in ``out``."""
    try:
        with wave.open(str(wav), "rb") as src:
            rate, frames = src.getframerate(), src.getnframes()
            if frames <= EXCERPT_OVER_S * rate:
                return wav
            size = int(EXCERPT_SLICE_S * rate)
            step = (frames - size) // (EXCERPT_SLICES - 1)
            with wave.open(str(out), "wb") as dst:
                dst.setparams(src.getparams())
                for i in range(EXCERPT_SLICES):
                    src.setpos(i * step)
                    dst.writeframes(src.readframes(size))
    except (OSError, EOFError, wave.Error) as exc:
        raise EncodeError(f"{wav.name}: cannot read the mix ({exc})") from exc
    return out


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
    mix: Mix,
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


def _temp_beside(target: Path, suffix: str) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".part{suffix}", dir=target.parent
        )
    except OSError as exc:
        raise OutputError(
            f"{target.parent}: cannot write here ({exc.strerror or exc})"
        ) from exc
    os.close(fd)
    return Path(name)


def _encode_leveled(wav: Path, ffmpeg: Path, out: Path, settings: Settings) -> Loudness:
    """Plan the gain (on an excerpt of a long mix), then encode and meter at once.

    The reading is of the encoder's input, the whole episode; MP3 encoding then
    takes about ``MP3_LOSS_LU`` off, which the plan allows for. If the full
    reading misses the plan by more than the tolerance, encode once more.
    """
    goal = settings.loudness_lufs + MP3_LOSS_LU
    sample = excerpt(wav, wav.with_name(f"{wav.stem}.excerpt.wav"))
    try:
        plan = plan_gain(ffmpeg, sample, goal, settings.sample_rate)
    finally:
        if sample != wav:
            sample.unlink(missing_ok=True)
    gain = plan.gain_db
    for attempt in range(2):
        args = encode_command(ffmpeg, wav, out, settings, gain)
        loudness = _reading(_ffmpeg(args, "encode the episode").stderr)
        if attempt or abs(loudness.integrated - goal) <= 2 * LOUDNESS_TOLERANCE_LU:
            break
        gain += (goal - loudness.integrated) / plan.slope
    # The peak shown: the whole episode's sample peak, or the planning passes'
    # true peak (the whole mix, or its excerpt) if higher.
    peaks = [loudness.true_peak]
    if plan.true_peak is not None:
        peaks.append(plan.true_peak)
    return Loudness(loudness.integrated - MP3_LOSS_LU, max(peaks))


def _place(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` and rename it over ``target`` (atomic on one filesystem)."""
    try:
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from exc


def publish(
    mix: Mix,
    ffmpeg: Path,
    settings: Settings,
    summaries: tuple[Summary, ...],
    cover: CoverArt | None = None,
) -> Episode:
    """Encode, tag and atomically place the episode at ``settings.output``."""
    target = settings.output
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name ending in .mp3")
    tmp = _temp_beside(target, ".mp3")
    try:
        try:
            loudness = _encode_leveled(mix.wav, ffmpeg, tmp, settings)
        except EncodeError as exc:
            # ffmpeg reports a full disk like any other failure; it is the output's.
            full = next((r for r in _DISK_FULL if r in str(exc)), None)
            if full is None:
                raise
            raise OutputError(f"{target}: cannot write ({full})") from exc
        try:
            write_tags(tmp, mix, settings, summaries, cover)
        except (OSError, MutagenError) as exc:
            # mutagen wraps the OSError of a failed save (a full disk) in its own.
            cause = exc if isinstance(exc, OSError) else exc.__cause__
            reason = getattr(cause, "strerror", None) or exc
            raise OutputError(f"{target}: cannot write ({reason})") from exc
        _place(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return Episode(
        path=target,
        title=settings.episode_title,
        show=settings.show,
        episode_date=settings.episode_date,
        seconds=mix.seconds,
        sample_rate=settings.sample_rate,
        bitrate_kbps=settings.bitrate_kbps,
        chapters=mix.chapters,
        reviews=len(summaries),
        loudness_lufs=loudness.integrated,
        true_peak_dbtp=loudness.true_peak,
        cues=mix.cues,
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
    tmp = _temp_beside(out, suffix)
    try:
        if suffix == ".mp3":
            if ffmpeg is None:
                raise EncodeError("an MP3 needs ffmpeg, and none was given")
            _encode_leveled(wav, ffmpeg, tmp, settings)
        else:
            try:
                shutil.copyfile(wav, tmp)
            except OSError as exc:
                raise OutputError(f"{out}: cannot write ({exc.strerror})") from exc
        _place(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return out


# --- music -----------------------------------------------------------------------


def _music_error(music: Path, proc: subprocess.CompletedProcess[str]) -> InputError:
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    detail = lines[-1] if lines else f"ffmpeg exit status {proc.returncode}"
    return InputError(f"{music}: cannot read the music file ({detail})")


def _run_on_music(music: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    if not music.is_file():
        what = "is a folder" if music.is_dir() else "not found"
        raise InputError(f"{music}: music file {what}")
    proc = _run(args)
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
