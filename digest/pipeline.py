"""The pipeline: the one module that knows the stage order.

paths → ingest → summarize → script → speak → stitch (→ music) → publish → MP3.
Each stage is a function over the frozen records in :mod:`digest.models`; this
module wires them together, owns the temporary work folder and reports progress
through ``logging``. Also here: the dry run (:func:`plan_episode`, no engine), the
voice preview (:func:`say`) and the voice listing (:func:`list_voices`).
"""

import contextlib
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.config import Settings, VoiceProfile, find_profile, load_voice_profile
from digest.config import profile_paths as voice_profile_paths
from digest.encode.units import UNITS_DIR, UnitCache, release_large_blocks
from digest.errors import DigestError, InputError, OutputError, UsageError
from digest.ingest.options import IngestOptions
from digest.ingest.reader import ingest
from digest.media.engines import Engines, find_ffmpeg, preflight, prepare_espeak
from digest.models import Episode, Line, LineKind, Script, Summary
from digest.publish.cover import render_cover
from digest.publish.episode import (
    CoverArt,
    check_music,
    cover_from_bytes,
    export_audio,
    publish,
    read_cover,
)
from digest.publish.feed import Channel, write_feed
from digest.publish.sidecars import write_sidecars
from digest.run.overlap import assemble, framing
from digest.run.progress import NullProgress, Progress
from digest.script import (
    Timeline,
    estimate_timeline,
    script_voices,
    speech_text,
    write_script,
)
from digest.speak.espeak import EngineVoice, Pyttsx3Synthesizer, Synthesizer
from digest.speak.narrators import narrators_for, needs_engine_voices
from digest.store.cache import (
    SUMMARIES_DIR,
    CacheStats,
    ClipCache,
    SummaryCache,
    default_cache_dir,
)
from digest.store.files import write_atomic
from digest.store.lock import output_lock
from digest.store.manifest import (
    input_hash,
    output_files,
    sources_hash,
    up_to_date_episode,
    write_manifest,
)

if TYPE_CHECKING:
    from digest.summarize.nlp import TextTools

log = logging.getLogger("digest")


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced and how long each stage took (seconds)."""

    episode: Episode
    # None when the sources check found the episode up to date before scripting.
    script: Script | None
    summaries: tuple[Summary, ...]
    timings: tuple[tuple[str, float], ...]
    engines: Engines
    # True when the files on disk already matched: nothing was synthesized.
    up_to_date: bool = False
    cache: CacheStats | None = None


Sources = Sequence[Path | str]


def ingest_options(settings: Settings) -> IngestOptions:
    """How to read reviews, from the settings (field mapping, URL timeout)."""
    return IngestOptions.from_strings(
        list(settings.fields), timeout_s=settings.fetch_timeout_s
    )


def summarize_paths(
    paths: Sources,
    settings: Settings,
    tools: "TextTools | None" = None,
    *,
    cache: SummaryCache | None = None,
) -> tuple[Summary, ...]:
    """Read and summarize every review under ``paths`` (files, folders, URLs, -).

    With a ``cache``, reviews summarized before are not summarized again; NLTK
    then loads only if some review is new.
    """
    # NLTK and numpy load here, not at import: an up-to-date check needs neither.
    from digest.summarize.rank import picker, summarize_all

    reviews = ingest(paths, ingest_options(settings))

    def make_tools() -> "TextTools":
        from digest.summarize.nlp import load_text_tools

        made = tools or load_text_tools(use_nltk_data=settings.use_nltk_data)
        if made.status.problems:
            log.info(
                "NLTK data not usable (%s); using the built-in fallback",
                "; ".join(made.status.problems),
            )
        return made

    pick = (
        cache.pick(lambda: picker(make_tools()))
        if cache is not None
        else picker(make_tools())
    )
    summaries = summarize_all(
        reviews,
        None,
        sentences=settings.sentences,
        seconds=settings.seconds,
        episode_seconds=settings.episode_seconds,
        wpm=settings.narrator.rate,
        pick=pick,
    )
    if cache is not None and cache.hits:
        log.info("summaries: %d from the cache, %d made", cache.hits, cache.misses)
    for summary in summaries:
        if not summary.sentences:
            log.warning("%s: no sentences to read, skipped", summary.review.source)
    return summaries


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build would say, and when, without any audio (``--dry-run``)."""

    summaries: tuple[Summary, ...]
    script: Script
    timeline: Timeline


def _spoken(summaries: Sequence[Summary]) -> tuple[Summary, ...]:
    spoken = tuple(s for s in summaries if s.sentences)
    if not spoken:
        raise InputError("no review had any sentence to read")
    return spoken


