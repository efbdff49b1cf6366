"""Immutable records passed between the pipeline stages; no I/O here.

ingest → :class:`Review`; summarize → :class:`Summary`; script → :class:`Script`
(segments of :class:`Line`); speak → :class:`Clip`; stitch → :class:`Mix`;
publish → :class:`Episode`.
"""

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


@dataclass(frozen=True, slots=True)
class Clip:
    """A synthesized WAV for one line."""

    line: Line
    path: Path
    frames: int
    sample_rate: int

    @property
    def seconds(self) -> float:
        """Duration of the speech itself, without the pause after it."""
        return self.frames / self.sample_rate


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
class Mix:
    """The stitched episode as one PCM WAV plus where everything is in it."""

    wav: Path
    sample_rate: int
    frames: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    # The frame where each chapter starts (the first is 0): where units are cut.
    cuts: tuple[int, ...] = ()

    @property
    def seconds(self) -> float:
        """Total duration of the mix."""
        return self.frames / self.sample_rate


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
