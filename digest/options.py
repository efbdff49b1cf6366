"""Each stage's own settings record, made from :class:`~digest.config.Settings`.

A stage never sees the whole Settings: it takes the small frozen record it
declares (ingest :class:`~digest.ingest.options.IngestOptions`, summarize
:class:`~digest.summarize.reviews.SummaryOptions`, script
:class:`~digest.script.ScriptOptions`, speak :class:`~digest.speak.worker.EngineSpec`,
encode :class:`~digest.encode.units.EncodeSpec`, publish
:class:`~digest.publish.episode.EpisodeInfo`), so its signature says what it
depends on. This module is the one place those records are built.
"""

from pathlib import Path

from digest.config import Settings
from digest.encode.episode import encode_spec
from digest.encode.units import EncodeSpec
from digest.ingest.options import IngestOptions
from digest.media.engines import Engines
from digest.publish.episode import EpisodeInfo
from digest.publish.feed import Channel
from digest.run.pool import default_jobs, open_pool
from digest.script import ScriptOptions
from digest.speak.batches import Speech
from digest.speak.espeak import Synthesizer
from digest.speak.lexicon import load_lexicon
from digest.speak.worker import EngineSpec
from digest.store.show import Show
from digest.summarize.reviews import SummaryOptions


def ingest_options(settings: Settings) -> IngestOptions:
    """How to read reviews: field mapping, URL timeout and redirects."""
    return IngestOptions.from_strings(
        list(settings.fields),
        timeout_s=settings.fetch_timeout_s,
        follow_redirects=settings.follow_redirects,
    )


def summary_options(settings: Settings) -> SummaryOptions:
    """How long each summary may be, and whether NLTK's data may be used."""
    # The narrator's rate turns reading seconds into words.
    limits = (settings.sentences, settings.seconds, settings.episode_seconds)
    return SummaryOptions(*limits, settings.narrator.rate, settings.use_nltk_data)


def script_options(settings: Settings) -> ScriptOptions:
    """What the script says and who says it."""
    return ScriptOptions(
        show=settings.show,
        title=settings.title,
        episode_date=settings.episode_date,
        templates=settings.templates,
        host=settings.host,
        narrator=settings.narrator,
    )


def engine_spec(settings: Settings) -> EngineSpec:
    """How a speech worker starts its engine."""
    return EngineSpec(settings.espeak, settings.synth_timeout_s, settings.synth_retries)


def speech(settings: Settings, synthesizer: Synthesizer | None = None) -> Speech:
    """How the build speaks: worker processes (or a Dask cluster), or a given
    synthesizer in this process; and the pronunciation lexicon of voices/."""
    jobs = settings.jobs or default_jobs()
    return Speech(
        engine_spec(settings),
        pool=lambda: open_pool(settings.executor, jobs),
        synthesizer=synthesizer,
        nearby=settings.executor in (None, "", "process"),
        lexicon=load_lexicon(settings.voices_dir),
    )


def encoding(settings: Settings, ffmpeg: Path, encoder: str) -> EncodeSpec:
    """How the episode is levelled and encoded, by the ffmpeg at ``ffmpeg``."""
    return encode_spec(
        ffmpeg,
        encoder,
        settings.sample_rate,
        settings.bitrate_kbps,
        settings.loudness_lufs,
    )


def episode_encoding(settings: Settings, engines: Engines) -> EncodeSpec:
    """:func:`encoding` with the build's own ffmpeg."""
    return encoding(settings, engines.ffmpeg.path, engines.ffmpeg.version)


def episode_info(settings: Settings) -> EpisodeInfo:
    """What the episode's tags say about it (the title: the script's, see
    :func:`digest.pipeline.build_episode`)."""
    return EpisodeInfo(
        title=settings.title or settings.show,
        artist=settings.artist,
        show=settings.show,
        episode_date=settings.episode_date,
        track=settings.track,
        season=settings.season,
    )


def channel(settings: Settings, show: Show) -> Channel:
    """The feed's channel: the folder's show file, with the show name, artist and
    base URL as the settings resolved them (show file < env < flags)."""
    details: dict[str, object] = {
        "description": show.description,
        "link": show.link,
        "language": show.language,
        "cover_url": show.artwork,
        "owner_name": show.owner_name,
        "owner_email": show.owner_email,
        "explicit": show.explicit,
        "copyright": show.copyright,
        "category": show.category,
    }
    given = {k: v for k, v in details.items() if v is not None}
    if show.category is not None:
        # The default subcategory belongs to the default category only.
        given["subcategory"] = show.subcategory
    return Channel(
        title=settings.show,
        author=settings.artist,
        base_url=settings.base_url,
        **given,  # type: ignore[arg-type]
    )
