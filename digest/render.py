"""What the commands print: plain text, or JSON with ``--json``.

In: the records :mod:`digest.commands` and :mod:`digest.pipeline` return (a
dry run's :class:`~digest.commands.Plan`, a build's result, summaries, the
voice listing). Out: the text the CLI prints. The JSON keys are what scripts
rely on; the README documents them. Nothing here prints or writes.
"""

import json
from typing import Any

from digest.commands import Plan, VoiceListing
from digest.models import Summary
from digest.pipeline import BuildResult
from digest.timefmt import hours_clock, tenths_clock


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _source(summary: Summary) -> str:
    """Where a review came from, as the user named it (a URL stays a URL)."""
    return summary.review.url or str(summary.review.source)


def render_plan(plan: Plan, as_json: bool = False) -> str:
    """The dry run: every line of the script with its estimated start and length."""
    script, timeline = plan.script, plan.timeline
    if as_json:
        segments: list[dict[str, Any]] = []
        for timed in timeline.lines:
            if len(segments) <= timed.segment_index:
                start = timed.start_ms / 1000 if segments else 0.0
                segments.append({"title": timed.segment, "start_s": start, "lines": []})
            line = timed.line
            segments[-1]["lines"].append(
                {
                    "speaker": line.speaker,
                    "kind": str(line.kind),
                    "text": line.text,
                    "start_s": timed.start_ms / 1000,
                    "seconds": timed.speech_ms / 1000,
                    "pause_s": line.pause_after_ms / 1000,
                }
            )
        return _json(
            {
                "show": script.show,
                "title": script.title,
                "date": script.episode_date.isoformat(),
                "reviews": len(plan.summaries),
                "estimated_seconds": timeline.total_ms / 1000,
                "segments": segments,
            }
        )
    out = [
        f"{script.title} ({script.show}, {script.episode_date.isoformat()})",
        "Dry run: nothing synthesized; times estimated from words per minute.",
    ]
    segment = -1
    for timed in timeline.lines:
        if timed.segment_index != segment:
            segment = timed.segment_index
            out.append(f"\n## {timed.segment}")
        line = timed.line
        out.append(
            f"{tenths_clock(timed.start_ms):>8}  {line.speaker:<9} "
            f"{timed.speech_ms / 1000:5.1f} s  {line.text}"
        )
    out.append(
        f"\nEstimated length {hours_clock(timeline.total_ms / 1000)}: "
        f"{len(plan.summaries)} reviews, {len(timeline.lines)} lines."
    )
    return "\n".join(out)


def _near(share: float | None) -> str:
    """The share of frames near the peak, for the build line (if measured)."""
    return "" if share is None else f", {100 * share:.1f} % of frames within 1 dB"


def render_build(result: BuildResult, as_json: bool = False) -> str:
    """What a build wrote (or found up to date), its length and loudness."""
    episode = result.episode
    if as_json:
        return _json(
            {
                "path": str(episode.path),
                "up_to_date": result.up_to_date,
                "title": episode.title,
                "seconds": round(episode.seconds, 3),
                "reviews": episode.reviews,
                "loudness_lufs": episode.loudness_lufs,
                "true_peak_dbtp": episode.true_peak_dbtp,
                "near_peak": episode.near_peak,
                "timings": {stage: round(t, 3) for stage, t in result.timings},
                "chapters": [
                    {"title": c.title, "start_s": c.start_ms / 1000}
                    for c in episode.chapters
                ],
            }
        )
    done = "Up to date:" if result.up_to_date else "Wrote"
    total = sum(seconds for _, seconds in result.timings)
    return (
        f"{done} {episode.path} ({hours_clock(episode.seconds)}, "
        f"{episode.reviews} review{'s' if episode.reviews != 1 else ''}, "
        f"{len(episode.chapters)} chapters, {episode.loudness_lufs:.1f} LUFS, "
        f"peak {episode.true_peak_dbtp:.1f} dBTP{_near(episode.near_peak)}) "
        f"in {total:.1f} s"
    )


def render_summaries(summaries: tuple[Summary, ...], as_json: bool = False) -> str:
    """Each review's title, source, facts and summary sentences."""
    if as_json:
        reviews = [
            {
                "source": _source(s),
                "title": s.review.title,
                "critic": s.review.critic,
                "outlet": s.review.outlet,
                "language": s.review.language,
                "sentences": list(s.sentences),
                "paragraphs": list(s.paragraphs),
                "facts": {
                    "certificate": s.facts.certificate,
                    "runtime_minutes": s.facts.runtime_minutes,
                    "rating": s.facts.rating,
                },
            }
            for s in summaries
        ]
        return _json({"reviews": reviews})
    out: list[str] = []
    for index, summary in enumerate(summaries):
        if index:
            out.append("")
        out.append(f"# {summary.review.title}  ({_source(summary)})")
        facts = summary.facts
        known = [
            facts.certificate,
            f"{facts.runtime_minutes} minutes" if facts.runtime_minutes else None,
            facts.rating,
        ]
        if any(known):
            out.append("  " + ", ".join(k for k in known if k))
        out.extend(f"- {sentence}" for sentence in summary.sentences)
    return "\n".join(out)


def render_voices(listing: VoiceListing, as_json: bool = False) -> str:
    """The profiles with the engine voice each resolves to, then the engine's."""
    pairs = list(zip(listing.profiles, listing.resolved, strict=True))
    if as_json:
        return _json(
            {
                "profiles": [
                    {
                        "name": p.name,
                        "voice": p.voice,
                        "engine": p.engine,
                        "engine_voice": resolved,
                        "rate": p.rate,
                        "pitch": p.pitch,
                        "volume": p.volume,
                        "source": str(p.source) if p.source else None,
                    }
                    for p, resolved in pairs
                ],
                "engine": [
                    {"id": v.id, "name": v.name, "languages": list(v.languages)}
                    for v in listing.engine
                ],
                "variants": list(listing.variants),
                "neural": {
                    "voices": list(listing.neural),
                    "installed": listing.neural_missing is None,
                },
            }
        )
    out = ["Profiles:"]
    for p, resolved in pairs:
        where = f"  ({p.source})" if p.source else "  (built-in)"
        pitch = f"pitch {p.pitch}, " if p.engine == "espeak" else "Piper, "
        out.append(
            f"  {p.name:<10} {p.voice} -> {resolved}, {p.rate} wpm, "
            f"{pitch}volume {p.volume:g}{where}"
        )
    out.append(f"Engine voices ({len(listing.engine)}, pyttsx3 + espeak-ng):")
    out.extend(
        f"  {v.id:<16} {v.name:<32} {', '.join(v.languages)}" for v in listing.engine
    )
    if listing.variants:
        out.append('Variants (voice = "en-us+NAME" or variant = "NAME"):')
        out.append("  " + ", ".join(listing.variants))
    if listing.neural:
        state = listing.neural_missing or "installed"
        out.append(f"Neural voices (Piper; --voices neural): {state}")
        out.append("  " + ", ".join(listing.neural))
    return "\n".join(out)
