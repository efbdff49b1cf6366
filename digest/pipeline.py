"""The pipeline: the one module that knows the stage order.

paths → ingest → summarize → script → speak → stitch → publish → MP3. Each stage is
a function over the frozen records in :mod:`digest.models`; this module wires them
together, owns the temporary work folder and reports progress through ``logging``.
"""

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .deps import Engines, preflight
from .errors import InputError
from .ingest import ingest
from .models import Episode, Script, Summary
from .nlp import TextTools, load_text_tools
from .publish import publish
from .script import write_script
from .speak import Pyttsx3Synthesizer, Synthesizer, render_clips, speaker_voice
from .stitch import stitch
from .summarize import summarize

log = logging.getLogger("digest")


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced and how long each stage took (seconds)."""

    episode: Episode
    script: Script
    summaries: tuple[Summary, ...]
    timings: tuple[tuple[str, float], ...]
    engines: Engines


def summarize_paths(
    paths: Sequence[Path], settings: Settings, tools: TextTools | None = None
) -> tuple[Summary, ...]:
    """Read and summarize every review under ``paths``."""
    reviews = ingest(paths)
    tools = tools or load_text_tools(use_nltk_data=settings.use_nltk_data)
    if tools.status.problems:
        log.info(
            "NLTK data not usable (%s); using the built-in fallback",
            "; ".join(tools.status.problems),
        )
    summaries = tuple(summarize(r, settings.sentences, tools) for r in reviews)
    for summary in summaries:
        if not summary.sentences:
            log.warning("%s: no sentences to read, skipped", summary.review.source)
    return summaries


def build_episode(
    paths: Sequence[Path],
    settings: Settings,
    *,
    synthesizer: Synthesizer | None = None,
    engines: Engines | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the episode MP3 at ``settings.output`` from the reviews under ``paths``."""
    timings: list[tuple[str, float]] = []
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings.append((stage, now - clock))
        clock = now

    engines = engines or preflight(settings.espeak, settings.ffmpeg)
    summaries = tuple(s for s in summarize_paths(paths, settings) if s.sentences)
    if not summaries:
        raise InputError("no review had any sentence to read")
    lap("summarize")
    script = write_script(summaries, settings)
    lines = script.lines
    log.info("script: %d segments, %d lines", len(script.segments), len(lines))
    synth = synthesizer or Pyttsx3Synthesizer(
        timeout=settings.synth_timeout_s, retries=settings.synth_retries
    )
    with tempfile.TemporaryDirectory(prefix="digest-") as tmp:
        work = Path(tmp)
        clips = render_clips(
            lines,
            synth,
            lambda speaker: speaker_voice(speaker, settings.host, settings.narrator),
            work,
            progress,
        )
        lap("speak")
        mix = stitch(clips, script.segments, work / "mix.wav")
        lap("stitch")
        episode = publish(mix, engines.ffmpeg.path, settings, summaries)
        lap("publish")
    return BuildResult(episode, script, summaries, tuple(timings), engines)
