"""Assembly: the script → its clips → the mix → its encoded units, overlapped.

In: the :class:`~digest.models.Script`, the settings and the caches. Out:
:class:`Assembled`, the stitched :class:`~digest.models.Mix` and every unit
(chapter) already levelled and encoded, ready for :func:`digest.publish.publish`.

The three stages run at once rather than one after another. Clips arrive as the
speech workers finish their batches (cached ones at once); the
:class:`~digest.stitch.Stitcher` writes each segment into the mix as soon as
its clips and all earlier segments are in; and each written segment goes
straight to a :class:`~digest.encode.units.UnitEncoder`, whose threads find it in the
unit cache or level and encode it while later segments are still being spoken.
On two cores the encoder, which is most of a cold build's work, no longer
waits for the last line to be spoken.

A music bed changes the intro and the outro after the whole mix exists (its
level comes from both), so with music the first two and last two units wait
for it; only if the music reached further than that would the mix be encoded
again from scratch.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from digest.config import Settings
from digest.encode.units import (
    EncodedUnit,
    UnitCache,
    UnitEncoder,
    UnitSpan,
    encode_units,
    unit_spans,
)
from digest.media.engines import Engines
from digest.models import Clip, Mix, Script
from digest.publish.episode import decode_music, encode_spec
from digest.run.progress import Progress
from digest.run.workers import EngineSpec, default_jobs, iter_clips, open_pool
from digest.script import script_voices
from digest.speak.espeak import Pyttsx3Synthesizer, Synthesizer
from digest.stitch import (
    LEAD_IN_MS,
    MUSIC_LEAD_MS,
    MUSIC_TAIL_MS,
    Stitcher,
    add_music,
    music_envelopes,
    music_seconds,
)
from digest.store.cache import CacheStats, CachingSynthesizer, ClipCache

log = logging.getLogger("digest")


@dataclass(frozen=True, slots=True)
class Assembled:
    """The mix, its units as MP3s (in order) and where the clips came from."""

    mix: Mix
    units: tuple[EncodedUnit, ...]
    encoded: int  # units encoded now, not found in the cache
    clips: CacheStats


def framing(settings: Settings) -> tuple[int, int]:
    """Silence (ms) before the first and after the last word: room for music."""
    if settings.music is not None:
        return MUSIC_LEAD_MS, MUSIC_TAIL_MS
    return LEAD_IN_MS, 0


def _clips(
    script: Script,
    settings: Settings,
    work: Path,
    synthesizer: Synthesizer | None,
    cache: ClipCache | None,
    bar: Progress,
    stats: CacheStats,
) -> Iterator[tuple[int, Clip]]:
    """Every line's clip as it is ready: from worker processes, or ``synthesizer``."""
    lines = script.lines
    voices = script_voices(script, settings)
    if synthesizer is not None:
        synth: Synthesizer = synthesizer
        cached: CachingSynthesizer | None = None
        if cache is not None:
            synth = cached = CachingSynthesizer(synthesizer, cache)
        for index, line in enumerate(lines):
            path = work / f"clip-{index:05d}.wav"
            yield index, synth.synthesize(line, voices(line.speaker), path)
            bar.update(index + 1)
        if cached is not None:
            stats.hits, stats.misses = cached.stats.hits, cached.stats.misses
        else:
            stats.misses = len(lines)
        return
    # This process's engine names voices and versions for the cache keys, and
    # speaks a short batch itself when nothing else has.
    local = Pyttsx3Synthesizer(
        timeout=settings.synth_timeout_s, retries=settings.synth_retries
    )
    jobs = settings.jobs or default_jobs()
    yield from iter_clips(
        lines,
        voices,
        work,
        engine=EngineSpec(
            settings.espeak, settings.synth_timeout_s, settings.synth_retries
        ),
        engine_id=local.engine_id,
        engine_voice=local.check,
        cache=cache,
        pool=lambda: open_pool(settings.executor, jobs),
        stats=stats,
        progress=bar.update,
        nearby=local if settings.executor in (None, "", "process") else None,
    )


def _held(settings: Settings, segments: int) -> frozenset[int]:
    """Units that wait for the whole mix: those a music bed may reach."""
    if settings.music is None:
        return frozenset()
    return frozenset({0, 1, segments - 2, segments - 1} & set(range(segments)))


def _music_reach(mix: Mix) -> set[int]:
    """The units a music bed over ``mix`` touches."""
    reach = set()
    for env in music_envelopes(mix):
        first, last = env[0][0], env[-1][0]
        for index, chapter in enumerate(mix.chapters):
            if chapter.start_ms <= last and first < chapter.end_ms:
                reach.add(index)
    return reach


def assemble(
    script: Script,
    settings: Settings,
    work: Path,
    engines: Engines,
    *,
    synthesizer: Synthesizer | None,
    clip_cache: ClipCache | None,
    unit_cache: UnitCache | None,
    bar: Progress,
    lap: Callable[[str], None],
) -> Assembled:
    """Speak, stitch and encode the script, the three at once (see the module)."""
    ffmpeg = engines.ffmpeg.path
    spec = encode_spec(ffmpeg, settings, engines.ffmpeg.version)
    jobs = settings.jobs or default_jobs()
    segments = len(script.segments)
    held = _held(settings, segments)
    lead, tail = framing(settings)
    stitcher = Stitcher(
        script.segments, work / "mix.wav", lead_in_ms=lead, tail_ms=tail
    )
    unit_work = work / "units"
    unit_work.mkdir()
    encoder = UnitEncoder(spec, unit_work, cache=unit_cache, jobs=min(jobs, segments))
    stats = CacheStats()
    try:
        bar.stage("synthesize", len(script.lines))
        for index, clip in _clips(
            script, settings, work, synthesizer, clip_cache, bar, stats
        ):
            for seg in stitcher.add(index, clip):
                if seg not in held:
                    start, frames = stitcher.span(seg)
                    encoder.submit(
                        UnitSpan(seg, stitcher.out, stitcher.rate, start, frames)
                    )
        if clip_cache is not None:
            log.info(
                "clips: %d from the cache, %d synthesized%s",
                stats.hits,
                stats.misses,
                f", {stats.repeats} repeats shared" if stats.repeats else "",
            )
        lap("speak")
        bar.stage("encode")
        mix = stitcher.finish()
        if settings.music is not None:
            music = decode_music(
                ffmpeg,
                settings.music,
                work / "music.wav",
                mix.sample_rate,
                music_seconds(mix) + 1,
            )
            mix = add_music(mix, music, work / "mix-music.wav")
            if not _music_reach(mix) <= held:
                # Units already encoded without the music: start again.
                encoder.close()
                units, made = encode_units(
                    mix, spec, unit_work, cache=unit_cache, jobs=jobs
                )
                lap("stitch")
                return Assembled(mix, units, made, stats)
        spans = unit_spans(mix)
        for seg in sorted(held):
            start, frames = spans[seg]
            encoder.submit(UnitSpan(seg, mix.wav, mix.sample_rate, start, frames))
        lap("stitch")
        units, made = encoder.results(segments)
    finally:
        encoder.close()
        stitcher.close()
    return Assembled(mix, units, made, stats)
