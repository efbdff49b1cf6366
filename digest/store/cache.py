"""The one content-addressed store every cache uses, and where caches live.

:class:`VerifiedStore` keeps files by key: ``KEY[:2]/KEY<suffix>`` and
``KEY[:2]/KEY.json``, a record of the data's format, key, size and sha256 plus
the caller's own fields. The data is written first, then the record, each
atomically, so a record never points at partial data; on every read the size
and checksum are checked, and an entry that fails is deleted and made again,
never used. The clip cache (:mod:`digest.speak.cache`), the unit cache
(:mod:`digest.encode.units`) and the summary cache (:mod:`digest.summarize`)
are thin layers over it that add their own key and checks.

Layout: ``<output folder>/.cache/`` holds the build lock, each episode's
manifest and (by default) ``clips/``, with ``clips/units/`` and
``clips/summaries/`` inside.
"""

import contextlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.errors import OutputError
from digest.store.files import link_atomic, sha256_hex, write_atomic

log = logging.getLogger("digest")


class VerifiedStore:
    """Files kept by key, each checked on every read: the clip and unit caches' base.

    An entry is ``KEY[:2]/KEY<suffix>`` and ``KEY[:2]/KEY.json``, a record of the
    data's format, key, size and sha256 plus the caller's own fields. The data is
    written first, then the record (each atomically, without waiting for the
    disk), so a record never points at partial data; an entry that fails a check
    is deleted and reported as missing. A store that cannot be written warns once.
    """

    def __init__(self, folder: Path, suffix: str, fmt: int, what: str) -> None:
        self.folder = folder
        self.suffix = suffix
        self.format = fmt
        self.what = what  # "clip cache", for warnings
        self._store_failed = False

    def paths(self, key: str) -> tuple[Path, Path]:
        """The entry's data file and record."""
        base = self.folder / key[:2] / key
        return base.with_suffix(self.suffix), base.with_suffix(".json")

    def discard(self, key: str, why: str | None = None) -> None:
        """Delete an entry (both files), if present, warning ``why`` it went."""
        if why is not None:
            log.warning("%s: %s entry %s removed", self.what, why, key[:12])
        for path in self.paths(key):
            with contextlib.suppress(OSError):
                path.unlink()

    def read(self, key: str) -> tuple[dict[str, Any], bytes] | None:
        """The record and data of a sound entry; a bad one is deleted (then None)."""
        data_path, record = self.paths(key)
        try:
            meta = json.loads(record.read_text(encoding="utf-8"))
            data = data_path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            if data_path.is_file() or record.is_file():
                self.discard(key, "incomplete")
            return None
        except (OSError, ValueError):
            meta, data = None, b""
        if not (
            isinstance(meta, dict)
            and meta.get("key") == key
            and meta.get("format") == self.format
            and meta.get("size") == len(data)
            and meta.get("sha256") == sha256_hex(data)
        ):
            self.discard(key, "damaged")
            return None
        return meta, data

    def write(
        self, key: str, data: bytes, *, source: Path | None = None, **fields: Any
    ) -> bool:
        """Keep ``data`` (and ``fields`` in its record); False if it could not.

        ``source``, a file holding exactly ``data`` that nobody will change, is
        linked into the store rather than copied when the two share a disk.
        """
        data_path, record = self.paths(key)
        meta = {
            **fields,
            "format": self.format,
            "key": key,
            "size": len(data),
            "sha256": sha256_hex(data),
        }
        try:
            if source is None or not link_atomic(source, data_path):
                write_atomic(data_path, data, durable=False)
            text = json.dumps(meta, sort_keys=True) + "\n"
            write_atomic(record, text.encode(), durable=False)
        except OutputError as exc:
            if not self._store_failed:
                log.warning("%s: cannot write %s (%s)", self.what, self.folder, exc)
            self._store_failed = True
            return False
        return True


@dataclass(slots=True)
class CacheStats:
    """How many clips came from the cache, how many the engine made, and how
    many lines repeated another line's text and voice and shared its clip."""

    hits: int = 0
    misses: int = 0
    repeats: int = 0
