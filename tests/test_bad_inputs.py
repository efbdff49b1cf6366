"""Bad input and faults through the real CLI (issue 6): one ``Error:`` line naming
the file and the problem, the documented exit code, no traceback, and the previous
episode, its sidecars, feed and clip cache left byte for byte as they were.

One table, one test. A real episode is built once per module; each row that
targets it works on a fresh copy, so one misbehaving row cannot spoil the next.
Damaged but usable input (a one-word review, a few bad bytes, a cut-off
character, a bad file in a folder) exits 0 with one ``Warning:`` line instead.

Issue 19 added the classes a wider attack matrix found: inputs that hung a build
(alias bombs, endless music or cover files, huge template widths), tracebacks
(impossible dates, closed stdin, absurd nesting, a full stdout), outputs that
are not ours to replace (devices, FIFOs, the reviews themselves), temporary
folders left by SIGTERM and SIGKILL, and misleading results (truncated covers,
endless sentences, malformed URLs, redirects to other hosts, ``--seconds inf``).
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
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
    for name in ("http_proxy", "https_proxy", "all_proxy"):  # loopback only
        env.pop(name, None)
        env.pop(name.upper(), None)
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


def front(matter: str) -> str:
    """The good review with ``matter`` as its YAML front matter."""
    return f"---\n{matter}\n---\n{good_text()}"


# Each level holds nine references to the one before: 9**8 strings when expanded.
ALIAS_BOMB = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    + ["title: Bomb"]
)


def make_fifo(tmp: Path) -> None:
    os.mkfifo(tmp / "pipe.mp3")


def sparse(name: str, size: int) -> Callable[[Path], None]:
    """A file of ``size`` bytes that takes no disk space (a hole)."""

    def make(tmp: Path) -> None:
        with (tmp / name).open("wb") as handle:
            handle.truncate(size)

    return make


def make_truncated_jpeg(tmp: Path) -> None:
    from PIL import Image

    image = Image.effect_noise((1400, 1400), 60).convert("RGB")
    image.save(tmp / "whole.jpg", quality=90)
    data = (tmp / "whole.jpg").read_bytes()
    write(tmp / "cut.jpg", data[: len(data) * 2 // 3])


def make_long_sentence(tmp: Path) -> None:
    """One sentence of 20,000 words, commas here and there, and nothing else."""
    words = "the film drifts, slowly and without hurry through a grey city".split()
    body = " ".join(words[n % len(words)] for n in range(20_000))
    write(tmp / "endless.txt", f"Endless\n\nIn short, {body}.\n")


def close_stdin() -> None:
    """preexec_fn: the child starts with no fd 0 (``digest build - <&-``)."""
    os.close(0)


def stdout_to_full() -> None:
    """preexec_fn: stdout is /dev/full, where every write fails with ENOSPC."""
    os.dup2(os.open("/dev/full", os.O_WRONLY), 1)


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


MAX_MUSIC_BYTES = 1 << 30  # README: the largest music file accepted
MAX_COVER_BYTES = 64 << 20  # README: the largest cover file accepted
# typer's own usage error adds its usage lines to the Error: line.
USAGE_LINES = ("Usage: ", "Try ")


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
        preexec=fill_to_the_limit(100_000),
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
    # --- issue 19: inputs that hung a build --------------------------------------
    Row("front matter alias bomb", writer("bomb.md", front(ALIAS_BOMB)),
        build("{tmp}/bomb.md"), ExitCode.INPUT,
        "bomb.md:6: front matter expands to more than 10,000 values"),
    Row("music is /dev/zero", nothing, (*build(str(GOOD)), "--music", "/dev/zero"),
        ExitCode.INPUT, "/dev/zero: music file is not a regular file"),
    Row("music is a FIFO", make_fifo,
        (*build(str(GOOD)), "--music", "{tmp}/pipe.mp3"), ExitCode.INPUT,
        "pipe.mp3: music file is not a regular file"),
    Row("music over the size limit", sparse("huge.wav", MAX_MUSIC_BYTES + 1),
        (*build(str(GOOD)), "--music", "{tmp}/huge.wav"), ExitCode.INPUT,
        f"huge.wav: music file is {MAX_MUSIC_BYTES + 1:,} bytes; the largest "
        f"accepted is {MAX_MUSIC_BYTES:,} bytes"),
    Row("cover is /dev/urandom", nothing,
        (*build(str(GOOD)), "--cover", "/dev/urandom"), ExitCode.INPUT,
        "/dev/urandom: cover art is not a regular file"),
    Row("cover over the size limit", sparse("huge.png", MAX_COVER_BYTES + 1),
        (*build(str(GOOD)), "--cover", "{tmp}/huge.png"), ExitCode.INPUT,
        f"huge.png: cover art is {MAX_COVER_BYTES + 1:,} bytes"),
    Row("template with a huge width",
        writer("wide.toml", 'intro = "{show:>900000000}"'),
        (*build(str(GOOD)), "--templates", "{tmp}/wide.toml"), ExitCode.CONFIG,
        "wide.toml: key 'intro': {show:>900000000}: widths over 999"),
    Row("template with a nested width",
        writer("nested.toml", 'outro = "{show:>{show}}"'),
        (*build(str(GOOD)), "--templates", "{tmp}/nested.toml"), ExitCode.CONFIG,
        "nested placeholders are not allowed"),
    # --- issue 19: tracebacks ----------------------------------------------------
    Row("impossible front-matter date", writer("date.md", front("date: 2024-13-45")),
        build("{tmp}/date.md"), ExitCode.INPUT,
        "date.md:2: malformed front matter (month must be in 1..12)"),
    Row("closed stdin", nothing, build("-"), ExitCode.INPUT,
        "<stdin>: standard input is closed", preexec=close_stdin),
    Row("front matter 20,000 levels deep",
        writer("deep.md", front("title: " + "[" * 20_000 + "]" * 20_000)),
        build("{tmp}/deep.md"), ExitCode.INPUT,
        "deep.md:2: front matter nested deeper than 20 levels"),
    Row("stdout on a full device", nothing, ("-q", "summarize", str(GOOD)),
        ExitCode.OUTPUT, "<stdout>: cannot write (No space left on device)",
        preexec=stdout_to_full),
    # --- issue 19: outputs that are not ours to replace ----------------------------
    Row("output is a FIFO", make_fifo, build(str(GOOD), out="{tmp}/pipe.mp3"),
        ExitCode.OUTPUT, "pipe.mp3: not a regular file (a device, FIFO or socket)"),
    Row("output is the input", writer("mine.txt", good_text()),
        build("{tmp}/mine.txt", out="{tmp}/mine.txt"), ExitCode.OUTPUT,
        "mine.txt: is one of the input files"),
    Row("a sidecar is the input", writer("ep.md", good_text()),
        build("{tmp}/ep.md", out="{tmp}/ep.mp3"), ExitCode.OUTPUT,
        "ep.md: is one of the input files"),
    # --- issue 19: wrong or misleading results -------------------------------------
    Row("truncated JPEG cover", make_truncated_jpeg,
        (*build(str(GOOD), out=FRESH), "--cover", "{tmp}/cut.jpg"), ExitCode.INPUT,
        "cut.jpg: cover art is damaged or cut short"),
    Row("one 20,000-word sentence", make_long_sentence,
        build("{tmp}/endless.txt", out=FRESH, dry=True), ExitCode.OK,
        "Endless: a sentence of 20002 words is read in", stdout="Dry run"),
    Row("malformed URL", nothing, ("-q", "summarize", "http:/x"), ExitCode.INPUT,
        "http:/x: malformed URL"),
    Row("redirect to another host", nothing, ("-q", "summarize", "{base}/elsewhere"),
        ExitCode.NETWORK, "/elsewhere: redirected to another host (http://localhost:"),
    Row("--seconds inf", nothing, (*build(str(GOOD)), "--seconds", "inf"),
        ExitCode.USAGE, "Invalid value for '--seconds'", stray=USAGE_LINES),
]  # fmt: skip


def _id(row: object) -> str:
    return row.name if isinstance(row, Row) else str(row)


class _Redirects(BaseHTTPRequestHandler):
    """A loopback server whose /elsewhere redirects to another host name."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep the test output clean."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        port = self.server.server_address[1]
        if self.path == "/elsewhere":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/text")
            self.end_headers()
            return
        body = good_text().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The base URL of a loopback HTTP server for the module's rows."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Redirects)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


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
    row: Row,
    episode: Episode,
    server: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
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
            base=server,
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
        if line.strip()
        and not line.startswith(("Error:", "Warning:"))
        and not any(line.startswith(s) for s in row.stray)
    ]
    assert other == [], ran.stderr
    if row.max_rss_kb is not None:
        assert ran.max_rss_kb < row.max_rss_kb, f"{ran.max_rss_kb} kB"
    assert snapshot(target) == before  # the previous episode and cache untouched


