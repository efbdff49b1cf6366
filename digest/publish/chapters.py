"""Chapters JSON: the episode's chapters → Podcasting 2.0 ``NAME.chapters.json``.

In: the episode (its chapters and file name), the script and the summaries read
in it. Out: the JSON chapters text, with a link to each review that has a safe web
URL, and the pairing of each read summary with its chapter, which the show notes
use too. Writes nothing itself: :func:`digest.publish.sidecars.write_sidecars`
writes the file.
"""

import json
from collections.abc import Mapping, Sequence

from digest.models import Episode, LineKind, Script, Summary
from digest.publish.text import safe_url

CHAPTERS_VERSION = "1.2.0"


def _review_segments(script: Script) -> list[int]:
    """Indexes of the script segments that read a review (they hold sentences)."""
    return [
        index
        for index, segment in enumerate(script.segments)
        if any(line.kind is LineKind.SENTENCE for line in segment.lines)
    ]


def review_chapters(
    episode: Episode, script: Script, summaries: Sequence[Summary]
) -> list[tuple[Summary, int | None]]:
    """Pair each read summary with the index of its chapter in ``episode``.

    Chapters are made one per script segment, so they line up by position; when
    they do not (an episode from elsewhere), a chapter is matched by title.
    """
    spoken = [s for s in summaries if s.sentences]
    segments = _review_segments(script)
    aligned = len(episode.chapters) == len(script.segments) and len(segments) == len(
        spoken
    )
    pairs: list[tuple[Summary, int | None]] = []
    used: set[int] = set()
    for position, summary in enumerate(spoken):
        index: int | None = segments[position] if aligned else None
        if index is None:
            index = next(
                (
                    i
                    for i, chapter in enumerate(episode.chapters)
                    if i not in used and chapter.title == summary.review.title
                ),
                None,
            )
        if index is not None:
            used.add(index)
        pairs.append((summary, index))
    return pairs


def chapter_urls(
    episode: Episode, script: Script, summaries: Sequence[Summary]
) -> dict[int, str]:
    """The web page of each chapter that reads a review with a safe URL, by index."""
    return {
        index: url
        for summary, index in review_chapters(episode, script, summaries)
        if index is not None and (url := safe_url(summary.review.url))
    }


def render_chapters_json(
    episode: Episode, chapter_urls: Mapping[int, str] | None = None
) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0) for ``episode``.

    ``chapter_urls`` maps a chapter's index to a related web page (the review).
    """
    urls = chapter_urls or {}
    chapters: list[dict[str, object]] = []
    for index, chapter in enumerate(episode.chapters):
        entry: dict[str, object] = {
            "startTime": round(chapter.start_ms / 1000, 3),
            "endTime": round(chapter.end_ms / 1000, 3),
            "title": chapter.title,
        }
        if index in urls:
            entry["url"] = urls[index]
        chapters.append(entry)
    document = {
        "version": CHAPTERS_VERSION,
        "title": episode.title,
        "podcastName": episode.show,
        "fileName": episode.path.name,
        "chapters": chapters,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
