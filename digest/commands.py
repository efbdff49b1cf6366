"""The library behind the CLI: ``say``, ``voices``, ``doctor``, ``feed``, ``show``,
the build's settings, and output.

Each command function takes the :class:`Settings` (and the command's own values) and
returns a record; ``digest build`` and ``summarize`` call :mod:`digest.pipeline`
directly, ``build --dry-run`` calls :func:`plan_episode`. The ``render_*`` functions
turn those records into what the CLI prints: plain text, or JSON with ``--json``
(the keys are what scripts rely on; the README documents them). Nothing here prints;
the only files written are the ones a command names: the preview (``say``),
``feed.xml`` and the show file (``show.toml``).
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.config import (
    NOT_PROFILES,
    Settings,
    VoiceProfile,
    build_settings,
    load_voice_profile,
)
from digest.encode.episode import export_audio
from digest.errors import ConfigError, DigestError, InputError, UsageError
from digest.media.engines import find_ffmpeg, prepare_espeak
from digest.media.ffmpeg import MAX_MUSIC_BYTES
from digest.models import Line, LineKind, Script, Summary, speech_text
from digest.options import channel as feed_channel
from digest.options import encoding, script_options, speech
from digest.pipeline import BuildResult, spoken_summaries, summarize_paths
from digest.publish.feed import write_feed
from digest.script import Timeline, estimate_timeline, script_voices, write_script
from digest.speak.espeak import EngineVoice, Pyttsx3Synthesizer, Synthesizer
from digest.stitch import framing
from digest.store import show as show_file
from digest.store.files import check_input_file, work_folder
from digest.store.lock import output_lock
from digest.summarize.nlp import load_text_tools
from digest.timefmt import hours_clock, tenths_clock

# A profile name is a bare file name in the voices folder, never a path.
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]+")


# --- voice profiles on disk -------------------------------------------------------


def profile_paths(folder: Path) -> tuple[Path, ...]:
    """Every voice profile file in ``folder`` (templates and lexicon are none)."""
    if not folder.is_dir():
        return ()
    return tuple(p for p in sorted(folder.glob("*.toml")) if p.name not in NOT_PROFILES)


def find_profile(settings: Settings, name: str) -> VoiceProfile:
    """The profile called ``name``: host, narrator or another ``voices/NAME.toml``."""
    if name == settings.host.name:
        return settings.host
    if name == settings.narrator.name:
        return settings.narrator
    folder = settings.voices_dir
    if not _PROFILE_NAME.fullmatch(name):
        raise ConfigError(
            f"voice profile name {name!r} must be letters, digits, - or _"
        )
    path = folder / f"{name}.toml" if folder else None
    if path is None or not path.is_file() or path.name in NOT_PROFILES:
        known = ["host", "narrator"]
        if folder:
            known += [p.stem for p in profile_paths(folder) if p.stem not in known]
        raise ConfigError(f"no voice profile {name!r} (known: {', '.join(known)})")
    return load_voice_profile(path, VoiceProfile(name))


# --- say ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SayResult:
    """A voice preview: where it went, who spoke, how long."""

    path: Path
    profile: VoiceProfile
    seconds: float


def preview_voice(
    text: str,
    voice: str,
    out: Path,
    settings: Settings,
    *,
    synthesizer: Synthesizer | None = None,
) -> SayResult:
    """Speak ``text`` with the profile called ``voice`` into ``out`` (.wav/.mp3)."""
    spoken = speech_text(text)
    if not spoken:
        raise InputError("nothing to say: the text is empty")
    if out.suffix.lower() not in (".wav", ".mp3"):
        raise UsageError(f"-o {out}: give a file name ending in .wav or .mp3")
    profile = find_profile(settings, voice)
    spec = None
    if out.suffix.lower() == ".mp3":
        ffmpeg = find_ffmpeg(settings.ffmpeg)
        spec = encoding(settings, ffmpeg.path, ffmpeg.version)
    if synthesizer is None:
        prepare_espeak(settings.espeak)
        synthesizer = Pyttsx3Synthesizer(
            timeout=settings.synth_timeout_s, retries=settings.synth_retries
        )
    line = speech(settings).heard(Line(profile.name, spoken, LineKind.SENTENCE, 0))
    with work_folder("digest-say-") as tmp:
        clip = synthesizer.synthesize(line, profile, tmp / "say.wav")
        export_audio(clip.path, out, spec)
    return SayResult(out, profile, clip.seconds)


# --- voices ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoiceListing:
    """The voice profiles in use or on disk, and what the engine offers."""

    profiles: tuple[VoiceProfile, ...]
    engine: tuple[EngineVoice, ...]
    variants: tuple[str, ...]
    resolved: tuple[str, ...]  # the engine id each profile maps to


def list_voices(settings: Settings) -> VoiceListing:
    """Every profile (host, narrator, other ``voices/*.toml``) and engine voice."""
    profiles = [settings.host, settings.narrator]
    if settings.voices_dir is not None:
        for path in profile_paths(settings.voices_dir):
            if path.stem not in (settings.host.name, settings.narrator.name):
                profiles.append(load_voice_profile(path, VoiceProfile(path.stem)))
    prepare_espeak(settings.espeak)
    synth = Pyttsx3Synthesizer(timeout=settings.synth_timeout_s)
    resolved = tuple(synth.check(profile) for profile in profiles)
    return VoiceListing(
        tuple(profiles), tuple(synth.engine_voices()), synth.variants(), resolved
    )


# --- doctor ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """Human-readable findings; ``ok`` is False when a build would fail."""

    lines: tuple[str, ...]
    ok: bool


def run_doctor(settings: Settings) -> DoctorReport:
    """Check every engine and data file a build needs (starts the engine)."""
    lines: list[str] = []
    ok = True
    try:
        espeak = prepare_espeak(settings.espeak)
        where = f" (data: {espeak.data_path})" if espeak.data_path else ""
        lines.append(
            f"speech engine: pyttsx3 + libespeak-ng from {espeak.source}{where}"
        )
        synth = Pyttsx3Synthesizer(timeout=settings.synth_timeout_s)
        ids = synth.voice_ids()
        english = [v for v in ids if "/en" in v or v.startswith("en")]
        lines.append(f"voices: {len(ids)} available; English: {', '.join(english)}")
        for profile in (settings.host, settings.narrator):
            resolved = synth.check(profile)
            origin = profile.source or "built-in"
            lines.append(
                f"  {profile.name}: {profile.voice} → {resolved}, {profile.rate} wpm, "
                f"pitch {profile.pitch}, volume {profile.volume} ({origin})"
            )
    except DigestError as exc:
        ok = False
        lines.append(f"speech engine: MISSING: {exc}")
    try:
        ffmpeg = find_ffmpeg(settings.ffmpeg)
        lines.append(f"ffmpeg: {ffmpeg.version} from {ffmpeg.source} ({ffmpeg.path})")
    except DigestError as exc:
        ok = False
        lines.append(f"ffmpeg: MISSING: {exc}")
    # Loads NLTK (half a second of imports): only doctor and a build need it.
    status = load_text_tools(use_nltk_data=settings.use_nltk_data).status
    punkt = status.punkt_path or "built-in fallback"
    stop = status.stopwords_path or "built-in fallback"
    lines.append(f"nltk punkt_tab: {status.punkt_source} ({punkt})")
    lines.append(f"nltk stopwords: {status.stopwords_source} ({stop})")
    lines.extend(f"  note: {problem}" for problem in status.problems)
    lines.append("status: ok" if ok else "status: PROBLEMS FOUND")
    return DoctorReport(tuple(lines), ok)


# --- feed --------------------------------------------------------------------------


def output_settings(**flags: Any) -> Settings:
    """Settings for a build: the output folder's show file counts below the
    environment and the flags; a bad ``--show`` or ``--base-url`` is a usage error.
    """
    voices, templates = flags.pop("voices", None), flags.pop("templates", None)
    folder = Path(flags.get("output") or Settings().output).parent
    kept = show_file.read_show(folder)
    given = {"title": flags.pop("show", None), "base_url": flags.pop("base_url", None)}
    named = [key for key, value in given.items() if value is not None]
    flags.update(show_file.with_flags(kept, given).settings(named))
    return build_settings(
        flags, voices_dir=voices, templates_path=templates, show_file=kept.settings()
    )


def rebuild_feed(folder: Path, given: Mapping[str, object]) -> Path:
    """Rewrite ``folder/feed.xml`` for the show its show file describes.

    ``given`` holds the feed command's show settings by show-file key (None: not
    given); they are checked (a bad one is a usage error naming its flag), used
    over the file and the environment, and kept in the file.
    """
    with output_lock(folder):  # not while a build is writing there
        kept = show_file.read_show(folder)
        show = show_file.with_flags(kept, given)
        named = [key for key, value in given.items() if value is not None]
        settings = build_settings(show.settings(named), show_file=kept.settings())
        written = write_feed(folder, feed_channel(settings, show))
        show_file.update_show(folder, given)
    return written


def edit_show(folder: Path, assignments: Sequence[str]) -> str:
    """Change ``folder``'s show file by ``KEY=VALUE`` items; return its text."""
    given = show_file.parse_assignments(assignments)
    if not given:
        show = show_file.read_show(folder)
    else:
        with output_lock(folder):
            show = show_file.update_show(folder, given, lambda key: f"--set {key}")
    return f"# {show_file.show_path(folder)}\n{show_file.render_show(show)}"


# --- what the commands print --------------------------------------------------------


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _source(summary: Summary) -> str:
    """Where a review came from, as the user named it (a URL stays a URL)."""
    return summary.review.url or str(summary.review.source)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build would say, and when, without any audio (``--dry-run``)."""

    summaries: tuple[Summary, ...]
    script: Script
    timeline: Timeline


def plan_episode(paths: Sequence[Path | str], settings: Settings) -> Plan:
    """Summaries, script and estimated timings: no speech engine, no ffmpeg."""
    if settings.music is not None:
        check_input_file(settings.music, "music file", MAX_MUSIC_BYTES)
    summaries = spoken_summaries(summarize_paths(paths, settings))
    script = write_script(summaries, script_options(settings))
    lead, tail = framing(settings.music is not None)
    return Plan(
        summaries,
        script,
        estimate_timeline(
            script, script_voices(script, script_options(settings)), lead, tail
        ),
    )


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
            }
        )
    out = ["Profiles:"]
    for p, resolved in pairs:
        where = f"  ({p.source})" if p.source else "  (built-in)"
        out.append(
            f"  {p.name:<10} {p.voice} -> {resolved}, {p.rate} wpm, "
            f"pitch {p.pitch}, volume {p.volume:g}{where}"
        )
    out.append(f"Engine voices ({len(listing.engine)}, pyttsx3 + espeak-ng):")
    out.extend(
        f"  {v.id:<16} {v.name:<32} {', '.join(v.languages)}" for v in listing.engine
    )
    if listing.variants:
        out.append('Variants (voice = "en-us+NAME" or variant = "NAME"):')
        out.append("  " + ", ".join(listing.variants))
    return "\n".join(out)
