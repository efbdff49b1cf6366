"""The ``digest`` command line: parse flags → Settings → one library call → print.

Results go to stdout, progress and diagnostics to stderr. Every :class:`DigestError`
is turned into one ``Error: ...`` line and its exit code in :class:`ReportingGroup`.
"""

import contextlib
import errno
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from digest.commands import (
    edit_show,
    list_voices,
    output_settings,
    plan_episode,
    preview_voice,
    rebuild_feed,
    run_doctor,
)
from digest.config import Settings, build_settings
from digest.errors import (
    DigestError,
    ExitCode,
    MissingDependencyError,
    OutputError,
    UsageError,
)
from digest.pipeline import build_episode, summarize_paths
from digest.render import render_build, render_plan, render_summaries, render_voices
from digest.run.pool import Terminated, signals_interrupt
from digest.run.progress import make_progress, routed_logs, setup_logging
from digest.store.show import update_show
from digest.summarize.nlp import download_nltk_data

from . import installed_version


class ReportingGroup(TyperGroup):
    """The one place where errors become an ``Error:`` line and an exit code."""

    # ctx is the click Context of the copy of click that typer vendors (no
    # public name), hence Any.
    def invoke(self, ctx: Any) -> Any:
        try:
            with signals_interrupt():
                return super().invoke(ctx)
        except DigestError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt as exc:
            typer.echo(
                "Error: interrupted; the previous episode is untouched", err=True
            )
            # 128 + the signal, as a shell reports a process the signal ended.
            code = 128 + exc.signum if isinstance(exc, Terminated) else None
            raise typer.Exit(code or int(ExitCode.INTERRUPTED)) from None


