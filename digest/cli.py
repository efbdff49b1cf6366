"""The ``digest`` command line: parse flags → Settings → one library call → print.

Results go to stdout, progress and diagnostics to stderr. Every :class:`DigestError`
is turned into one ``Error: ...`` line and its exit code in :class:`ReportingGroup`.
"""

import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from digest.commands import (
    list_voices,
    preview_voice,
    rebuild_feed,
    render_build,
    render_plan,
    render_summaries,
    render_voices,
    run_doctor,
)
from digest.config import Settings, build_settings
from digest.errors import DigestError, ExitCode, MissingDependencyError, UsageError
from digest.pipeline import build_episode, plan_episode, summarize_paths
from digest.run.progress import make_progress, routed_logs
from digest.summarize.nlp import download_nltk_data

from . import __version__


class ReportingGroup(TyperGroup):
    """The one place where errors become an ``Error:`` line and an exit code."""

    # ctx is the click Context of the copy of click that typer vendors (no
    # public name), hence Any.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DigestError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo(
                "Error: interrupted; the previous episode is untouched", err=True
            )
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


app = typer.Typer(
    name="digest",
    cls=ReportingGroup,
    help="Turn written reviews into a podcast episode (summaries, speech, one MP3).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain "Error: ..." lines instead of rich panels
    pretty_exceptions_enable=False,
)

