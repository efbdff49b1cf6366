"""Immutable records passed between the pipeline stages; no I/O here.

ingest → :class:`Review`; summarize → :class:`Summary`; script → :class:`Script`
(segments of :class:`Line`); speak → :class:`Clip`; stitch → :class:`Mix`;
publish → :class:`Episode`.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from digest.config import VoiceProfile


@dataclass(frozen=True, slots=True)
class Review:
    """One review as read from disk."""

    source: Path
    title: str
    text: str
    critic: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: date | None = None
    rating: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """Facts a review states in lines of their own rather than in prose.

    ``certificate`` is the age rating ("PG-13"), ``runtime_minutes`` the running
    time, ``rating`` the critic's grade as written ("3 stars", "B+", "4/5").
    ``lines`` are the source lines the facts came from; they are never read as
    summary sentences.
    """

    certificate: str | None = None
    runtime_minutes: int | None = None
    rating: str | None = None
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    """The sentences chosen from one review, verbatim and in document order."""

    review: Review
    sentences: tuple[str, ...]
    facts: ReviewFacts = ReviewFacts()
    # Source paragraph number of each sentence (same length as ``sentences`` when
    # known), so the script can pause longer where the review changes paragraph.
    paragraphs: tuple[int, ...] = ()


class LineKind(StrEnum):
    """What a spoken line is for; decides the pause after it."""

    INTRO = "intro"
    ANNOUNCE = "announce"
    SENTENCE = "sentence"
    TRANSITION = "transition"
    OUTRO = "outro"


@dataclass(frozen=True, slots=True)
class Line:
    """One clip's worth of speech: who says it, what, and the silence after it."""

    speaker: str
    text: str
    kind: LineKind
    pause_after_ms: int


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of lines that forms one chapter (intro, one review, outro)."""

    title: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Script:
    """The whole episode as text, before any audio exists."""

    show: str
    title: str
    episode_date: date
    segments: tuple[Segment, ...]
    # Profiles of speakers other than host and narrator, by their ``name`` (a
    # narrator per review language, "narrator.fr"): the script says who they are.
    voices: tuple[VoiceProfile, ...] = ()

    @property
    def lines(self) -> tuple[Line, ...]:
        """Every line of every segment, in speaking order."""
        return tuple(line for seg in self.segments for line in seg.lines)


class _Audio:
    """Audio counted in frames at a sample rate: its length in seconds."""

    __slots__ = ()
    frames: int
    sample_rate: int

    @property
    def seconds(self) -> float:
        """The length: of a clip, the speech without the pause after it."""
        return self.frames / self.sample_rate


@dataclass(frozen=True, slots=True)
class Clip(_Audio):
    """A synthesized WAV for one line."""

    line: Line
    path: Path
    frames: int
    sample_rate: int


@dataclass(frozen=True, slots=True)
class Chapter:
    """Where one segment starts and ends in the mixed audio."""

    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Cue:
    """Where one spoken line sits in the mixed audio (for transcripts)."""

    speaker: str
    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Mix(_Audio):
    """The stitched episode as one PCM WAV plus where everything is in it."""

    wav: Path
    sample_rate: int
    frames: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    # The frame where each chapter starts (the first is 0): where units are cut.
    cuts: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Episode:
    """The published MP3 and what went into it."""

    path: Path
    title: str
    show: str
    episode_date: date
    seconds: float
    sample_rate: int
    bitrate_kbps: int
    chapters: tuple[Chapter, ...]
    reviews: int
    loudness_lufs: float
    true_peak_dbtp: float
    cues: tuple[Cue, ...] = ()
    # Share of active 10 ms frames within 1 dB of the peak (None: not measured).
    near_peak: float | None = None


_BREATHS = re.compile(r"[,;:]")
_STOPS = re.compile(r"[.!?]+")


def expected_seconds(text: str, rate_wpm: int) -> float:
    """The spoken duration of ``text`` at ``rate_wpm`` words per minute, estimated.

    Counts "words" of seven characters (space included) plus the pause espeak
    makes at each comma (1.5 words) and full stop (0.5): on espeak-ng 1.52 at
    160-170 wpm that is within 8 % per line on average (a plain word count: 12 %,
    and 40 % on lines of long words).
    """
    text = text.strip()
    breaths = len(_BREATHS.findall(text))
    stops = len(_STOPS.findall(text))
    words = max(1.0, len(text) / 7 + 1.5 * breaths + 0.5 * stops)
    return words * 60.0 / rate_wpm


# --- text prepared for speech ----------------------------------------------------
# Here, not in script.py: the script reads every line through speech_text and the
# transcripts (publish) match what was read back to the review's own words.

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


# Asides that mean nothing read aloud: editorial marks, years, picture pointers and
# "(Name/Studio)" credits. Other parentheses become commas: a spoken aside.
_EDITORIAL = re.compile(r"\s*\[(?:\.\.\.|sic|emphasis (?:added|mine))\]", re.IGNORECASE)
_BRACKETS = re.compile(r"\[([^\[\]]{1,80})\]")
_SILENT_ASIDE = re.compile(
    r"\s*\(\s*(?:(?:19|20)\d\d|pictured|above|below|left|right|center|centre"
    r"|top|bottom|see (?:above|below)|[^()]{0,60}/[^()]{0,60})\s*\)",
    re.IGNORECASE,
)
_WHOLE_ASIDE = re.compile(r"^\(([^()]+)\)$")
_ASIDE = re.compile(r"\s*\(([^()]{1,120})\)\s*")
_ELLIPSIS = re.compile(r"\s*(?:\.\s?){3,}\s*")
_COMMA_BEFORE_STOP = re.compile(r",\s*(?=[.!?;:]|$)")
# What "writer/director" and "1990–1995" are read as, by the review's language
# (a French sentence read with "and" sounds wrong); English for the rest.
_CONNECTORS: dict[str, tuple[str, str]] = {
    "en": ("and", "to"),
    "fr": ("et", "à"),
    "de": ("und", "bis"),
    "es": ("y", "a"),
    "it": ("e", "a"),
    "pt": ("e", "a"),
    "nl": ("en", "tot"),
}


def _aside(match: re.Match[str]) -> str:
    return f", {match.group(1).strip()}, "


def _ellipsis(match: re.Match[str]) -> str:
    # A trailing ellipsis ends the sentence; inside one it is a pause.
    return "." if match.end() == len(match.string) else ", "


def speech_text(text: str, language: str | None = None) -> str:
    """Prepare written text for the speech engine without changing its words.

    Punctuation that reads badly becomes pauses (dashes, ellipses, parentheses) and
    asides that mean nothing aloud (years, credits, "[sic]") are left out; the
    words of the sentence itself are never changed or reordered. ``language``
    (the review's ISO 639-1 code) picks the words said for "/" and number ranges.
    """
    primary = (language or "en").lower().replace("_", "-").partition("-")[0]
    and_word, to_word = _CONNECTORS.get(primary, _CONNECTORS["en"])
    text = text.translate(_SPEECH_CHARS).strip()
    text = _EDITORIAL.sub("", text)
    text = _BRACKETS.sub(r"\1", text)
    text = _SILENT_ASIDE.sub("", text)
    text = _WHOLE_ASIDE.sub(r"\1", text)
    text = _ASIDE.sub(_aside, text)
    text = _ELLIPSIS.sub(_ellipsis, text)
    text = text.replace("and/or", "and or")
    # "writer/director" is not "writer slash director"; "1990–1995" is a range.
    text = _WORD_SLASH.sub(f" {and_word} ", text)
    text = _NUMBER_RANGE.sub(f" {to_word} ", text)
    text = _DASH.sub(", ", text)
    text = _DOUBLE_COMMA.sub(",", text)
    text = _SPACES.sub(" ", text).strip()
    return _COMMA_BEFORE_STOP.sub("", text).strip(" ,")


def plain_text(text: str) -> str:
    """``text`` on one line: runs of whitespace as one space, and no control,
    surrogate or non-characters (an XML file cannot carry them)."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch
        for ch in text
        if ch not in "\ufffe\uffff"
    )
    return " ".join(kept.split())


# Past this many characters a title made from the reviews names fewer of them.
_TITLE_BUDGET = 80


def contents_title(summaries: Sequence[Summary]) -> str:
    """A title saying what an episode reads: "La La Land, Arrival and 3 more"."""
    titles = list(dict.fromkeys(plain_text(s.review.title) for s in summaries))
    titles = [t for t in titles if t] or ["Reviews"]
    if len(titles) == 1:
        return titles[0]
    if len(titles) <= 3 and len(", ".join(titles)) <= _TITLE_BUDGET:
        return f"{', '.join(titles[:-1])} and {titles[-1]}"
    # Two names and a count; one name when two would make it too long.
    named = titles[:2] if len(", ".join(titles[:2])) <= _TITLE_BUDGET else titles[:1]
    return f"{', '.join(named)} and {len(titles) - len(named)} more"