def _say(text: str) -> None:
    """Print a result on stdout; a full disk or closed pipe is an OutputError."""
    try:
        typer.echo(text)
        sys.stdout.flush()
    except OSError as exc:
        # Python flushes stdout again on exit and would complain a second time.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        reason = exc.strerror or os.strerror(exc.errno or errno.EIO)
        raise OutputError(f"<stdout>: cannot write ({reason})") from None


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
# The same day-long ceiling config's checks apply, so a flag fails as usage (2).
MAX_SECONDS = 86_400
SecondsOpt = Annotated[
    float | None,
    typer.Option(
        "--seconds",
        min=1,
        max=MAX_SECONDS,
        help="At most this many seconds of reading per review.",
    ),
]
EpisodeSecondsOpt = Annotated[
    float | None,
    typer.Option(
        "--episode-seconds",
        min=1,
        max=MAX_SECONDS,
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
    typer.Option(
        "--timeout",
        min=0.1,
        max=MAX_SECONDS,
        help="Seconds to wait on a URL [default: 15].",
    ),
]
RedirectsOpt = Annotated[
    bool,
    typer.Option(
        "--follow-redirects",
        help="Follow a URL's redirects to other hosts too (same host: always).",
    ),
]
VoicesOpt = Annotated[
    Path | None,
    typer.Option(help="Voice profiles: a folder, or 'neural' [default: bundled]."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
FolderArg = Annotated[Path, typer.Argument(help="Output folder [default: output].")]
BaseUrlOpt = Annotated[str | None, typer.Option(help="Public URL of the folder.")]
SentencesOpt = Annotated[
    int | None,
    typer.Option(
        "--sentences", "-n", min=1, max=50, help="Sentences per review [default: 4]."
    ),
]


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
    follow_redirects: bool,
) -> dict[str, Any]:
    """The settings behind the flags build and summarize share (reading reviews)."""
    return {
        "sentences": sentences,
        "seconds": seconds,
        "episode_seconds": episode_seconds,
        "fields": tuple(field) if field else None,
        "fetch_timeout_s": timeout,
        "follow_redirects": follow_redirects or None,
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
        typer.echo(f"digest {installed_version()}")
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
    setup_logging(quiet)
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
    follow_redirects: RedirectsOpt = False,
    base_url: BaseUrlOpt = None,
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
    season: Annotated[int | None, typer.Option(min=1, max=9999, help="Season.")] = None,
    loudness: Annotated[
        float | None,
        typer.Option(
            min=-30.0,
            max=-10.0,
            help="Loudness target, LUFS [default: -19, the convention for mono].",
        ),
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
    settings = output_settings(
        **_reading(
            sentences, seconds, episode_seconds, field, timeout, follow_redirects
        ),
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
        season=season,
        loudness_lufs=loudness,
        cache_dir=cache,
        use_cache=False if no_cache else None,
        jobs=jobs,
        executor=executor,
    )
    if dry_run:
        _say(render_plan(plan_episode(paths, settings), as_json))
        return
    quiet = bool((ctx.obj or {}).get("quiet", False))
    with (
        make_progress(quiet) as progress,
        routed_logs(progress, logging.getLogger("digest")),
    ):
        result = build_episode(paths, settings, force=force, progress=progress)
    update_show(settings.output.parent, {"title": show, "base_url": base_url})
    _say(render_build(result, as_json))


@app.command()
def summarize(
    paths: PathsArg,
    field: FieldOpt = None,
    timeout: TimeoutOpt = None,
    follow_redirects: RedirectsOpt = False,
    sentences: SentencesOpt = None,
    seconds: SecondsOpt = None,
    episode_seconds: EpisodeSecondsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print each review's extractive summary."""
    settings = _settings(
        **_reading(
            sentences, seconds, episode_seconds, field, timeout, follow_redirects
        )
    )
    _say(render_summaries(summarize_paths(paths, settings), as_json))


@app.command()
def doctor() -> None:
    """Report the speech engine, voices, ffmpeg and NLTK data in use."""
    report = run_doctor(_settings())
    for line in report.lines:
        _say(line)
    if not report.ok:
        raise MissingDependencyError("something is missing; see the fixes above")


@app.command()
def voices(voices: VoicesOpt = None, as_json: JsonOpt = False) -> None:
    """List the voice profiles and the speech engine's voices and variants."""
    _say(render_voices(list_voices(_settings(voices=voices)), as_json))


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
    _say(
        f"Wrote {result.path} ({result.seconds:.1f} s, {p.name}: {p.voice}, "
        f"{p.rate} wpm, pitch {p.pitch})"
    )


@app.command("feed")
def feed_command(
    folder: FolderArg = Path("output"),
    show: Annotated[str | None, typer.Option(help="Show (channel) title.")] = None,
    artist: Annotated[str | None, typer.Option(help="Show author.")] = None,
    description: Annotated[str | None, typer.Option(help="Show description.")] = None,
    base_url: BaseUrlOpt = None,
    link: Annotated[str | None, typer.Option(help="Show website.")] = None,
    language: Annotated[str | None, typer.Option(help="Language tag, e.g. en.")] = None,
    cover_url: Annotated[str | None, typer.Option(help="Show artwork URL.")] = None,
    owner_email: Annotated[str | None, typer.Option(help="Owner e-mail.")] = None,
    explicit: Annotated[bool | None, typer.Option(help="Explicit show.")] = None,
) -> None:
    """Rebuild FOLDER/feed.xml; the show settings given are kept in show.toml."""
    given: dict[str, object] = {"title": show, "author": artist, "link": link}
    given |= {"base_url": base_url, "language": language, "artwork": cover_url}
    given |= {"owner_email": owner_email, "description": description}
    given["explicit"] = explicit
    _say(f"Wrote {rebuild_feed(folder, given)}")


@app.command("show")
def show_command(
    folder: FolderArg = Path("output"),
    kv: Annotated[list[str] | None, typer.Option("--set", metavar="KEY=VALUE")] = None,
) -> None:
    """Print FOLDER/show.toml after any --set KEY=VALUE changes (KEY= unsets)."""
    _say(edit_show(folder, kv or []))


@app.command("download-data")
def download_data(
    target: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to put the data [default: ~/nltk_data]."),
    ] = None,
) -> None:
    """Download NLTK punkt_tab and stopwords (the one command that goes online)."""
    _say(f"NLTK data installed in {download_nltk_data(target)}")


def run() -> None:
    """Console-script entry point."""
    app(prog_name="digest")
