"""Golden cases for the sidecar files: ``<case>/input.json`` → ``<case>/expected/``.

Each ``input.json`` is a hand-made episode: reviews (with their summary sentences
and metadata) and the script's segments, each line with how long it is spoken
(``ms``) and the pause after it. :func:`load_case` lays the lines out on a time
line the way the stitcher does (a lead-in, then line, pause, line, ...) and builds
the :class:`Episode`, :class:`Script` and summaries that ``write_sidecars`` takes.

Narrated lines name a sentence of their review (``"sentence": 1``); their spoken
text is made with the real ``speech_text``, as the script stage does.

Regenerate the expected files after an intended change with
``GOLDEN_UPDATE=1 .venv/bin/python -m pytest tests/test_sidecars.py`` and review
the diff.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from digest.models import (
    Chapter,
    Cue,
    Episode,
    Line,
    LineKind,
    Review,
    ReviewFacts,
    Script,
    Segment,
    Summary,
    speech_text,
)

GOLDEN = Path(__file__).resolve().parent
CASES = sorted(p.parent.name for p in GOLDEN.glob("*/input.json"))


@dataclass(frozen=True)
class Case:
    """One golden case, built under a root folder."""

    name: str
    episode: Episode
    script: Script
    summaries: tuple[Summary, ...]

    @property
    def expected(self) -> Path:
        """The folder of expected output files."""
        return GOLDEN / self.name / "expected"


def _review(root: Path, data: dict[str, Any]) -> Summary:
    facts = data.get("facts", {})
    published = data.get("published")
    review = Review(
        source=root / data["source"],
        title=data["title"],
        text=" ".join(data["sentences"]),
        critic=data.get("critic"),
        outlet=data.get("outlet"),
        url=data.get("url"),
        published=date.fromisoformat(published) if published else None,
        rating=data.get("rating"),
    )
    return Summary(
        review=review,
        sentences=tuple(data["sentences"]),
        facts=ReviewFacts(
            certificate=facts.get("certificate"),
            runtime_minutes=facts.get("runtime_minutes"),
            rating=facts.get("rating"),
        ),
    )


def load_case(name: str, root: Path, mp3: Path | None = None) -> Case:
    """Build case ``name`` with its files placed under ``root`` (or at ``mp3``)."""
    data = json.loads((GOLDEN / name / "input.json").read_text(encoding="utf-8"))
    summaries = tuple(_review(root, r) for r in data["reviews"])
    segments: list[Segment] = []
    chapters: list[Chapter] = []
    cues: list[Cue] = []
    now = data["lead_in_ms"]
    for index, seg in enumerate(data["segments"]):
        summary = summaries[seg["review"]] if "review" in seg else None
        seg_start = 0 if index == 0 else now
        lines: list[Line] = []
        for item in seg["lines"]:
            if "sentence" in item:
                assert summary is not None
                original = summary.sentences[item["sentence"]]
                line = Line(
                    "narrator",
                    speech_text(original),
                    LineKind.SENTENCE,
                    item["pause_after_ms"],
                )
            else:
                line = Line(
                    item["speaker"],
                    item["text"],
                    LineKind(item["kind"]),
                    item["pause_after_ms"],
                )
            lines.append(line)
            cues.append(Cue(line.speaker, line.text, now, now + item["ms"]))
            now += item["ms"] + line.pause_after_ms
        title = summary.review.title if summary else seg["title"]
        segments.append(Segment(title, tuple(lines)))
        chapters.append(Chapter(title, seg_start, now))
    day = date.fromisoformat(data["date"])
    script = Script(data["show"], data["title"], day, tuple(segments))
    episode = Episode(
        path=mp3 or root / data["mp3"],
        title=data["title"],
        show=data["show"],
        episode_date=day,
        seconds=now / 1000,
        sample_rate=44100,
        bitrate_kbps=96,
        chapters=tuple(chapters),
        reviews=len(summaries),
        loudness_lufs=-16.0,
        true_peak_dbtp=-1.5,
        cues=tuple(cues),
    )
    return Case(name, episode, script, summaries)