PathsArg = Annotated[
    list[str],
    typer.Argument(
        help="Review files (.txt .md .html .json .jsonl .csv .rss .atom), folders, "
        "http(s) URLs, or - for stdin.",
        show_default=False,
        metavar="PATH",
    ),
]
SecondsOpt = Annotated[
    float | None,
    typer.Option(
        "--seconds", min=1, help="At most this many seconds of reading per review."
    ),
]
EpisodeSecondsOpt = Annotated[
    float | None,
    typer.Option(
        "--episode-seconds",
        min=1,
        help="Reading time shared by all the summaries of the episode.",
    ),
]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="Map a review field to a JSON/CSV key, e.g. text=reviewBody (repeatable).",
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option("--timeout", min=0.1, help="Seconds to wait on a URL [default: 15]."),
]
VoicesOpt = Annotated[
    Path | None, typer.Option(help="Folder of voice profiles [default: ./voices].")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
SentencesOpt = Annotated[
    int | None,
    typer.Option(
        "--sentences", "-n", min=1, max=50, help="Sentences per review [default: 4]."
    ),
]


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"Warning: {text}"
        return text


def _setup_logging(quiet: bool) -> None:
    logger = logging.getLogger("digest")
    for handler in list(logger.handlers):
        if getattr(handler, "_digest", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    handler._digest = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def _settings(**flags: Any) -> Settings:
    voices = flags.pop("voices", None)
    templates = flags.pop("templates", None)
    return build_settings(flags, voices_dir=voices, templates_path=templates)


def _reading(
    sentences: int | None,
    seconds: float | None,
    episode_seconds: float | None,
    field: list[str] | None,
    timeout: float | None,
) -> dict[str, Any]:
    """The settings behind the flags build and summarize share (reading reviews)."""
    return {
        "sentences": sentences,
        "seconds": seconds,
        "episode_seconds": episode_seconds,
        "fields": tuple(field) if field else None,
        "fetch_timeout_s": timeout,
    }


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--date {value!r} is not a date like 2026-11-21") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"digest {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only print warnings and errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Turn written reviews into a podcast episode."""
    _setup_logging(quiet)
    # numpy's BLAS threads spin between the summarizer's small products and take
    # a core from ffmpeg; one thread is as fast for matrices this size. Set
    # before numpy loads (it loads later, only when needed); the user's own
    # setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    ctx.obj = {"quiet": quiet}


@app.command()
def build(
    ctx: typer.Context,
    paths: PathsArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Episode MP3 [default: output/episode.mp3]."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Episode title.")] = None,
    show: Annotated[str | None, typer.Option(help="Show name.")] = None,
    sentences: SentencesOpt = None,
    seconds: SecondsOpt = None,
    episode_seconds: EpisodeSecondsOpt = None,
    field: FieldOpt = None,
    timeout: TimeoutOpt = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Where output/ is published, for feed.xml links."),
    ] = None,
    feed: Annotated[
        bool, typer.Option("--feed/--no-feed", help="Rebuild feed.xml after the build.")
    ] = True,
    episode_date: Annotated[
        str | None,
        typer.Option("--date", help="Episode date, YYYY-MM-DD [default: today]."),
    ] = None,
    voices: VoicesOpt = None,
    templates: Annotated[
        Path | None,
        typer.Option(help="Script templates TOML [default: voices/templates.toml]."),
    ] = None,
    music: Annotated[
        Path | None,
        typer.Option(help="Music under the intro and outro (any format ffmpeg reads)."),
    ] = None,
    cover: Annotated[
        Path | None, typer.Option(help="Cover art to embed (PNG or JPEG).")
    ] = None,
    track: Annotated[
        int | None, typer.Option(min=1, max=9999, help="Episode (track) number.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print the script with estimated times; no audio."
        ),
    ] = False,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache",
            help="Clip cache folder [default: .cache/clips beside the MP3].",
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the clip cache.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild even when up to date.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            max=256,
            help="Speech worker processes [default: one per core].",
        ),
    ] = None,
    executor: Annotated[
        str | None,
        typer.Option(
            "--executor",
            metavar="URL",
            help="Run speech on a Dask cluster: dask://HOST:PORT.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build one MP3 episode from the reviews."""
    settings = _settings(
        **_reading(sentences, seconds, episode_seconds, field, timeout),
        output=output,
        title=title,
        show=show,
        base_url=base_url,
        feed=feed,
        episode_date=_parse_date(episode_date),
        voices=voices,
        templates=templates,
        music=music,
        cover=cover,
        track=track,
        cache_dir=cache,
        use_cache=False if no_cache else None,
        jobs=jobs,
        executor=executor,
    )
    if dry_run:
        typer.echo(render_plan(plan_episode(paths, settings), as_json))
        return
    quiet = bool((ctx.obj or {}).get("quiet", False))
    with (
        make_progress(quiet) as progress,
        routed_logs(progress, logging.getLogger("digest")),
    ):
        result = build_episode(paths, settings, force=force, progress=progress)
    typer.echo(render_build(result, as_json))


@app.command()
def summarize(
    paths: PathsArg,
    sentences: SentencesOpt = None,
    seconds: SecondsOpt = None,
    episode_seconds: EpisodeSecondsOpt = None,
    field: FieldOpt = None,
    timeout: TimeoutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print each review's extractive summary."""
    settings = _settings(
        **_reading(sentences, seconds, episode_seconds, field, timeout)
    )
    typer.echo(render_summaries(summarize_paths(paths, settings), as_json))


@app.command()
def doctor() -> None:
    """Report the speech engine, voices, ffmpeg and NLTK data in use."""
    report = run_doctor(_settings())
    for line in report.lines:
        typer.echo(line)
    if not report.ok:
        raise MissingDependencyError("something is missing; see the fixes above")


@app.command()
def voices(voices: VoicesOpt = None, as_json: JsonOpt = False) -> None:
    """List the voice profiles and the speech engine's voices and variants."""
    typer.echo(render_voices(list_voices(_settings(voices=voices)), as_json))


@app.command()
def say(
    text: Annotated[str, typer.Argument(help="What to say.", show_default=False)],
    voice: Annotated[
        str, typer.Option("--voice", help="Profile name: host, narrator, …")
    ] = "narrator",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="A .wav or .mp3 file [default: output/say.wav]."
        ),
    ] = None,
    voices: VoicesOpt = None,
) -> None:
    """Preview a voice profile: speak TEXT into a WAV or MP3 file."""
    out = output or Path("output/say.wav")
    result = preview_voice(text, voice, out, _settings(voices=voices))
    p = result.profile
    typer.echo(
        f"Wrote {result.path} ({result.seconds:.1f} s, {p.name}: {p.voice}, "
        f"{p.rate} wpm, pitch {p.pitch})"
    )


@app.command("feed")
def feed_command(
    folder: Annotated[
        Path, typer.Argument(help="Folder of episode MP3s [default: output].")
    ] = Path("output"),
    show: Annotated[str | None, typer.Option(help="Show (channel) title.")] = None,
    artist: Annotated[str | None, typer.Option(help="Show author.")] = None,
    description: Annotated[str | None, typer.Option(help="Show description.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Public URL of the folder [default: file://].")
    ] = None,
    link: Annotated[str | None, typer.Option(help="Show website.")] = None,
    language: Annotated[
        str | None, typer.Option(help="Language code, e.g. en.")
    ] = None,
    cover_url: Annotated[str | None, typer.Option(help="Show artwork URL.")] = None,
    owner_email: Annotated[
        str | None, typer.Option(help="Owner e-mail (itunes:owner).")
    ] = None,
    explicit: Annotated[
        bool, typer.Option("--explicit", help="Mark the show explicit.")
    ] = False,
) -> None:
    """Rebuild FOLDER/feed.xml (RSS 2.0, iTunes and Podcasting 2.0 tags)."""
    written = rebuild_feed(
        folder,
        _settings(show=show, artist=artist, base_url=base_url),
        description=description,
        link=link,
        language=language,
        cover_url=cover_url,
        owner_email=owner_email,
        explicit=explicit or None,
    )
    typer.echo(f"Wrote {written}")


@app.command("download-data")
def download_data(
    target: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to put the data [default: ~/nltk_data]."),
    ] = None,
) -> None:
    """Download NLTK punkt_tab and stopwords (the one command that goes online)."""
    typer.echo(f"NLTK data installed in {download_nltk_data(target)}")


def run() -> None:
    """Console-script entry point."""
    app(prog_name="digest")
