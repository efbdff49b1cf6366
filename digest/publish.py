"""Publishing: :class:`Mix` → the final MP3 :class:`Episode`.

In: the stitched WAV and its chapter offsets. Out: the MP3 at the requested path
(44.1 kHz mono, constant bitrate, 96 kbps by default) with ID3v2.4 tags (title,
artist, album, date, genre, description) and CHAP/CTOC chapter frames. The MP3 is
encoded to a temporary file beside the target, tagged, flushed, then renamed over
it, so a failed build never leaves a broken episode or destroys the previous one.
"""

import contextlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import (
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    CTOCFlags,
)

from .config import Settings
from .errors import EncodeError, OutputError
from .models import Episode, Mix, Summary

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


@dataclass(frozen=True, slots=True)
class Loudness:
    """EBU R128 integrated loudness (LUFS) and true peak (dBTP)."""

    integrated: float
    true_peak: float


def _ffmpeg(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            args, capture_output=True, text=True, timeout=ENCODE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EncodeError(f"could not run ffmpeg ({exc})") from exc
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
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
    ffmpeg: Path, path: Path, pre_filter: str | None = None
) -> Loudness:
    """Meter ``path`` (after ``pre_filter``) with ffmpeg's EBU R128 meter."""
    meter = "ebur128=peak=true:framelog=quiet"
    chain = f"{pre_filter},{meter}" if pre_filter else meter
    proc = _ffmpeg(
        [str(ffmpeg), "-hide_banner", "-nostdin", "-nostats", "-i", str(path),
         "-af", chain, "-f", "null", "-"],
        "measure loudness",
    )  # fmt: skip
    # The meter ends with a summary block: "I: -16.0 LUFS" ... "Peak: -1.5 dBFS".
    summary = proc.stderr[proc.stderr.rfind("Summary:") :]
    integrated = _SUMMARY_I.search(summary)
    peak = _SUMMARY_PEAK.search(summary)
    if integrated is None or peak is None:
        raise EncodeError("ffmpeg's loudness meter gave no reading")
    return Loudness(float(integrated.group(1)), float(peak.group(1)))


@dataclass(frozen=True, slots=True)
class GainPlan:
    """The chosen gain and how strongly loudness follows gain near it (LU per dB)."""

    gain_db: float
    slope: float


def plan_gain(ffmpeg: Path, wav: Path, target: float, sample_rate: int) -> GainPlan:
    """Find the gain (dB) that brings the limited mix to ``target`` LUFS.

    The limiter takes back part of any gain, so loudness grows slower than gain;
    a secant search over measured passes (fast filter runs, no encoding) finds it.
    """
    measured = measure_loudness(ffmpeg, wav)
    if measured.integrated < -70:
        return GainPlan(0.0, 1.0)  # silence: nothing to normalise
    gain, slope = target - measured.integrated, 1.0
    previous: tuple[float, float] | None = None
    for _ in range(GAIN_PASSES):
        level = measure_loudness(
            ffmpeg, wav, level_filter(gain, sample_rate)
        ).integrated
        if previous is not None and abs(gain - previous[0]) > 1e-3:
            slope = min(1.0, max(0.2, (level - previous[1]) / (gain - previous[0])))
        error = target - level
        if abs(error) <= LOUDNESS_TOLERANCE_LU:
            break
        previous = (gain, level)
        gain += error / slope
    return GainPlan(gain, slope)


def encode_command(
    ffmpeg: Path, wav: Path, out: Path, settings: Settings, gain_db: float = 0.0
) -> list[str]:
    """The ffmpeg call that turns the mix into the episode MP3."""
    return [
        str(ffmpeg), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-i", str(wav),
        "-af", level_filter(gain_db, settings.sample_rate),
        "-ac", "1", "-ar", str(settings.sample_rate),
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k",
        # No encoder-written tags (mutagen writes them) and no build-specific bytes.
        "-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "1",
        "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-f", "mp3", str(out),
    ]  # fmt: skip


def _description(summaries: tuple[Summary, ...]) -> str:
    titles = "; ".join(s.review.title for s in summaries)
    return f"{len(summaries)} reviews: {titles}" if summaries else "No reviews"


def write_tags(
    path: Path, mix: Mix, settings: Settings, summaries: tuple[Summary, ...]
) -> None:
    """ID3v2.4 text tags plus one CHAP frame per segment and a CTOC listing them."""
    tags = ID3()
    tags.add(TIT2(encoding=3, text=settings.episode_title))
    tags.add(TPE1(encoding=3, text=settings.artist))
    tags.add(TALB(encoding=3, text=settings.show))
    tags.add(TDRC(encoding=3, text=settings.episode_date.isoformat()))
    tags.add(TCON(encoding=3, text="Podcast"))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=_description(summaries)))
    ids = [f"chp{i}" for i in range(len(mix.chapters))]
    for element_id, chapter in zip(ids, mix.chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                sub_frames=[TIT2(encoding=3, text=chapter.title)],
            )
        )
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text="Chapters")],
        )
    )
    tags.save(str(path), v2_version=4, v1=0)


def _temp_beside(target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=".part.mp3", dir=target.parent
        )
    except OSError as exc:
        raise OutputError(
            f"{target.parent}: cannot write here ({exc.strerror or exc})"
        ) from exc
    os.close(fd)
    return Path(name)


def _encode_leveled(mix: Mix, ffmpeg: Path, out: Path, settings: Settings) -> Loudness:
    """Encode at the planned gain; if the encoder shifted loudness, correct once."""
    goal = settings.loudness_lufs
    plan = plan_gain(ffmpeg, mix.wav, goal + MP3_LOSS_LU, settings.sample_rate)
    gain = plan.gain_db
    for attempt in range(2):
        args = encode_command(ffmpeg, mix.wav, out, settings, gain)
        _ffmpeg(args, "encode the episode")
        loudness = measure_loudness(ffmpeg, out)
        if attempt or abs(loudness.integrated - goal) <= 2 * LOUDNESS_TOLERANCE_LU:
            break
        gain += (goal - loudness.integrated) / plan.slope
    return loudness


def publish(
    mix: Mix, ffmpeg: Path, settings: Settings, summaries: tuple[Summary, ...]
) -> Episode:
    """Encode, tag and atomically place the episode at ``settings.output``."""
    target = settings.output
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name ending in .mp3")
    tmp = _temp_beside(target)
    try:
        loudness = _encode_leveled(mix, ffmpeg, tmp, settings)
        try:
            write_tags(tmp, mix, settings, summaries)
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError as exc:
            raise OutputError(
                f"{target}: cannot write ({exc.strerror or exc})"
            ) from exc
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
    )
