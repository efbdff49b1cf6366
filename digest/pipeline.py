"""The pipeline: the one module that knows the stage order.

    paths ─ingest→ reviews ─summarize→ summaries ─script→ lines
          ─speak→ clips ─stitch→ mix (─music→) ─encode→ MP3 ─publish→ episode,
                                             tags, cover, sidecars, feed

Each stage is a module (or folder) of functions over the frozen records in
:mod:`digest.models`; each takes its own settings record (:mod:`digest.options`).
This module calls them in order, refuses named files a build must not read or
replace, owns the build's lock and temporary work folder, decides what the
build record lets it skip, and reports progress through ``logging``. Speaking,
stitching and encoding overlap: each segment is stitched as soon as its clips
exist and encoded as soon as it is stitched, while later lines are still being
spoken. The dry run (``plan_episode``) is in :mod:`digest.commands`.
"""

import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import Settings
from digest.encode.episode import encode_mix
from digest.encode.units import (
    EncodedUnit,
    EncodeSpec,
    UnitCache,
    UnitEncoder,
    UnitSpan,
    encode_units,
    unit_spans,
)
from digest.errors import DigestError, InputError, OutputError
from digest.ingest.reader import ingest
from digest.ingest.targets import local_files, source_files
from digest.media.engines import Engines, preflight
from digest.media.ffmpeg import MAX_MUSIC_BYTES, check_music, decode_music
from digest.models import Episode, Mix, Script, Summary
from digest.options import (
    channel,
    episode_encoding,
    episode_info,
    ingest_options,
    script_options,
    speech,
    summary_options,
)
from digest.publish.cover import (
    MAX_COVER_BYTES,
    CoverArt,
    cover_path,
    drawn_cover,
    read_cover,
    write_cover_file,
)
from digest.publish.episode import tag_episode
from digest.publish.feed import write_feed
from digest.publish.paths import Sidecars
from digest.publish.sidecars import write_sidecars
from digest.run.pool import default_jobs
from digest.run.progress import Laps, NullProgress, Progress
from digest.run.tuning import release_large_blocks
from digest.script import script_voices, write_script
from digest.speak.batches import speak_lines
from digest.speak.cache import ClipCache
from digest.speak.espeak import Synthesizer
from digest.speak.narrators import engine_voices_for, narrators_for
from digest.speak.registry import check_engines
from digest.stitch import (
    Stitcher,
    add_music,
    framing,
    music_held,
    music_reach,
    music_seconds,
)
from digest.store.cache import CacheStats
from digest.store.files import (
    check_input_file,
    check_output_file,
    place,
    sweep_leftovers,
    sweep_work_folders,
    temp_beside,
    work_folder,
)
from digest.store.layout import UNITS_DIR, default_cache_dir
from digest.store.lock import output_lock
from digest.store.manifest import (
    input_hash,
    sources_hash,
    up_to_date_episode,
    write_manifest,
)
from digest.store.show import read_show
from digest.summarize.cache import SummaryCache
from digest.summarize.reviews import summarize_reviews

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
    reviews = ingest(paths, ingest_options(settings))
    return summarize_reviews(reviews, summary_options(settings), tools, cache=cache)


def spoken_summaries(summaries: Sequence[Summary]) -> tuple[Summary, ...]:
    """The summaries with something to read; InputError when none has."""
    spoken = tuple(s for s in summaries if s.sentences)
    if not spoken:
        raise InputError("no review had any sentence to read")
    return spoken


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
    _refuse_named_files(paths, settings)
    with output_lock(folder):
        sweep_leftovers(folder, settings.output.stem)
        sweep_work_folders()
        return _build(
            paths,
            settings,
            synthesizer=synthesizer,
            engines=engines,
            progress=progress,
            force=force,
        )


