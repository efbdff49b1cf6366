"""Bad input and faults through the real CLI (issue 6): one ``Error:`` line naming
the file and the problem, the documented exit code, no traceback, and the previous
episode, its sidecars, feed and clip cache left byte for byte as they were.

One table, one test. A real episode is built once per module; each row that
targets it works on a fresh copy, so one misbehaving row cannot spoil the next.
Damaged but usable input (a one-word review, a few bad bytes, a cut-off
character, a bad file in a folder) exits 0 with one ``Warning:`` line instead.
"""

import errno
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from digest.errors import ExitCode

from .conftest import EXAMPLES, REPO

pytestmark = pytest.mark.integration

INPUTS = Path(__file__).parent / "fixtures" / "inputs"
GOOD = EXAMPLES / "orbit-of-ash.txt"
GOOD_TITLE = "Orbit of Ash"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))
NAV_ONLY = (
    "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a> "
    "<a href='/films'>Films</a></nav><footer>Copyright 2024</footer></body></html>"
)
# UTF-8 text (its "é" and "—" make that clear) with one byte that is not.
BAD_BYTES = (GOOD.read_text(encoding="utf-8") + "Café — naïve.").encode() + b"\x81\n"
TIMEOUT_S = 300
# Peak resident memory allowed for a build from a 50 MB text file.
MAX_RSS_KB = 400 * 1024


@dataclass(frozen=True, slots=True)
class Ran:
    """What one CLI run did, with the peak memory of that process alone."""

    code: int
    stdout: str
    stderr: str
    max_rss_kb: int

    def lines(self, prefix: str) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(prefix)]


def run_cli(
    args: list[str],
    cwd: Path,
    env: Mapping[str, str],
    preexec: Callable[[], None] | None = None,
) -> Ran:
    """``python -m digest ARGS`` in a child; ``wait4`` gives that child's own usage."""
    out, err = cwd / ".stdout", cwd / ".stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "digest", *args],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=preexec,
        )
        killer = threading.Timer(TIMEOUT_S, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    ran = Ran(
        proc.returncode,
        out.read_text(errors="replace"),
        err.read_text(errors="replace"),
        usage.ru_maxrss,
    )
    out.unlink()
    err.unlink()
    return ran


def base_env(home: Path) -> dict[str, str]:
    """This environment without DIGEST_*, with a private HOME and this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO)
    env["DIGEST_NO_NLTK_DATA"] = "1"  # the built-in Punkt model: no data needed
    return env


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (the clip cache too) → its sha256.

    Not the build lock: it holds the PID of whichever build took it last.
    """
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "build.lock"
    }


@dataclass(frozen=True, slots=True)
class Episode:
    """The module's real episode: its folder and the command that built it."""

    folder: Path
    args: tuple[str, ...]


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> Episode:
    """Build one real episode (MP3, sidecars, feed, clip cache) for the module."""
    root = tmp_path_factory.mktemp("episode")
    home = root / "home"
    home.mkdir()
    folder = root / "out"
    args = ("-q", "build", str(GOOD), "-n", "1", "--date", "2026-11-21")
    ran = run_cli([*args, "-o", str(folder / "ep.mp3")], root, base_env(home))
    assert ran.code == 0, ran.stderr
    assert {"ep.mp3", "ep.vtt", "feed.xml"} <= set(os.listdir(folder))
    assert any((folder / ".cache" / "clips").rglob("*.wav"))
    return Episode(folder, args)


# --- making the bad inputs ----------------------------------------------------------


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def good_text() -> str:
    return GOOD.read_text(encoding="utf-8")


