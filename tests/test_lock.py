"""The output lock: builds into one folder take turns, and a dead holder frees it."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.errors import ExitCode, OutputError
from digest.publish.published import read_episodes
from digest.store.lock import holder_pid, lock_path, output_lock

from .conftest import EXAMPLES, REPO
from .test_crash import check_episode, digest_env

# Holds the lock of argv[1] until its stdin closes (or it is killed).
HOLDER = """
import sys
from pathlib import Path
from digest.store.lock import output_lock

with output_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


class Holder:
    """Another process holding a folder's lock."""

    def __init__(self, folder: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        """Leave the ``with`` block and exit."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0

    def kill(self) -> None:
        """SIGKILL: no ``finally`` runs; only the kernel can release the lock."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Holder]:
    """A second process holding the lock of ``tmp_path / "out"``."""
    held = Holder(tmp_path / "out")
    yield held
    if held.proc.poll() is None:
        held.kill()
    for stream in (held.proc.stdin, held.proc.stdout):
        if stream is not None:
            stream.close()


def test_lock_file_is_out_of_the_way(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    with output_lock(out) as path:
        assert path == lock_path(out) == out / ".cache" / "build.lock"
        assert holder_pid(out) == os.getpid()
        (out / "ep.mp3").write_bytes(b"")
        # Only the episode is in the folder's listing; the lock is under .cache/.
        assert [p.name for p in out.iterdir() if p.is_file()] == ["ep.mp3"]
    assert path.is_file()  # kept for the next build: deleting it would race


def test_free_lock_does_not_wait(tmp_path: Path) -> None:
    waits: list[int] = []
    with output_lock(tmp_path, timeout_s=0, on_wait=lambda: waits.append(1)):
        pass
    with output_lock(tmp_path, timeout_s=0, on_wait=lambda: waits.append(1)):
        pass
    assert waits == []


def test_held_lock_times_out_naming_folder_and_holder(
    tmp_path: Path, holder: Holder
) -> None:
    waits: list[float] = []
    start = time.monotonic()
    with (
        pytest.raises(OutputError) as raised,
        output_lock(tmp_path / "out", timeout_s=0.4, on_wait=lambda: waits.append(1.0)),
    ):
        pytest.fail("the lock was taken while another process held it")
    assert 0.4 <= time.monotonic() - start < 3
    assert waits == [1.0]  # told once, not once per poll
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'out'}: another build")
    assert f"(pid {holder.proc.pid})" in message
    assert raised.value.exit_code == ExitCode.OUTPUT


def test_waiter_gets_the_lock_when_the_holder_leaves(
    tmp_path: Path, holder: Holder
) -> None:
    waits: list[int] = []
    timer = threading.Timer(0.5, holder.release)
    timer.start()
    try:
        start = time.monotonic()
        with output_lock(tmp_path / "out", on_wait=lambda: waits.append(1)):
            waited = time.monotonic() - start
            assert holder.proc.poll() == 0
            assert holder_pid(tmp_path / "out") == os.getpid()
    finally:
        timer.join()
    assert waits == [1]
    assert 0.4 <= waited < 5


def test_lock_is_released_when_the_holder_is_killed(
    tmp_path: Path, holder: Holder
) -> None:
    with pytest.raises(OutputError), output_lock(tmp_path / "out", timeout_s=0.1):
        pass
    holder.kill()
    waits: list[int] = []
    with output_lock(tmp_path / "out", timeout_s=5, on_wait=lambda: waits.append(1)):
        assert holder_pid(tmp_path / "out") == os.getpid()
    assert waits == []  # the kernel dropped the dead holder's lock at once


def test_default_wait_message_is_logged(
    tmp_path: Path, holder: Holder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="digest")
    with pytest.raises(OutputError), output_lock(tmp_path / "out", timeout_s=0.1):
        pass
    assert (
        f"waiting for another build into {tmp_path / 'out'} to finish "
        f"(pid {holder.proc.pid})"
    ) in caplog.text


def test_threads_in_one_process_take_turns(tmp_path: Path) -> None:
    inside: list[int] = []
    overlaps: list[int] = []

    def work(n: int) -> None:
        with output_lock(tmp_path):
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            time.sleep(0.05)
            inside.remove(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert overlaps == []
    # Not re-entrant: a nested lock on the same folder waits like anyone else.
    with (
        output_lock(tmp_path),
        pytest.raises(OutputError),
        output_lock(tmp_path, timeout_s=0.1),
    ):
        pass


def test_deleted_lock_file_is_not_trusted(tmp_path: Path) -> None:
    """A waiter whose file was deleted meanwhile locks the file now at the path."""
    got: list[Path] = []

    def wait() -> None:
        with output_lock(tmp_path, timeout_s=10):
            got.append(lock_path(tmp_path))
            assert holder_pid(tmp_path) == os.getpid()

    with output_lock(tmp_path) as path:
        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.2)  # the waiter has opened the old file and is polling
        path.unlink()
    waiter.join(timeout=30)
    assert got == [lock_path(tmp_path)]
    assert lock_path(tmp_path).is_file()


@pytest.mark.parametrize("blocker", ["folder", ".cache"])
def test_unwritable_folder_is_an_output_error(tmp_path: Path, blocker: str) -> None:
    out = tmp_path / "out"
    if blocker == "folder":
        out.write_text("a file, not a folder")
    else:
        out.mkdir()
        (out / ".cache").write_text("a file, not a folder")
    with (
        pytest.raises(OutputError, match=r"out: cannot write here \("),
        output_lock(out),
    ):
        pass


# --- the real CLI -------------------------------------------------------------------

# Runs `digest` (argv[2:]) with the stages that write into the output folder traced:
# one "pid stage begin|end" line per call, appended to argv[1].
TRACED_DIGEST = """
import os
import sys

from digest import cli, pipeline

EVENTS = sys.argv[1]
STAGES = ("up_to_date_episode", "_assemble", "_publish", "write_sidecars",
          "write_manifest", "_refresh_feed")


def note(stage, phase):
    fd = os.open(EVENTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{os.getpid()} {stage} {phase}\\n".encode())
    finally:
        os.close(fd)


def traced(stage, fn):
    def run(*args, **kwargs):
        note(stage, "begin")
        try:
            return fn(*args, **kwargs)
        finally:
            note(stage, "end")
    return run


# Speech workers are spawned: they import this file too, and must not run it.
if __name__ == "__main__":
    for stage in STAGES:
        setattr(pipeline, stage, traced(stage, getattr(pipeline, stage)))
    sys.argv[0:2] = ["digest"]
    cli.run()
"""


@pytest.mark.integration
def test_concurrent_cli_builds_take_turns(tmp_path: Path) -> None:
    """Two `digest build`s into one folder at once: one builds, then the other.

    Without the lock both find no build record, both synthesize and encode, and
    their traced stages interleave; with it the second waits, then finds the
    first one's episode up to date.
    """
    out, events = tmp_path / "out", tmp_path / "events.txt"
    driver = tmp_path / "traced_digest.py"
    driver.write_text(TRACED_DIGEST, encoding="utf-8")
    args = [sys.executable, str(driver), str(events), "build", str(EXAMPLES)]
    args += ["-o", str(out / "ep.mp3"), "-n", "2", "--date", "2026-11-21"]
    env = digest_env(tmp_path)
    procs = [
        subprocess.Popen(
            args,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=600) for proc in procs]
    for proc, (_, stderr) in zip(procs, results, strict=True):
        assert proc.returncode == 0, stderr

    trace = [line.split() for line in events.read_text().splitlines()]
    pids = [int(pid) for pid, _, _ in trace]
    assert set(pids) == {proc.pid for proc in procs}
    # Each build's stages form one unbroken run: A A A ... B B, never A B A.
    runs = [pid for n, pid in enumerate(pids) if n == 0 or pids[n - 1] != pid]
    assert len(runs) == 2, "\n".join(" ".join(line) for line in trace)
    said = sorted(stdout.split(" ", 1)[0] for stdout, _ in results)
    assert said == ["Up", "Wrote"], results  # "Up to date:" and "Wrote"
    waiter = next(
        stderr for stdout, stderr in results if stdout.startswith("Up to date:")
    )
    assert "waiting for another build into" in waiter

    check_episode(out / "ep.mp3")
    assert [e.path.name for e in read_episodes(out)] == ["ep.mp3"]
    record = json.loads((out / ".cache" / "ep.build.json").read_text())
    assert record["files"]["ep.mp3"]["size"] == (out / "ep.mp3").stat().st_size
