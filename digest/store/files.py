"""Files written whole or not at all, and the one hash every module uses.

Every file digest writes for the user (episode, sidecars, feed, cover) and
every cache entry goes through :func:`write_atomic` or :func:`temp_beside` +
:func:`place`: the data lands in a temporary file beside its target and is
renamed over it, so a reader sees the old file or the new one, never half of
one, and a failed build leaves what was there. Temporary names start with
``.NAME.`` and end in ``.part`` so that a later build can sweep a killed
build's leftovers. Hashing is sha256 throughout (:class:`Digest`).

Also here: the checks on the files a user names before a build reads or
writes them (:func:`check_input_file`, :func:`check_output_file`), and the
build's temporary work folders (:func:`work_folder`), which carry their
owner's PID so that the next build can remove those a killed build left.
"""

import contextlib
import hashlib
import logging
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from digest.errors import InputError, OutputError
from digest.store.layout import cache_root

log = logging.getLogger("digest")

# Files digest publishes are readable by everyone, like those `cp` would make.
PUBLIC_MODE = 0o644
_CHUNK = 1 << 20


class Digest:
    """A running sha256: ``Digest(b"a").update(b"b").hexdigest()``."""

    def __init__(self, *chunks: bytes) -> None:
        self._hash = hashlib.sha256()
        for chunk in chunks:
            self._hash.update(chunk)

    def update(self, chunk: bytes) -> "Digest":
        """Add ``chunk``; returns self so calls can be chained."""
        self._hash.update(chunk)
        return self

    def hexdigest(self) -> str:
        """The hash so far, as 64 hex digits."""
        return self._hash.hexdigest()

    def digest(self) -> bytes:
        """The hash so far, as 32 bytes."""
        return self._hash.digest()


def sha256_hex(*chunks: bytes) -> str:
    """The sha256 of the chunks joined, as hex."""
    return Digest(*chunks).hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in chunks."""
    digest = Digest()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _temp_name(path: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    return Path(name)


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it over.

    A failure leaves the old file in place and raises :class:`OutputError`, and
    so does a ``path`` that is a device, FIFO, socket or folder: every file
    digest writes (sidecars, feed, show file, covers) is refused there.
    ``durable`` syncs the data to disk before the rename; caches, whose entries
    are checked on every read, skip that wait.
    """
    check_output_file(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_name(path, ".part")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, PUBLIC_MODE)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return path


def link_atomic(source: Path, path: Path) -> bool:
    """Put a hard link to ``source`` at ``path`` (replacing it); False if it cannot.

    Cache entries share the build's file this way instead of copying it; across
    disks (or where links are refused) the caller copies instead.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.link")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.link(source, tmp)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


def rename_over(tmp: Path, path: Path) -> None:
    """Rename a finished ``tmp`` over ``path`` (same folder, so atomic)."""
    os.replace(tmp, path)


@contextlib.contextmanager
def temp_beside(target: Path, suffix: str) -> Iterator[Path]:
    """An empty temporary file beside ``target`` (``.STEM.XXXX.partSUFFIX``).

    Removed on the way out unless :func:`place` moved it over ``target``.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".part{suffix}", dir=target.parent
        )
    except OSError as exc:
        raise OutputError(
            f"{target.parent}: cannot write here ({exc.strerror or exc})"
        ) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def place(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` to disk and rename it over ``target``."""
    try:
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, PUBLIC_MODE)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from exc


def sweep_leftovers(folder: Path, stem: str) -> list[Path]:
    """Delete the temporary files a killed build of episode ``stem`` left behind.

    Only the names this module gives such files for that episode (and for the
    folder's feed.xml): ``.STEM.*`` ending in ``.part``, ``.part.mp3`` or
    ``.tmp``, in the folder and its cache. Call it holding the folder's lock,
    so that no other build is writing them.
    """
    removed = []
    for where in (folder, cache_root(folder)):
        for prefix in (f".{stem}.", ".feed.xml."):
            for path in where.glob(f"{prefix}*"):
                name = path.name
                if name.endswith((".part", ".part.mp3", ".tmp")) and path.is_file():
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed.append(path)
    if removed:
        log.info("removed %d file(s) left by an interrupted build", len(removed))
    return removed


def check_input_file(path: Path, what: str, max_bytes: int) -> int:
    """The size of ``path``, a regular file of at most ``max_bytes``; else InputError.

    A device, FIFO or socket (``/dev/zero``, ``/dev/urandom``) never ends, so it
    is refused before anything reads it.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what} ({exc.strerror})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: {what} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: {what} is not a regular file (a device or pipe?)")
    if info.st_size > max_bytes:
        raise InputError(
            f"{path}: {what} is {info.st_size:,} bytes; the largest accepted "
            f"is {max_bytes:,} bytes"
        )
    return info.st_size


def check_output_file(target: Path, inputs: Iterable[Path] = ()) -> None:
    """Refuse to write ``target`` unless it is new or a regular file, not an input.

    Replacing a device or FIFO (as root, even ``/dev/null``) or one of the
    reviews being read would destroy what is not ours to touch.
    """
    try:
        info = target.stat()
    except OSError:
        return  # new, or under something that is not a folder (said when written)
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{target}: is a folder; give a file name ending in .mp3")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"{target}: not a regular file (a device, FIFO or socket); "
            "give a new path or an MP3 file"
        )
    for path in inputs:
        with contextlib.suppress(OSError):
            if os.path.samefile(path, target):
                raise OutputError(f"{target}: is one of the input files; refused")


# A work folder's owner: "digest PID" in this file marks it as ours to sweep.
OWNER_FILE = ".digest-owner"
WORK_PREFIX = "digest-"


@contextlib.contextmanager
def work_folder(prefix: str = WORK_PREFIX) -> Iterator[Path]:
    """A new temporary folder, removed on the way out (Ctrl-C and SIGTERM too).

    It records this process's PID and start time; :func:`sweep_work_folders`
    removes folders whose owner is gone (SIGKILL skips every cleanup), and a
    new process that was given the same PID is not taken for the owner.
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        pid = os.getpid()
        marker = f"digest {pid} {_started(pid) or '-'}\n"
        (Path(tmp) / OWNER_FILE).write_text(marker)
        yield Path(tmp)


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), where /proc says."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    fields = stat.rpartition(")")[2].split()  # the name may hold spaces
    return fields[19] if len(fields) > 19 else None  # field 22: starttime


def _owner(folder: Path) -> tuple[int, str | None] | None:
    """The PID (and start time) a digest work folder names; None if not ours."""
    try:
        if folder.lstat().st_uid != os.getuid() or folder.is_symlink():
            return None
        words = (folder / OWNER_FILE).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    if len(words) not in (2, 3) or words[0] != "digest" or not words[1].isdigit():
        return None
    started = words[2] if len(words) == 3 and words[2] != "-" else None
    return int(words[1]), started


def _alive(pid: int, started: str | None = None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive, but maybe not the owner
    # The same PID with another start time is a new process: the owner is gone.
    return started is None or _started(pid) in (None, started)


def sweep_work_folders() -> list[Path]:
    """Remove the temporary work folders of digest processes that no longer run."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{WORK_PREFIX}*"):
        owner = _owner(folder)
        if owner is None or owner[0] == os.getpid() or _alive(*owner):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        log.info("removed %d temporary folder(s) a killed build left", len(removed))
    return removed