def make_big_text(tmp: Path) -> None:
    """A 50 MB text file: the good review over and over."""
    block = (good_text().split("\n\n", 1)[1].strip() + "\n\n").encode("utf-8")
    with (tmp / "huge.txt").open("wb") as handle:
        for _ in range(50_000_000 // len(block) + 1):
            handle.write(block)


def make_duplicates(tmp: Path) -> None:
    write(tmp / "dup" / "a.txt", good_text())
    write(tmp / "dup" / "b.txt", good_text().replace("\n", "\n\n").upper())


def make_folder_with_a_bad_file(tmp: Path) -> None:
    write(tmp / "mixed" / "a-good.txt", good_text())
    write(tmp / "mixed" / "b-poster.txt", PNG)


def make_folder_of_bad_files(tmp: Path) -> None:
    write(tmp / "allbad" / "empty.txt", b"")
    write(tmp / "allbad" / "poster.md", PNG)


def make_espeak_shim(tmp: Path) -> None:
    """An ``espeakng_loader`` that fails to import, as when the wheel is missing."""
    write(tmp / "shim" / "espeakng_loader" / "__init__.py", "raise ImportError\n")


def copy_hostile(name: str) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        shutil.copy(INPUTS / "hostile" / name, tmp / name)

    return make


def writer(name: str, data: bytes | str) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        write(tmp / name, data)

    return make


def nothing(tmp: Path) -> None:
    """The row needs no input file of its own."""


def fill_to_the_limit(limit: int) -> Callable[[], None]:
    """preexec_fn: files may grow to ``limit`` bytes; past it a write fails (EFBIG)."""

    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


# --- the table ----------------------------------------------------------------------

EPISODE = "{episode}"  # stands for the output MP3 in the copy of the real episode
FRESH = "{fresh}"  # an output MP3 in an empty folder of the row's own


@dataclass(frozen=True, slots=True)
class Row:
    """One bad input or fault: how to make it, the command, what must come out.

    ``error`` is a substring of the one ``Error:`` line (exit code not 0), else of
    the one ``Warning:`` line (exit 0). ``{tmp}`` in args and env is the row's
    folder; args naming ``{episode}`` run against a copy of the real episode,
    which must be byte-identical afterwards.
    """

    name: str
    make: Callable[[Path], None]
    args: tuple[str, ...]
    code: ExitCode
    error: str
    env: Mapping[str, str] = field(default_factory=dict)
    preexec: Callable[[], None] | None = None
    stdout: str = ""
    max_rss_kb: int | None = None
    tmpfs: bool = False
    # Lines a C library prints on its own when a resource limit bites (the
    # process's file-size limit makes libc-level code report "ftruncate() failed").
    stray: tuple[str, ...] = ()


def build(*paths: str, out: str = EPISODE, dry: bool = False) -> tuple[str, ...]:
    return ("-q", "build", *paths, "-o", out, "-n", "1", "--date", "2026-11-21") + (
        ("--dry-run",) if dry else ()
    )


ROWS = [
    Row("missing path", nothing, build("{tmp}/gone.txt"), ExitCode.INPUT,
        "gone.txt: no such file or folder"),
    Row("folder without reviews", writer("art/cover.png", PNG), build("{tmp}/art"),
        ExitCode.INPUT, "art: no reviews in this folder"),
    Row("empty file", writer("empty.txt", b""), build("{tmp}/empty.txt"),
        ExitCode.INPUT, "empty.txt: review is empty"),
    Row("whitespace-only file", writer("blank.md", " \n\t\r\n  \n"),
        build("{tmp}/blank.md"), ExitCode.INPUT, "blank.md: review is empty"),
    Row("binary file", writer("poster.txt", PNG), build("{tmp}/poster.txt"),
        ExitCode.INPUT, "poster.txt: looks like a binary file, not text"),
    Row("malformed JSON", writer("bad.json", '[{"title": "x",\n "text": }]'),
        build("{tmp}/bad.json"), ExitCode.INPUT, "bad.json:2: malformed JSON"),
    Row("malformed CSV", writer("bad.csv", 'title,text\n"A,"unterminated\n'),
        build("{tmp}/bad.csv"), ExitCode.INPUT, "bad.csv:2: malformed CSV"),
    Row("malformed front matter", writer("front.md", "---\ntitle: [x\n---\nText.\n"),
        build("{tmp}/front.md"), ExitCode.INPUT, "front.md:2: malformed front matter"),
    Row("malformed XML", writer("broken.rss", '<?xml version="1.0"?><rss><channel>'),
        build("{tmp}/broken.rss"), ExitCode.INPUT, "broken.rss: malformed feed XML"),
    Row("XML entity bomb", copy_hostile("billion-laughs.xml"),
        build("{tmp}/billion-laughs.xml"), ExitCode.INPUT,
        "billion-laughs.xml: refused: the XML declares an entity"),
    Row("XML external entity", copy_hostile("external-entity.rss"),
        build("{tmp}/external-entity.rss"), ExitCode.INPUT,
        "external-entity.rss: refused: the XML declares an entity"),
    Row("XML parameter entity", copy_hostile("parameter-entity.atom"),
        build("{tmp}/parameter-entity.atom"), ExitCode.INPUT,
        "parameter-entity.atom: refused: the XML declares an entity"),
    Row("HTML without an article", writer("nav.html", NAV_ONLY),
        build("{tmp}/nav.html"), ExitCode.INPUT, "nav.html: no article text found"),
    Row("folder of bad files only", make_folder_of_bad_files, build("{tmp}/allbad"),
        ExitCode.INPUT, "allbad: no usable reviews (2 file(s) skipped"),
    Row("output under a regular file", writer("a-file", "not a folder"),
        build(str(GOOD), out="{tmp}/a-file/ep.mp3"), ExitCode.OUTPUT,
        "a-file: cannot write here"),
    Row("output is a folder", nothing, build(str(GOOD), out="{episode_dir}"),
        ExitCode.OUTPUT, "out: is a folder"),
    Row("ffmpeg missing", nothing, (*build(str(GOOD)), "--force"),
        ExitCode.MISSING_DEPENDENCY, "ffmpeg not found on PATH",
        env={"DIGEST_FFMPEG": "system", "PATH": "{tmp}"}),
    Row("espeak missing", make_espeak_shim, (*build(str(GOOD)), "--force"),
        ExitCode.MISSING_DEPENDENCY, "libespeak-ng not found",
        env={"DIGEST_ESPEAK": "bundled", "PYTHONPATH": f"{{tmp}}/shim:{REPO}"}),
    Row("disk full: file size limit", nothing, (*build(str(GOOD)), "--force"),
        ExitCode.OUTPUT, os.strerror(errno.EFBIG),
        preexec=fill_to_the_limit(1_000_000),
        stray=("ftruncate() failed",)),
    Row("disk full: tmpfs", nothing, (*build(str(GOOD)), "--force"), ExitCode.OUTPUT,
        "ep.mp3: cannot write (No space left on device)", tmpfs=True),
    # damaged but usable: exit 0 and one warning
    Row("one-word review", writer("one.txt", "Brilliant.\n"),
        build("{tmp}/one.txt", out=FRESH), ExitCode.OK,
        "one.txt: 'One' has only 1 word(s)", stdout="Wrote "),
    Row("a few invalid bytes", writer("bytes.txt", BAD_BYTES),
        build("{tmp}/bytes.txt", out=FRESH, dry=True), ExitCode.OK,
        "bytes.txt: 1 byte sequence(s) not valid UTF-8", stdout=GOOD_TITLE),
    Row("truncated UTF-8", writer("cut.txt", good_text().encode() + b" caf\xc3"),
        build("{tmp}/cut.txt", out=FRESH, dry=True), ExitCode.OK,
        "cut.txt: ends in the middle of a UTF-8 character", stdout=GOOD_TITLE),
    Row("50 MB text file", make_big_text,
        build("{tmp}/huge.txt", out=FRESH, dry=True), ExitCode.OK,
        "huge.txt: larger than 1 MiB; only the start is read", stdout="Huge",
        max_rss_kb=MAX_RSS_KB),
    Row("duplicate reviews", make_duplicates,
        build("{tmp}/dup", out=FRESH, dry=True), ExitCode.OK,
        f"b.txt: '{GOOD_TITLE.upper()}' has the same text as '{GOOD_TITLE}'",
        stdout=GOOD_TITLE),
    Row("folder with one bad file", make_folder_with_a_bad_file,
        build("{tmp}/mixed", out=FRESH, dry=True), ExitCode.OK,
        "b-poster.txt: looks like a binary file, not text; skipped",
        stdout=GOOD_TITLE),
]  # fmt: skip


def _id(row: object) -> str:
    return row.name if isinstance(row, Row) else str(row)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs (needs root and mount); skipped where it cannot be had."""
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {made.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` until only ``leave`` bytes are free."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with (folder / "filler").open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave))


@pytest.mark.parametrize("row", ROWS, ids=_id)
def test_bad_input_is_one_clear_line(
    row: Row, episode: Episode, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    row.make(tmp_path)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    target = tmp_path / "out"
    if row.tmpfs:
        target = request.getfixturevalue("tmpfs") / "out"
    shutil.copytree(episode.folder, target)
    if row.tmpfs:
        fill(target, leave=64 * 1024)
    before = snapshot(target)

    def filled(text: str) -> str:
        return text.format(
            tmp=tmp_path,
            episode=target / "ep.mp3",
            episode_dir=target,
            fresh=tmp_path / "fresh" / "ep.mp3",
        )

    env = base_env(home) | {k: filled(v) for k, v in row.env.items()}
    ran = run_cli([filled(a) for a in row.args], tmp_path, env, row.preexec)

    assert "Traceback" not in ran.stderr + ran.stdout, ran.stderr
    assert ran.code == row.code, ran.stderr
    errors, warnings = ran.lines("Error:"), ran.lines("Warning:")
    if row.code == ExitCode.OK:
        assert errors == [], ran.stderr
        assert len(warnings) == 1, ran.stderr
        assert row.error in warnings[0], ran.stderr
    else:
        assert len(errors) == 1, ran.stderr
        assert row.error in errors[0], errors[0]
    assert row.stdout in ran.stdout, ran.stdout
    # with -q, stderr carries nothing but these lines (no stray engine chatter)
    other = [
        line
        for line in ran.stderr.splitlines()
        if not line.startswith(("Error:", "Warning:"))
        and not any(line.startswith(s) for s in row.stray)
    ]
    assert other == [], ran.stderr
    if row.max_rss_kb is not None:
        assert ran.max_rss_kb < row.max_rss_kb, f"{ran.max_rss_kb} kB"
    assert snapshot(target) == before  # the previous episode and cache untouched
