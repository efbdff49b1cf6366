"""Publishing: :class:`Mix` → the final MP3 :class:`Episode`.

In: the stitched WAV and its chapter offsets. Out: the MP3 at the requested path
(44.1 kHz mono, constant bitrate, 96 kbps by default) with ID3v2.4 tags (title,
artist, album, date, genre, description) and CHAP/CTOC chapter frames. The MP3 is
encoded to a temporary file beside the target, tagged, flushed, then renamed over
it, so a failed build never leaves a broken episode or destroys the previous one.
"""

import contextlib
import os
import subprocess
import tempfile
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


def encode_command(ffmpeg: Path, wav: Path, out: Path, settings: Settings) -> list[str]:
    """The ffmpeg call that turns the mix into the episode MP3."""
    return [
        str(ffmpeg), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-i", str(wav),
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


def publish(
    mix: Mix, ffmpeg: Path, settings: Settings, summaries: tuple[Summary, ...]
) -> Episode:
    """Encode, tag and atomically place the episode at ``settings.output``."""
    target = settings.output
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name ending in .mp3")
    tmp = _temp_beside(target)
    try:
        try:
            proc = subprocess.run(
                encode_command(ffmpeg, mix.wav, tmp, settings),
                capture_output=True,
                text=True,
                timeout=ENCODE_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise EncodeError(f"could not run ffmpeg ({exc})") from exc
        if proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise EncodeError(f"ffmpeg failed to encode the episode: {detail}")
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
    )
