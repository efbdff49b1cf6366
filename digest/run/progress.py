"""Progress of a build: bars on a terminal, throttled log lines elsewhere, or nothing.

In: stage names and counts from :mod:`digest.pipeline` ("summarize", "synthesize",
"encode", ...). Out: writes to stderr only, never to stdout, and no files.

- :class:`RichProgress`: one rich bar per stage (count, percentage, elapsed and
  remaining time) on a ``Console(stderr=True)``; finished bars stay on screen.
- :class:`LogProgress`: plain ``digest`` logger lines, a start and an end line per
  stage and in between at most one line per 10 % and per 2 seconds.
- :class:`NullProgress`: ``--quiet``.

:func:`make_progress` picks one: quiet → null; a TTY whose ``TERM`` is not
``dumb`` → bars (``NO_COLOR`` only removes colour, rich honours it itself);
anything else → log lines. ``DIGEST_PROGRESS=auto|bars|lines|off`` overrides the
choice (``bars`` also draws on a stream that is not a TTY); ``--quiet`` always wins.

While bars are live, log records must go through the bars' console or they tear
the display: wrap the run in :func:`routed_logs`. Every method is thread-safe;
nothing is created on import (rich itself is imported on first use).
"""

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, TextIO

from digest.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import ProgressColumn, TaskID

log = logging.getLogger("digest")

MODES = ("auto", "bars", "lines", "off")


class Progress(Protocol):
    """What the pipeline reports to: one stage at a time, counts within it."""

    def stage(self, name: str, total: int | None = None) -> None:
        """Start stage ``name`` of ``total`` steps (None: unknown); ends the last."""

    def update(self, done: int) -> None:
        """Set how many steps of the current stage are done (absolute)."""

    def advance(self, step: int = 1) -> None:
        """Count ``step`` more steps done in the current stage."""

    def finish(self) -> None:
        """End the current stage as complete (its count becomes its total)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class _Stage:
    """One stage as last reported; replaced, never mutated, under the owner's lock."""

    name: str
    total: int | None
    started: float
    done: int = 0
    # The count and time of the last line written (LogProgress throttling).
    shown: int = 0
    shown_at: float = 0.0

    def percent(self, done: int | None = None) -> float | None:
        """Share done in percent, or None when the total is unknown or zero."""
        if not self.total:
            return None
        return 100.0 * (self.done if done is None else done) / self.total


class _Reporter:
    """The ``with`` protocol every progress shares: open, then close, ok or not."""

    def _open(self) -> None:
        """Start showing (called on entering ``with``)."""

    def _close(self, ok: bool) -> None:
        """Stop showing; ``ok`` is False when the build raised."""

    def __enter__(self) -> Self:
        self._open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close(ok=kind is None)


class NullProgress(_Reporter):
    """Reports nothing (``--quiet``)."""

    def stage(self, name: str, total: int | None = None) -> None:
        """Ignore the stage."""

    def update(self, done: int) -> None:
        """Ignore the count."""

    def advance(self, step: int = 1) -> None:
        """Ignore the step."""

    def finish(self) -> None:
        """Nothing to end."""


