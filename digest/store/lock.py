"""The output lock: one build at a time per output folder.

In: the output folder. Out: ``<folder>/.cache/build.lock``, held with
``fcntl.flock`` for as long as the ``with`` block runs and holding the PID of the
build that has it (informational: the message a waiting build logs names it).
The kernel drops a flock when its process dies, even by SIGKILL, so a killed
build never leaves the folder locked; the file itself is left in place (deleting
it while others wait would let two builds in at once).

The file sits under ``.cache/`` so that nothing listing the folder's episodes,
sidecars or feed ever sees it. A lock is held per open file, not per process: a
second ``output_lock`` on the same folder waits even in the same process, so
don't nest them.
"""

import contextlib
import errno
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from digest.errors import OutputError
from digest.store.layout import lock_file

log = logging.getLogger("digest")

# Polling (not a blocking flock) is what makes a timeout possible; the interval
# grows to POLL_MAX_S so a long wait costs next to nothing.
POLL_MIN_S = 0.05
POLL_MAX_S = 0.5


def lock_path(folder: Path) -> Path:
    """Where the lock of the output folder ``folder`` lives."""
    return lock_file(folder)


def _open(folder: Path) -> int:
    path = lock_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        # Worded like publish's own check, which this now runs before.
        raise OutputError(
            f"{folder}: cannot write here ({exc.strerror or exc})"
        ) from exc


def _try_lock(fd: int, path: Path) -> bool:
    """Take the lock without waiting; False when another open file holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise OutputError(
            f"{path}: cannot lock ({exc.strerror or exc}); "
            "is the output folder on a file system without locks?"
        ) from exc
    return True


def _still_linked(fd: int, path: Path) -> bool:
    """True when ``fd`` is still the file at ``path`` (not deleted or replaced)."""
    try:
        here = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)


def holder_pid(folder: Path) -> int | None:
    """The PID recorded by the build that holds (or last held) the folder's lock."""
    try:
        text = lock_path(folder).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _record_pid(fd: int) -> None:
    # Informational only, so a failure to write it is no reason to stop a build.
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)


def _default_wait_message(folder: Path) -> None:
    pid = holder_pid(folder)
    by = f" (pid {pid})" if pid is not None else ""
    log.info("waiting for another build into %s to finish%s", folder, by)


def _acquire(
    folder: Path, timeout_s: float | None, on_wait: Callable[[], None] | None
) -> int:
    path = lock_path(folder)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    waited = False
    pause = POLL_MIN_S
    fd = _open(folder)
    try:
        while True:
            if _try_lock(fd, path):
                if _still_linked(fd, path):
                    return fd
                # The file was deleted (rm -rf .cache) or replaced while we
                # waited: a lock on the orphan would exclude nobody. Start over.
                os.close(fd)
                fd = -1
                fd = _open(folder)
                continue
            if not waited:
                waited = True
                if on_wait is not None:
                    on_wait()
                else:
                    _default_wait_message(folder)
            if deadline is not None and time.monotonic() >= deadline:
                pid = holder_pid(folder)
                by = f" (pid {pid})" if pid is not None else ""
                raise OutputError(
                    f"{folder}: another build into this folder is still running{by}; "
                    f"gave up after {timeout_s:g} s"
                )
            left = POLL_MAX_S if deadline is None else deadline - time.monotonic()
            time.sleep(max(0.0, min(pause, left)))
            pause = min(pause * 2, POLL_MAX_S)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        raise


@contextlib.contextmanager
def output_lock(
    folder: Path,
    *,
    timeout_s: float | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[Path]:
    """Hold the build lock of ``folder`` (created if missing) for the ``with`` block.

    If another build holds it, ``on_wait()`` is called once (by default an info
    log line naming the folder and the holder's PID), then this waits: forever
    when ``timeout_s`` is None, else until ``timeout_s`` seconds have passed and
    an :class:`OutputError` is raised. Yields the lock file's path.
    """
    fd = _acquire(folder, timeout_s, on_wait)
    try:
        _record_pid(fd)
        yield lock_path(folder)
    finally:
        # Closing the file releases the flock; the file stays for the next build.
        os.close(fd)
