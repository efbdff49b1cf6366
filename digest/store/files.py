"""Files written whole or not at all, and the one hash every module uses.

Every file digest writes for the user (episode, sidecars, feed, cover) and
every cache entry goes through :func:`write_atomic` or :func:`temp_beside` +
:func:`place`: the data lands in a temporary file beside its target and is
renamed over it, so a reader sees the old file or the new one, never half of
one, and a failed build leaves what was there. Temporary names start with
``.NAME.`` and end in ``.part`` so that a later build can sweep a killed
build's leftovers. Hashing is sha256 throughout (:class:`Digest`).
"""

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from digest.errors import OutputError
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

    A failure leaves the old file in place and raises :class:`OutputError`.
    ``durable`` syncs the data to disk before the rename; caches, whose entries
    are checked on every read, skip that wait.
    """
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