# --- issue 19: signals and temporary folders -----------------------------------------


def start_build(target: Path, scratch: Path) -> subprocess.Popen[bytes]:
    """A longer build than the episode's into ``target`` (no cache: all real work)."""
    env = base_env(scratch.parent / "home") | {"TMPDIR": str(scratch)}
    (scratch.parent / "home").mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "-q", "build", str(EXAMPLES), "-n", "3",
         "--date", "2026-11-21", "-o", str(target / "ep.mp3"), "--no-cache"],
        cwd=scratch.parent, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def work_folders(scratch: Path) -> list[Path]:
    return sorted(p for p in scratch.glob("digest-*") if p.is_dir())


def wait_for_work_folder(
    proc: subprocess.Popen[bytes], scratch: Path, known: tuple[Path, ...] = ()
) -> None:
    """Wait until the build has made its temporary work folder (it is mid-build)."""
    deadline = time.monotonic() + 120
    while not set(work_folders(scratch)) - set(known):
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "no work folder appeared"
        time.sleep(0.05)
    time.sleep(0.3)  # well inside the work, speech workers started


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_build_cleans_up(
    signum: signal.Signals, episode: Episode, tmp_path: Path
) -> None:
    """SIGTERM (and SIGHUP) unwind like Ctrl-C: 128 + the signal, nothing left."""
    target, scratch = tmp_path / "out", tmp_path / "scratch"
    shutil.copytree(episode.folder, target)
    scratch.mkdir()
    before = snapshot(target)
    proc = start_build(target, scratch)
    wait_for_work_folder(proc, scratch)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    stderr = err.decode()
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr, stderr
    assert "Error: interrupted; the previous episode is untouched" in stderr
    assert work_folders(scratch) == []
    assert snapshot(target) == before


def test_a_killed_builds_work_folder_is_swept_next_time(
    episode: Episode, tmp_path: Path
) -> None:
    """SIGKILL skips every cleanup; the next build removes what it left, and
    nothing else: a folder without digest's marker, or of a live process, stays."""
    target, scratch = tmp_path / "out", tmp_path / "scratch"
    shutil.copytree(episode.folder, target)
    scratch.mkdir()
    stranger = scratch / "digest-not-ours"
    stranger.mkdir()
    alive = scratch / "digest-alive"
    alive.mkdir()
    (alive / ".digest-owner").write_text(f"digest {os.getpid()}\n")
    proc = start_build(target, scratch)
    wait_for_work_folder(proc, scratch, known=(stranger, alive))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    left = set(work_folders(scratch)) - {stranger, alive}
    assert left, "the killed build left no work folder to sweep"
    again = start_build(target, scratch)
    _, err = again.communicate(timeout=TIMEOUT_S)
    assert again.returncode == 0, err.decode()
    assert work_folders(scratch) == sorted([stranger, alive])
