"""The episodes a folder publishes, read back from their files for the feed.

In: a folder of episode MP3s. Out: one :class:`FeedEpisode` per MP3 (its ID3 tags,
CHAP frames, duration and size, with the sidecars and cover beside it), newest
first. Everything comes from the files, never from the clock. Writes nothing.
"""

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import defusedxml.ElementTree as SafeET
from mutagen import MutagenError
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from digest.errors import InputError
from digest.models import Chapter
from digest.publish.page import NOTES_ID
from digest.publish.paths import Sidecars
from digest.publish.text import clean_text

log = logging.getLogger("digest")

# An episode's own cover beside its MP3 (``NAME.cover.png``).
COVER_SUFFIXES = (".cover.png", ".cover.jpg", ".cover.jpeg")


@dataclass(frozen=True, slots=True)
class FeedEpisode:
    """One episode as read back from its MP3 and sidecars."""

    path: Path
    size: int
    seconds: float
    title: str
    show: str | None
    author: str | None
    episode_date: date
    chapters: tuple[Chapter, ...]
    notes_html: str | None
    comment: str | None
    vtt: Path | None
    srt: Path | None
    chapters_json: Path | None
    page: Path | None
    cover: Path | None
    track: int | None = None  # the episode number (TRCK)
    season: int | None = None  # the season (TPOS)

    @property
    def day_order(self) -> tuple[int, str]:
        """Where the episode stands among those of its date: by number, then name."""
        return (self.track or 0, self.path.name)


def _text_frame(tags: ID3, key: str) -> str | None:
    frame = tags.get(key)
    if frame is None or not frame.text:
        return None
    return clean_text(str(frame.text[0])) or None


def _tag_date(tags: ID3, path: Path) -> date:
    frame = tags.get("TDRC")
    if frame is not None and frame.text:
        stamp = frame.text[0]  # mutagen's ID3TimeStamp has parsed the fields
        try:
            return date(stamp.year, stamp.month or 1, stamp.day or 1)
        except (TypeError, ValueError):
            pass
    # No usable date tag: the file's own modification day, so the feed still
    # depends on the folder alone.
    log.warning("%s: no TDRC date tag, using the file's modification date", path)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()


def _chapters(tags: ID3) -> tuple[Chapter, ...]:
    chapters = []
    for frame in tags.getall("CHAP"):
        title_frame = frame.sub_frames.get("TIT2")
        title = clean_text(str(title_frame.text[0])) if title_frame else ""
        chapters.append(
            Chapter(title or frame.element_id, frame.start_time, frame.end_time)
        )
    return tuple(sorted(chapters, key=lambda c: (c.start_ms, c.end_ms, c.title)))


def _number(tags: ID3, key: str) -> int | None:
    """A TRCK or TPOS number ("3" or "3/10"); None when absent or not a number."""
    text = _text_frame(tags, key)
    number = (text or "").partition("/")[0].strip()
    return int(number) if number.isdigit() and 0 < int(number) < 10_000 else None


def _comment(tags: ID3) -> str | None:
    for frame in tags.getall("COMM"):
        if frame.text:
            return clean_text(str(frame.text[0])) or None
    return None


def read_notes(page: Path) -> ET.Element | None:
    """The ``#show-notes`` element of an episode page, or None if unreadable."""
    try:
        root = SafeET.parse(page).getroot()
    except (OSError, ET.ParseError, ValueError) as exc:
        log.warning("%s: show notes not readable (%s)", page, exc)
        return None
    found = None if root is None else root.find(f".//*[@id='{NOTES_ID}']")
    if found is not None:
        found.tail = None
    return found


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def read_episode(mp3: Path) -> FeedEpisode:
    """Read one episode's tags, chapters, duration and sidecars."""
    try:
        audio = MP3(mp3)
        size = mp3.stat().st_size
    except (MutagenError, OSError) as exc:
        raise InputError(f"{mp3}: not a readable MP3 ({exc})") from exc
    if audio.info is None:
        raise InputError(f"{mp3}: not a readable MP3 (no audio stream)")
    tags = audio.tags if isinstance(audio.tags, ID3) else ID3()
    files = Sidecars.for_mp3(mp3)
    notes = read_notes(files.html) if files.html.is_file() else None
    cover = next(
        (p for s in COVER_SUFFIXES if (p := mp3.with_suffix(s)).is_file()), None
    )
    return FeedEpisode(
        path=mp3,
        size=size,
        seconds=float(audio.info.length),
        title=_text_frame(tags, "TIT2") or mp3.stem,
        show=_text_frame(tags, "TALB"),
        author=_text_frame(tags, "TPE1"),
        episode_date=_tag_date(tags, mp3),
        chapters=_chapters(tags),
        notes_html=None if notes is None else ET.tostring(notes, encoding="unicode"),
        comment=_comment(tags),
        vtt=_existing(files.vtt),
        srt=_existing(files.srt),
        chapters_json=_existing(files.chapters),
        page=_existing(files.html),
        cover=cover,
        track=_number(tags, "TRCK"),
        season=_number(tags, "TPOS"),
    )


def read_episodes(folder: Path) -> tuple[FeedEpisode, ...]:
    """Every episode MP3 in ``folder`` (not hidden, not recursive), newest first.

    Episodes of the same date follow their numbers (then file names): the
    highest number is the newest.
    """
    try:
        mp3s = [
            p
            for p in folder.iterdir()
            if p.suffix.lower() == ".mp3" and not p.name.startswith(".") and p.is_file()
        ]
    except OSError as exc:
        raise InputError(f"{folder}: cannot read folder ({exc})") from exc
    episodes = [read_episode(p) for p in mp3s]
    episodes.sort(key=lambda e: (e.episode_date, e.day_order), reverse=True)
    return tuple(episodes)