def _refuse_named_files(paths: Sources, settings: Settings) -> None:
    """Before any work: music or cover that is no file, or an output that would
    replace a device, a FIFO or one of the reviews (a sidecar or feed.xml too)."""
    if settings.music is not None:
        check_input_file(settings.music, "music file", MAX_MUSIC_BYTES)
    if settings.cover is not None:
        check_input_file(settings.cover, "cover art", MAX_COVER_BYTES)
    out = settings.output
    inputs = local_files(paths)
    for target in (out, *Sidecars.for_mp3(out).paths, out.parent / "feed.xml"):
        check_output_file(target, inputs)


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
    """
    bar = progress or NullProgress()
    release_large_blocks()  # before the big arrays of summarizing and levelling
    lap = Laps()
    engines = engines or preflight(settings.espeak, settings.ffmpeg)
    if synthesizer is None:  # Piper's extra and model, before any work
        check_engines((settings.host, settings.narrator))
    sources = sources_hash(source_files(paths), settings, engines)
    if sources is not None and not force:
        # Nothing read, summarized or scripted when no file or setting changed.
        done = up_to_date_episode(sources, settings.output, None, key="sources")
        if done is not None:
            return _already(done, settings, engines, lap, bar)
    # Files the user named are checked before minutes of work, not after.
    user_cover = read_cover(settings.cover) if settings.cover is not None else None
    if settings.music is not None:
        check_music(engines.ffmpeg.path, settings.music)
    bar.stage("summarize")
    folder = settings.cache_dir or default_cache_dir(settings.output)
    summary_cache = (
        SummaryCache.beside(folder, use_nltk_data=settings.use_nltk_data)
        if settings.use_cache
        else None
    )
    ingested = summarize_paths(paths, settings, cache=summary_cache)
    summaries = spoken_summaries(ingested)
    lap("summarize")
    voices = engine_voices_for(summaries, synthesizer)
    languages = narrators_for(summaries, settings.narrator, voices)
    for warning in languages.warnings:
        log.warning("%s", warning)
    script = write_script(summaries, script_options(settings), languages.narrators)
    log.info("script: %d segments, %d lines", len(script.segments), len(script.lines))
    # From here on the title is the script's: the one given, or made from the reviews.
    settings = replace(settings, title=script.title)
    cover = user_cover or drawn_cover(script.show, script.title)
    files = (
        settings.output,
        *Sidecars.for_mp3(settings.output).paths,
        cover_path(settings.output, cover),
    )
    inputs = input_hash([s.review for s in ingested], script, settings, engines)
    done = None if force else up_to_date_episode(inputs, settings.output, files)
    if done is not None:
        write_manifest(inputs, done, files, sources)  # record the sources hash
        return _already(done, settings, engines, lap, bar, script, summaries)
    caches = _Caches.at(folder) if settings.use_cache else _Caches()
    try:
        with work_folder() as tmp:
            made = _assemble(
                script, settings, tmp, engines, synthesizer, caches, bar, lap
            )
            episode = _publish(made, settings, summaries, cover)
            lap("publish")
    except OSError as exc:
        # Clips and the mix live in the temporary folder: a full disk shows here.
        where = tempfile.gettempdir()
        raise OutputError(
            f"{where}: cannot write temporary audio ({exc.strerror or exc})"
        ) from exc
    write_sidecars(episode, script, summaries)
    write_cover_file(episode.path, cover)
    write_manifest(inputs, episode, files, sources)
    if settings.feed:
        _refresh_feed(settings)
    lap("sidecars")
    bar.finish()
    stats = made.clips if caches.clips is not None else None
    return BuildResult(
        episode, script, summaries, tuple(lap.timings), engines, False, stats
    )


@dataclass(frozen=True, slots=True)
class _Caches:
    """The clip and unit caches of a build (None: ``--no-cache``)."""

    clips: ClipCache | None = None
    units: UnitCache | None = None

    @classmethod
    def at(cls, folder: Path) -> "_Caches":
        return cls(ClipCache(folder), UnitCache(folder / UNITS_DIR))


@dataclass(frozen=True, slots=True)
class _Assembled:
    """The mix, its units as MP3s (in order), how they were made, the clips' story."""

    mix: Mix
    units: tuple[EncodedUnit, ...]
    encoded: int  # units encoded now, not found in the cache
    clips: CacheStats
    spec: EncodeSpec