def plan_episode(paths: Sources, settings: Settings) -> Plan:
    """Summaries, script and estimated timings: no speech engine, no ffmpeg."""
    if settings.music is not None and not settings.music.is_file():
        raise InputError(f"{settings.music}: music file not found")
    summaries = _spoken(summarize_paths(paths, settings))
    script = write_script(summaries, settings)
    lead, tail = framing(settings)
    return Plan(
        summaries,
        script,
        estimate_timeline(script, script_voices(script, settings), lead, tail),
    )


def build_episode(
    paths: Sources,
    settings: Settings,
    *,
    synthesizer: Synthesizer | None = None,
    engines: Engines | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> BuildResult:
    """Build the episode MP3 at ``settings.output`` from the reviews under ``paths``.

    Builds into one folder take turns (:func:`digest.store.lock.output_lock`); the
    one holding the lock first clears temporary files a killed build left.
    """
    folder = settings.output.parent
    with output_lock(folder):
        sweep_leftovers(folder, settings.output)
        return _build(
            paths,
            settings,
            synthesizer=synthesizer,
            engines=engines,
            progress=progress,
            force=force,
        )


def sweep_leftovers(folder: Path, mp3: Path) -> list[Path]:
    """Delete the temporary files of an earlier, killed build of ``mp3``.

    Only names this episode's builds (and feed.xml's writer) use: ``.STEM.*``
    ending in ``.part``, ``.part.mp3`` or ``.tmp``, in the folder and its cache.
    Called under the folder's lock, so no other build is writing them.
    """
    removed = []
    for where in (folder, folder / ".cache"):
        for prefix in (f".{mp3.stem}.", ".feed.xml."):
            for path in where.glob(f"{prefix}*"):
                name = path.name
                if name.endswith((".part", ".part.mp3", ".tmp")) and path.is_file():
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed.append(path)
    if removed:
        log.info("removed %d file(s) left by an interrupted build", len(removed))
    return removed


def _build(
    paths: Sources,
    settings: Settings,
    *,
    synthesizer: Synthesizer | None,
    engines: Engines | None,
    progress: Progress | None,
    force: bool,
) -> BuildResult:
    """:func:`build_episode`, once the output folder's lock is held.

    When the build record says the episode and its sidecars already came from
    the same reviews, script, settings and engines, and they are unchanged on
    disk, nothing is synthesized or encoded (``up_to_date``); ``force`` rebuilds.

    With the real engine (no ``synthesizer`` given) uncached lines are spoken by
    worker processes (:mod:`digest.run.workers`); a given synthesizer runs in this
    process, one line after another.
    """
    bar = progress or NullProgress()
    release_large_blocks()  # before the big arrays of summarizing and levelling
    timings: list[tuple[str, float]] = []
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings.append((stage, now - clock))
        clock = now

    engines = engines or preflight(settings.espeak, settings.ffmpeg)
    ffmpeg = engines.ffmpeg.path
    sources = sources_hash(paths, settings, engines)
    if sources is not None and not force:
        # Nothing read, summarized or scripted when no file or setting changed.
        done = up_to_date_episode(sources, settings.output, None, key="sources")
        if done is not None:
            return _already(done, settings, engines, timings, lap, bar)
    # Files the user named are checked before minutes of work, not after.
    cover: CoverArt = (
        read_cover(settings.cover)
        if settings.cover
        else cover_from_bytes(
            render_cover(settings.show, settings.episode_title), "generated cover"
        )
    )
    if settings.music is not None:
        check_music(ffmpeg, settings.music)
    bar.stage("summarize")
    folder = settings.cache_dir or default_cache_dir(settings.output)
    summary_cache = None
    if settings.use_cache:
        from digest.summarize.nlp import data_fingerprint

        fingerprint = data_fingerprint(use_nltk_data=settings.use_nltk_data)
        summary_cache = SummaryCache(folder / SUMMARIES_DIR, fingerprint)
    ingested = summarize_paths(paths, settings, cache=summary_cache)
    summaries = _spoken(ingested)
    lap("summarize")
    languages = narrators_for(
        summaries, settings.narrator, _engine_voices(summaries, synthesizer)
    )
    for warning in languages.warnings:
        log.warning("%s", warning)
    script = write_script(summaries, settings, languages.narrators)
    lines = script.lines
    log.info("script: %d segments, %d lines", len(script.segments), len(lines))
    files = output_files(settings.output, _cover_path(settings.output, cover))
    inputs = input_hash([s.review for s in ingested], script, settings, engines)
    done = None if force else up_to_date_episode(inputs, settings.output, files)
    if done is not None:
        write_manifest(inputs, done, files, sources)  # record the sources hash
        return _already(done, settings, engines, timings, lap, bar, script, summaries)
    cache = ClipCache(folder) if settings.use_cache else None
    try:
        with tempfile.TemporaryDirectory(prefix="digest-") as tmp:
            made = assemble(
                script,
                settings,
                Path(tmp),
                engines,
                synthesizer=synthesizer,
                clip_cache=cache,
                unit_cache=UnitCache(folder / UNITS_DIR) if cache is not None else None,
                bar=bar,
                lap=lap,
            )
            episode = publish(
                made.mix,
                ffmpeg,
                settings,
                summaries,
                cover,
                encoder=engines.ffmpeg.version,
                ready=(made.units, made.encoded),
            )
            lap("publish")
    except OSError as exc:
        # Clips and the mix live in the temporary folder: a full disk shows here.
        where = tempfile.gettempdir()
        raise OutputError(
            f"{where}: cannot write temporary audio ({exc.strerror or exc})"
        ) from exc
    write_sidecars(episode, script, summaries)
    _write_cover_file(episode.path, cover)
    write_manifest(inputs, episode, files, sources)
    if settings.feed:
        _refresh_feed(settings)
    lap("sidecars")
    bar.finish()
    return BuildResult(
        episode,
        script,
        summaries,
        tuple(timings),
        engines,
        cache=made.clips if cache is not None else None,
    )


def _engine_voices(
    summaries: Sequence[Summary], synthesizer: Synthesizer | None
) -> list[EngineVoice] | None:
    """The engine's voices when a review is not in English, else None.

    An English episode never starts the engine for this; a synthesizer without
    a voice list (a test fake) gives None, so every review keeps the narrator.
    """
    if not needs_engine_voices(summaries):
        return None
    source = synthesizer if synthesizer is not None else Pyttsx3Synthesizer()
    listing = getattr(source, "engine_voices", None)
    return list(listing()) if callable(listing) else None


def _already(
    done: Episode,
    settings: Settings,
    engines: Engines,
    timings: list[tuple[str, float]],
    lap: Callable[[str], None],
    bar: Progress,
    script: Script | None = None,
    summaries: tuple[Summary, ...] = (),
) -> BuildResult:
    """The result of a build that found its episode already made."""
    log.info("%s is up to date: nothing to synthesize or encode", done.path)
    if settings.feed:
        _refresh_feed(settings)
    lap("check")
    bar.finish()
    return BuildResult(
        done,
        script,
        summaries,
        tuple(timings),
        engines,
        up_to_date=True,
    )


def _cover_path(mp3: Path, cover: CoverArt) -> Path:
    """``NAME.cover.png`` (or ``.cover.jpg`` for JPEG art) beside the MP3."""
    return mp3.with_suffix(".cover.png" if cover.mime == "image/png" else ".cover.jpg")


def _write_cover_file(mp3: Path, cover: CoverArt) -> Path:
    """The embedded cover also beside the MP3 (``NAME.cover.png``) for the feed."""
    target = _cover_path(mp3, cover)
    for stale in (".cover.png", ".cover.jpg", ".cover.jpeg"):
        if mp3.with_suffix(stale) != target:
            mp3.with_suffix(stale).unlink(missing_ok=True)
    if not (target.is_file() and target.read_bytes() == cover.data):
        write_atomic(target, cover.data)
    return target


def channel_for(settings: Settings, **extra: Any) -> Channel:
    """The feed's channel from the settings (show, artist, base URL) plus flags."""
    given = {k: v for k, v in extra.items() if v is not None}
    return Channel(
        title=settings.show,
        author=settings.artist,
        base_url=settings.base_url,
        **given,
    )


def _refresh_feed(settings: Settings) -> None:
    """Rebuild feed.xml beside the episode; a feed problem does not fail a build."""
    try:
        write_feed(settings.output.parent, channel_for(settings))
    except DigestError as exc:
        log.warning("feed.xml not updated: %s", exc)


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
    ffmpeg = None
    if out.suffix.lower() == ".mp3":
        ffmpeg = find_ffmpeg(settings.ffmpeg).path
    if synthesizer is None:
        prepare_espeak(settings.espeak)
        synthesizer = Pyttsx3Synthesizer(
            timeout=settings.synth_timeout_s, retries=settings.synth_retries
        )
    line = Line(profile.name, spoken, LineKind.SENTENCE, 0)
    with tempfile.TemporaryDirectory(prefix="digest-say-") as tmp:
        clip = synthesizer.synthesize(line, profile, Path(tmp) / "say.wav")
        export_audio(clip.path, out, settings, ffmpeg)
    return SayResult(out, profile, clip.seconds)


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
        for path in voice_profile_paths(settings.voices_dir):
            if path.stem not in (settings.host.name, settings.narrator.name):
                profiles.append(load_voice_profile(path, VoiceProfile(path.stem)))
    prepare_espeak(settings.espeak)
    synth = Pyttsx3Synthesizer(timeout=settings.synth_timeout_s)
    resolved = tuple(synth.check(profile) for profile in profiles)
    return VoiceListing(
        tuple(profiles), tuple(synth.engine_voices()), synth.variants(), resolved
    )
