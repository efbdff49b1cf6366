"""Progress reporters: throttled log lines, silence, rich bars, and the choice."""

import io
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from rich.console import Console

from digest.errors import UsageError
from digest.run.progress import (
    LogProgress,
    NullProgress,
    Progress,
    RichProgress,
    make_progress,
    routed_logs,
)

from .conftest import REPO


class Clock:
    """A hand-wound monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Stream(io.StringIO):
    """A text stream that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture
def records() -> Iterator[list[str]]:
    """Messages the "digest" logger emits, as a list."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("digest")
    handler = Collect()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def rich_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=100), out


def test_log_lines_start_end_and_throttle(records: list[str]) -> None:
    clock = Clock()
    with LogProgress(clock=clock) as progress:
        progress.stage("synthesize", 100)
        for done in range(1, 101):
            clock.now += 0.5  # 50 s in all: the 10 % step is the limit
            progress.update(done)
        progress.stage("encode")
        clock.now += 3
    assert records[0] == "synthesize: 0/100"
    middle = records[1:-3]
    assert middle == [f"synthesize: {n}/100 ({n}%)" for n in range(10, 100, 10)]
    assert records[-3] == "synthesize: 100/100 done in 50.0 s"
    assert records[-2:] == ["encode: started", "encode: done in 3.0 s"]


def test_log_lines_at_most_every_two_seconds(records: list[str]) -> None:
    clock = Clock()
    progress = LogProgress(clock=clock)
    progress.stage("synthesize", 100)
    for _ in range(100):
        clock.now += 1 / 16  # 6.25 s in all: the 2 s interval is the limit
        progress.advance()
    progress.finish()
    assert records == [
        "synthesize: 0/100",
        "synthesize: 32/100 (32%)",
        "synthesize: 64/100 (64%)",
        "synthesize: 96/100 (96%)",
        "synthesize: 100/100 done in 6.2 s",
    ]


def test_log_fast_stage_has_only_start_and_end(records: list[str]) -> None:
    progress = LogProgress()
    progress.stage("summarize", 5)
    for done in range(1, 6):
        progress.update(done)
    progress.finish()
    progress.finish()  # a second finish has nothing to end
    assert len(records) == 2
    assert records[0] == "summarize: 0/5"
    assert records[1].startswith("summarize: 5/5 done in ")


def test_log_unknown_total_counts_by_time(records: list[str]) -> None:
    clock = Clock()
    progress = LogProgress(clock=clock)
    progress.stage("summarize")
    for _ in range(3):
        clock.now += 1.5
        progress.advance()
    progress.finish()
    assert records == [
        "summarize: started",
        "summarize: 2",
        "summarize: 3 done in 4.5 s",
    ]


def test_log_error_says_where_it_stopped(records: list[str]) -> None:
    clock = Clock()
    progress = LogProgress(clock=clock)

    def fail() -> None:
        with progress:
            progress.stage("synthesize", 10)
            progress.update(3)
            clock.now += 1
            raise RuntimeError("engine died")

    with pytest.raises(RuntimeError):
        fail()
    assert records[-1] == "synthesize: stopped at 3/10 after 1.0 s"


def test_log_calls_outside_a_stage_are_ignored(records: list[str]) -> None:
    progress = LogProgress()
    progress.update(3)
    progress.advance()
    progress.finish()
    assert records == []


def test_null_prints_nothing(
    records: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with NullProgress() as progress:
        progress.stage("synthesize", 3)
        progress.advance()
        progress.update(3)
        progress.finish()
    assert records == []
    assert capsys.readouterr() == ("", "")


def test_rich_draws_a_bar_per_stage() -> None:
    console, out = rich_console()
    with RichProgress(console) as progress:
        progress.stage("summarize", 4)
        for _ in range(4):
            progress.advance()
        progress.stage("synthesize", 12)
        for done in range(1, 13):
            progress.update(done)
        progress.stage("encode")  # unknown total: ends as a full bar
    text = out.getvalue()
    for line in ("summarize", "synthesize", "encode"):
        assert line in text
    assert "4/4" in text
    assert "12/12" in text
    assert "1/1" in text
    assert "100%" in text
    assert console.is_terminal
    assert "\x1b[?25h" in text  # the cursor is shown again at the end


def test_rich_error_leaves_the_bar_where_it_stopped() -> None:
    console, out = rich_console()
    progress = RichProgress(console)

    def fail() -> None:
        with progress:
            progress.stage("synthesize", 10)
            progress.update(3)
            raise RuntimeError("engine died")

    with pytest.raises(RuntimeError):
        fail()
    assert "3/10" in out.getvalue()
    assert "10/10" not in out.getvalue()


def test_rich_without_with_stops_on_exit_call() -> None:
    console, out = rich_console()
    progress = RichProgress(console)
    progress.stage("summarize", 2)
    progress.update(2)
    progress.finish()
    progress.__exit__(None, None, None)
    assert "2/2" in out.getvalue()


def test_routed_logs_print_above_the_bars() -> None:
    console, out = rich_console()
    logger = logging.getLogger("digest.test_progress")
    original = io.StringIO()
    handler = logging.StreamHandler(original)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        progress = RichProgress(console)
        with progress, routed_logs(progress, logger):
            progress.stage("synthesize", 2)
            logger.warning("clip [1] was slow")
            progress.update(2)
        logger.warning("after the bars")
    finally:
        logger.removeHandler(handler)
    assert "clip [1] was slow\n" in out.getvalue()  # markup-looking text kept
    assert original.getvalue() == "after the bars\n"
    assert handler.stream is original


def test_routed_logs_leave_plain_progress_alone() -> None:
    logger = logging.getLogger("digest.test_progress_plain")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        stream = handler.stream
        with routed_logs(LogProgress(), logger):
            assert handler.stream is stream
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("progress", "expected"),
    [(LogProgress, "4/4 done in"), (RichProgress, "4/4")],
)
def test_advance_from_threads(
    progress: type[LogProgress] | type[RichProgress],
    expected: str,
    records: list[str],
) -> None:
    console, out = rich_console()
    reporter: Progress = (
        RichProgress(console) if progress is RichProgress else LogProgress()
    )
    with reporter:
        reporter.stage("synthesize", 4 * 50)
        workers = [
            threading.Thread(target=lambda: [reporter.advance() for _ in range(50)])
            for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if isinstance(reporter, RichProgress):
            task = reporter._bars.tasks[0]
            assert task.completed == 200
    text = out.getvalue() if progress is RichProgress else "\n".join(records)
    assert "200/200" in text


@pytest.mark.parametrize(
    ("quiet", "tty", "env", "kind"),
    [
        (False, True, {"TERM": "xterm-256color"}, RichProgress),
        (False, True, {"TERM": "xterm", "NO_COLOR": "1"}, RichProgress),
        (False, True, {"TERM": "dumb"}, LogProgress),
        (False, False, {"TERM": "xterm"}, LogProgress),
        (True, True, {"TERM": "xterm"}, NullProgress),
        (True, False, {}, NullProgress),
        (False, False, {"DIGEST_PROGRESS": "bars"}, RichProgress),
        (False, True, {"DIGEST_PROGRESS": "lines"}, LogProgress),
        (False, True, {"DIGEST_PROGRESS": "off"}, NullProgress),
        (False, True, {"DIGEST_PROGRESS": " AUTO "}, RichProgress),
        (True, True, {"DIGEST_PROGRESS": "bars"}, NullProgress),
    ],
)
def test_factory_choice(
    quiet: bool, tty: bool, env: dict[str, str], kind: type[object]
) -> None:
    progress = make_progress(quiet, Stream(tty), env=env)
    assert type(progress) is kind


def test_factory_bars_draw_on_the_given_stream() -> None:
    stream = Stream(tty=True)
    with make_progress(False, stream, env={"TERM": "xterm"}) as progress:
        progress.stage("encode", 1)
        progress.update(1)
    assert "encode" in stream.getvalue()


def test_factory_defaults_to_stderr_and_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DIGEST_PROGRESS", raising=False)
    # pytest's captured stderr is not a terminal.
    assert isinstance(make_progress(False), LogProgress)
    monkeypatch.setenv("DIGEST_PROGRESS", "off")
    assert isinstance(make_progress(False), NullProgress)


def test_factory_rejects_an_unknown_mode() -> None:
    with pytest.raises(UsageError, match="DIGEST_PROGRESS='fancy'"):
        make_progress(False, Stream(True), env={"DIGEST_PROGRESS": "fancy"})


def test_closed_stream_is_not_a_terminal() -> None:
    closed = io.StringIO()
    closed.close()  # isatty() now raises ValueError
    assert isinstance(make_progress(False, closed, env={}), LogProgress)


def test_import_creates_nothing() -> None:
    code = (
        "import sys, digest.run.progress; "
        "print(any(m.startswith('rich') for m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"  # no console, not even rich imported