def _assemble(
    script: Script,
    settings: Settings,
    work: Path,
    engines: Engines,
    synthesizer: Synthesizer | None,
    caches: _Caches,
    bar: Progress,
    lap: Callable[[str], None],
) -> _Assembled:
    """Speak, stitch and encode the script, the three at once.

    Clips arrive as the speech workers finish their batches (cached ones at
    once); the stitcher writes each segment into the mix as soon as its clips
    and all earlier segments are in; each written segment goes straight to the
    unit encoder. A music bed changes the intro and outro after the whole mix
    exists, so with music the first two and last two units wait for it.
    """
    spec = episode_encoding(settings, engines)
    jobs = settings.jobs or default_jobs()
    segments = len(script.segments)
    music = settings.music
    held = music_held(segments) if music is not None else frozenset()
    lead, tail = framing(music is not None)
    stitcher = Stitcher(
        script.segments, work / "mix.wav", lead_in_ms=lead, tail_ms=tail
    )
    (work / "units").mkdir()
    encoder = UnitEncoder(
        spec, work / "units", cache=caches.units, jobs=min(jobs, segments)
    )
    stats = CacheStats()
    try:
        bar.stage("synthesize", len(script.lines))
        clips = speak_lines(
            script.lines,
            script_voices(script, script_options(settings)),
            work,
            speech(settings, synthesizer),
            cache=caches.clips,
            stats=stats,
            progress=bar.update,
        )
        for index, clip in clips:
            for seg in stitcher.add(index, clip):
                if seg not in held:
                    start, frames = stitcher.span(seg)
                    encoder.submit(
                        UnitSpan(seg, stitcher.out, stitcher.rate, start, frames)
                    )
        if caches.clips is not None:
            repeats = f", {stats.repeats} repeats shared" if stats.repeats else ""
            log.info(
                "clips: %d from the cache, %d synthesized%s",
                stats.hits, stats.misses, repeats,
            )  # fmt: skip
        lap("speak")
        bar.stage("encode")
        mix = stitcher.finish()
        if music is not None:
            bed = decode_music(
                spec.ffmpeg, music, work / "music.wav", mix.sample_rate,
                music_seconds(mix) + 1,
            )  # fmt: skip
            mix = add_music(mix, bed, work / "mix-music.wav")
            if not music_reach(mix) <= held:
                # Units already encoded without the music: start again.
                encoder.close()
                units, made = encode_units(
                    mix, spec, work / "units", cache=caches.units, jobs=jobs
                )
                lap("stitch")
                return _Assembled(mix, units, made, stats, spec)
        spans = unit_spans(mix)
        for seg in sorted(held):
            start, frames = spans[seg]
            encoder.submit(UnitSpan(seg, mix.wav, mix.sample_rate, start, frames))
        lap("stitch")
        units, made = encoder.results(segments)
    finally:
        encoder.close()
        stitcher.close()
    return _Assembled(mix, units, made, stats, spec)


def _publish(
    made: _Assembled,
    settings: Settings,
    summaries: Sequence[Summary],
    cover: CoverArt,
) -> Episode:
    """Join the units into the episode, tag it and rename it into place."""
    target = settings.output
    with temp_beside(target, ".mp3") as tmp:
        ready = (made.units, made.encoded)
        encoded = encode_mix(made.mix, tmp, made.spec, target=target, ready=ready)
        placement = encoded.placement
        info = episode_info(settings)
        tag_episode(tmp, target, placement, info, summaries, cover)
        place(tmp, target)
    log.info(
        "units: %d encoded, %d from the cache",
        encoded.encoded_units, len(placement.chapters) - encoded.encoded_units,
    )  # fmt: skip
    return Episode(
        path=target,
        title=info.title,
        show=info.show,
        episode_date=info.episode_date,
        seconds=placement.seconds,
        sample_rate=made.spec.sample_rate,
        bitrate_kbps=made.spec.bitrate_kbps,
        chapters=placement.chapters,
        reviews=len(summaries),
        loudness_lufs=encoded.loudness_lufs,
        true_peak_dbtp=encoded.true_peak_dbtp,
        cues=placement.cues,
        near_peak=encoded.near_peak,
    )


def _already(
    done: Episode,
    settings: Settings,
    engines: Engines,
    lap: Laps,
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
        done, script, summaries, tuple(lap.timings), engines, up_to_date=True
    )


def _refresh_feed(settings: Settings) -> None:
    """Rebuild feed.xml beside the episode; a feed problem does not fail a build."""
    folder = settings.output.parent
    try:
        write_feed(folder, channel(settings, read_show(folder)))
    except DigestError as exc:
        log.warning("feed.xml not updated: %s", exc)
