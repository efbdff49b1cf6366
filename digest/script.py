"""The episode script: summaries → :class:`Script` of spoken lines.

In: the summaries and the settings. Out: segments (intro, one per review, outro),
each a run of :class:`Line` records saying who speaks, what (prepared for speech)
and how long the silence after it is. Writes nothing.
"""

import re
from collections.abc import Sequence

from .config import Settings
from .models import Line, LineKind, Script, Segment, Summary

HOST = "host"
NARRATOR = "narrator"

_NUMBER_WORDS = (
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve",
)  # fmt: skip

_TRANSITIONS = (
    "Next up.",
    "On to the next review.",
    "Here is another take.",
    "And now, another review.",
)

# Characters espeak reads badly or literally, mapped to what a listener expects.
_SPEECH_CHARS = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "\u00a0": " ",
        "…": "...",
    }
)
_WORD_SLASH = re.compile(r"(?<=[A-Za-z])/(?=[A-Za-z])")
_NUMBER_RANGE = re.compile(r"(?<=\d)\s*[–—-]\s*(?=\d)")
_DOUBLE_COMMA = re.compile(r",(\s*,)+")
_DASH = re.compile(r"\s*[—–]\s*|\s+-\s+|(?<=\w)--(?=\w)")
_SPACES = re.compile(r"\s+")


def speech_text(text: str) -> str:
    """Prepare written text for the speech engine without changing its words."""
    text = text.translate(_SPEECH_CHARS)
    text = text.replace("and/or", "and or")
    # "writer/director" is not "writer slash director"; "1990–1995" is a range.
    text = _WORD_SLASH.sub(" and ", text)
    text = _NUMBER_RANGE.sub(" to ", text)
    text = _DASH.sub(", ", text)
    text = _DOUBLE_COMMA.sub(",", text)
    return _SPACES.sub(" ", text).strip()


def count_words(number: int) -> str:
    """Small numbers as words, for smoother speech."""
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)


def _intro(settings: Settings, reviews: int) -> Segment:
    day = settings.episode_date
    when = f"{day:%A}, {day:%B} {day.day}, {day.year}"
    plural = "review" if reviews == 1 else "reviews"
    text = (
        f"Welcome to {settings.show}. This is {settings.episode_title}, for {when}. "
        f"Today: {count_words(reviews)} {plural}."
    )
    line = Line(HOST, speech_text(text), LineKind.INTRO, settings.pauses.intro_ms)
    return Segment("Intro", (line,))


def _review_segment(
    summary: Summary, index: int, total: int, settings: Settings
) -> Segment:
    pauses = settings.pauses
    title = summary.review.title
    lines: list[Line] = []
    if index > 0:
        transition = _TRANSITIONS[(index - 1) % len(_TRANSITIONS)]
        lines.append(Line(HOST, transition, LineKind.TRANSITION, pauses.sentence_ms))
    stop = "" if title.endswith((".", "!", "?")) else "."
    announce = f"Review {count_words(index + 1)} of {count_words(total)}: {title}{stop}"
    lines.append(
        Line(HOST, speech_text(announce), LineKind.ANNOUNCE, pauses.announce_ms)
    )
    for pos, sentence in enumerate(summary.sentences):
        final = pos == len(summary.sentences) - 1
        pause = pauses.segment_ms if final else pauses.sentence_ms
        lines.append(Line(NARRATOR, speech_text(sentence), LineKind.SENTENCE, pause))
    return Segment(title, tuple(lines))


def _outro(settings: Settings) -> Segment:
    text = f"That's all for this episode of {settings.show}. Thanks for listening."
    return Segment("Outro", (Line(HOST, speech_text(text), LineKind.OUTRO, 0),))


def write_script(summaries: Sequence[Summary], settings: Settings) -> Script:
    """Lay out the episode: intro, one segment per review, outro."""
    spoken = [s for s in summaries if s.sentences]
    segments = [_intro(settings, len(spoken))]
    for index, summary in enumerate(spoken):
        segments.append(_review_segment(summary, index, len(spoken), settings))
    segments.append(_outro(settings))
    return Script(
        show=settings.show,
        title=settings.episode_title,
        episode_date=settings.episode_date,
        segments=tuple(segments),
    )