class LogProgress(_Reporter):
    """Plain ``digest`` log lines: start, throttled counts, end with seconds."""

    def __init__(
        self,
        logger: logging.Logger | None = None,
        *,
        step: float = 10.0,
        interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger or log
        self._step = step  # percentage points between two count lines
        self._interval = interval  # seconds between two count lines
        self._clock = clock
        self._lock = threading.Lock()
        self._current: _Stage | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        """End the previous stage and log the start of ``name``."""
        with self._lock:
            self._end(complete=True)
            now = self._clock()
            self._current = _Stage(name, total, now, shown_at=now)
            if total is None:
                self._log.info("%s: started", name)
            else:
                self._log.info("%s: 0/%d", name, total)

    def update(self, done: int) -> None:
        """Record the absolute count; log it when the throttle allows."""
        with self._lock:
            self._count(done)

    def advance(self, step: int = 1) -> None:
        """Record ``step`` more; log the count when the throttle allows."""
        with self._lock:
            if self._current is not None:
                self._count(self._current.done + step)

    def finish(self) -> None:
        """Log the end line of the current stage."""
        with self._lock:
            self._end(complete=True)

    def _close(self, ok: bool) -> None:
        with self._lock:
            self._end(complete=ok)

    def _count(self, done: int) -> None:
        state = self._current
        if state is None:
            return
        state = replace(state, done=done)
        now = self._clock()
        percent, shown = state.percent(), state.percent(state.shown)
        due = now - state.shown_at >= self._interval and done != state.shown
        if due and percent is not None and shown is not None:
            # Known total: also wait for the next step; 100 % is the end line's.
            due = percent - shown >= self._step and done < (state.total or 0)
        if due:
            state = replace(state, shown=done, shown_at=now)
            if percent is None:
                self._log.info("%s: %d", state.name, done)
            else:
                self._log.info(
                    "%s: %d/%d (%.0f%%)", state.name, done, state.total, percent
                )
        self._current = state

    def _end(self, *, complete: bool) -> None:
        state, self._current = self._current, None
        if state is None:
            return
        seconds = self._clock() - state.started
        if not complete:
            self._log.info(
                "%s: stopped at %s after %.1f s", state.name, _count(state), seconds
            )
            return
        if state.total is not None:
            state = replace(state, done=state.total)
        elif not state.done:  # a stage without steps: "encode: done in 4.1 s"
            self._log.info("%s: done in %.1f s", state.name, seconds)
            return
        self._log.info("%s: %s done in %.1f s", state.name, _count(state), seconds)


def _count(state: _Stage) -> str:
    if state.total is None:
        return str(state.done)
    return f"{state.done}/{state.total}"


class RichProgress(_Reporter):
    """One rich bar per stage on stderr; use as a context manager around the build."""

    def __init__(self, console: "Console | None" = None, *, transient: bool = False):
        from rich.console import Console
        from rich.progress import Progress as RichBars

        self.console = console or Console(stderr=True)
        self._bars: RichBars = RichBars(
            *_columns(),
            console=self.console,
            transient=transient,
            # Results go to stdout: never pull them into the stderr display.
            redirect_stdout=False,
        )
        self._lock = threading.Lock()
        self._task: TaskID | None = None
        self._live = False

    def stage(self, name: str, total: int | None = None) -> None:
        """Complete the previous bar and start a new one for ``name``."""
        with self._lock:
            self._complete()
            if not self._live:
                # Used without ``with``: draw anyway; __exit__ still has to stop it.
                self._bars.start()
                self._live = True
            self._task = self._bars.add_task(name, total=total)

    def update(self, done: int) -> None:
        """Set the current bar's count."""
        with self._lock:
            if self._task is not None:
                self._bars.update(self._task, completed=done)

    def advance(self, step: int = 1) -> None:
        """Move the current bar on by ``step``."""
        with self._lock:
            if self._task is not None:
                self._bars.advance(self._task, step)

    def finish(self) -> None:
        """Fill the current bar; the bars stay on screen until the ``with`` ends."""
        with self._lock:
            self._complete()

    def _open(self) -> None:
        with self._lock:
            if not self._live:
                self._bars.start()
                self._live = True

    def _close(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self._complete()
            # On an error the bar stays where it stopped, above the Error: line.
            self._task = None
            if self._live:
                self._bars.stop()
                self._live = False

    def _complete(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        state = self._bars.tasks[self._bars.task_ids.index(task)]
        # An unknown total becomes the count reached, so the bar ends full.
        total = state.total if state.total is not None else max(state.completed, 1)
        self._bars.update(task, total=total, completed=total)
        self._bars.stop_task(task)


def _columns() -> "tuple[ProgressColumn, ...]":
    """Name, bar, n/total, percent, elapsed, remaining (blank once finished)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Task,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RemainingColumn(TimeRemainingColumn):
        def render(self, task: Task) -> Text:
            return Text("") if task.finished else super().render(task)

    return (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        RemainingColumn(),
    )


def make_progress(
    quiet: bool,
    stream: TextIO | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Progress:
    """The reporter for ``stream`` (default stderr): null, bars or log lines.

    ``--quiet`` wins, then ``DIGEST_PROGRESS`` (auto, bars, lines, off), then a
    TTY whose ``TERM`` is not ``dumb`` gets bars; raises UsageError on a bad mode.
    """
    env = os.environ if env is None else env
    mode = env.get("DIGEST_PROGRESS", "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise UsageError(f"DIGEST_PROGRESS={mode!r}: use one of {', '.join(MODES)}")
    if quiet or mode == "off":
        return NullProgress()
    if mode == "lines":
        return LogProgress()
    target = sys.stderr if stream is None else stream
    terminal = _isatty(target) and env.get("TERM", "") != "dumb"
    if mode == "auto" and not terminal:
        return LogProgress()
    from rich.console import Console

    if stream is None and terminal:
        # stderr=True follows sys.stderr even when it is swapped later.
        return RichProgress(Console(stderr=True))
    return RichProgress(Console(file=target, force_terminal=True))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _ConsoleWriter:
    """A text stream that prints whole lines through a rich console."""

    def __init__(self, console: "Console") -> None:
        self._console = console
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            # Printed as plain text: a record's "[...]" is not rich markup.
            self._console.print(
                line, markup=False, highlight=False, emoji=False, soft_wrap=True
            )
        return len(text)

    def flush(self) -> None:
        """Lines are printed as they end; a partial line waits for its newline."""


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        return f"Warning: {text}" if record.levelno >= logging.WARNING else text


def setup_logging(quiet: bool) -> None:
    """digest's log lines go to stderr; warnings as ``Warning: ...``."""
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


@contextmanager
def routed_logs(progress: Progress, logger: logging.Logger) -> Iterator[None]:
    """While bars are live, print ``logger``'s terminal records above them.

    The logger's stream handlers keep their level and formatter; only their
    stream is swapped for the bars' console, and restored on exit. With log
    lines or no progress this does nothing.
    """
    if not isinstance(progress, RichProgress):
        yield
        return
    writer = _ConsoleWriter(progress.console)
    swapped: list[tuple[logging.StreamHandler[TextIO], TextIO]] = []
    for handler in logger.handlers:
        # A FileHandler is a StreamHandler too, but its lines cannot tear bars.
        if isinstance(handler, logging.StreamHandler) and not isinstance(
            handler, logging.FileHandler
        ):
            old = handler.setStream(writer)
            if old is not None:
                swapped.append((handler, old))
    try:
        yield
    finally:
        for handler, old in swapped:
            handler.setStream(old)


class Laps:
    """How long each stage took: call it with the stage's name as each ends."""

    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []
        self._clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings.append((stage, now - self._clock))
        self._clock = now
