"""Publishing the episode: ID3 tags, chapters and cover art on the encoded MP3.

In: the joined MP3 (a temporary file the pipeline made, see
:mod:`digest.encode.episode`), where its chapters landed, the summaries and the
cover. Out: the same file tagged as ID3v2.4 (title, artist, album, date, genre,
track, description, length, cover art) with CHAP/CTOC chapter frames, and the
:class:`~digest.models.Episode` record. The pipeline then renames it over the
episode, so a failed build never leaves a broken episode.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

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
    TPOS,
    TRCK,
    CTOCFlags,
    PictureType,
)

from digest.errors import OutputError
from digest.models import Chapter, Summary
from digest.publish.cover import CoverArt

log = logging.getLogger("digest")


@dataclass(frozen=True, slots=True)
class EpisodeInfo:
    """What the tags say about the episode (from the settings)."""

    title: str
    artist: str
    show: str
    episode_date: date
    track: int | None = None
    season: int | None = None


class Timed(Protocol):
    """The encoded episode as the tags describe it: its length and chapters."""

    @property
    def seconds(self) -> float:
        """The episode's length."""
        ...

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        """Where each chapter starts and ends (ms)."""
        ...


def describe(summaries: Sequence[Summary]) -> str:
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
    timeline: Timed,
    info: EpisodeInfo,
    summaries: Sequence[Summary],
    cover: CoverArt | None = None,
) -> None:
    """ID3v2.4 text tags, cover art, one CHAP frame per segment and a CTOC."""
    tags = ID3()
    tags.add(TIT2(encoding=3, text=info.title))
    tags.add(TPE1(encoding=3, text=info.artist))
    tags.add(TALB(encoding=3, text=info.show))
    tags.add(TDRC(encoding=3, text=info.episode_date.isoformat()))
    tags.add(TCON(encoding=3, text="Podcast"))
    tags.add(TLEN(encoding=3, text=str(round(timeline.seconds * 1000))))
    if info.track is not None:
        tags.add(TRCK(encoding=3, text=str(info.track)))
    if info.season is not None:
        # No ID3 frame is meant for seasons; podcast tools read the part of set.
        tags.add(TPOS(encoding=3, text=str(info.season)))
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
    add_chapters(tags, timeline.chapters)
    tags.save(str(path), v2_version=4, v1=0)
    store_chapters_in_order(path)


def _synchsafe(data: bytes) -> int:
    return int.from_bytes(bytes(b & 0x7F for b in data)) if len(data) == 4 else 0


def store_chapters_in_order(path: Path) -> None:
    """Rewrite the tag at the start of ``path`` with its CHAP frames in time order.

    mutagen stores frames shortest first, so a short "Intro" and "Outro" come
    before the reviews, and readers that list CHAP frames as stored (ffprobe)
    show them out of order. The frames only change places: the tag keeps its
    size, so the rewrite happens in place.
    """
    with path.open("r+b") as fh:
        header = fh.read(10)
        if header[:4] != b"ID3\x04" or header[5] & 0xC0:  # unsynchronised, extended
            return
        body = fh.read(_synchsafe(header[6:10]))
        frames, pos = [], 0
        while pos + 10 <= len(body) and body[pos] != 0:  # a zero byte: padding
            end = pos + 10 + _synchsafe(body[pos + 4 : pos + 8])
            frames.append(body[pos:end])
            pos = end
        chapters = sorted(
            (f for f in frames if f[:4] == b"CHAP"),
            # After the element id: start and end times, big-endian ms.
            key=lambda f: f[10:].partition(b"\0")[2][:8],
        )
        replaced = iter(chapters)
        ordered = b"".join(next(replaced) if f[:4] == b"CHAP" else f for f in frames)
        if ordered != body[:pos]:
            fh.seek(10)
            fh.write(ordered)


def tag_episode(
    mp3: Path,
    target: Path,
    timeline: Timed,
    info: EpisodeInfo,
    summaries: Sequence[Summary],
    cover: CoverArt | None,
) -> None:
    """Tag the encoded ``mp3`` (to be renamed over ``target``); errors name target."""
    try:
        write_tags(mp3, timeline, info, summaries, cover)
    except (OSError, MutagenError) as exc:
        # mutagen wraps the OSError of a failed save (a full disk) in its own.
        cause = exc if isinstance(exc, OSError) else exc.__cause__
        reason = getattr(cause, "strerror", None) or exc
        raise OutputError(f"{target}: cannot write ({reason})") from exc
