"""What the user named → the things to read: files, folder contents, URLs, stdin.

In: the command line's paths (typer hands URLs over as paths). Out: one
:class:`Target` per file, URL or stdin, folders expanded non-recursively in
name order, each named once, in the order given. Reads no file.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from digest.errors import DigestError, InputError
from digest.ingest.fetch import check_url, is_url

Kind = Literal["text", "page", "feed", "json", "jsonl", "csv", "tsv"]

SUFFIX_KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        ".txt": "text",
        ".md": "text",
        ".markdown": "text",
        ".html": "page",
        ".htm": "page",
        ".xhtml": "page",
        ".json": "json",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".csv": "csv",
        ".tsv": "tsv",
        ".xml": "feed",
        ".rss": "feed",
        ".atom": "feed",
    }
)
REVIEW_SUFFIXES = tuple(SUFFIX_KINDS)
STDIN = "-"

# A URL handed over as a Path has its "//" folded into "/"; in a string the
# same text is a malformed URL.
_FOLDED_URL = re.compile(r"^(https?):/(?!/)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Target:
    """One thing to read: a file, a URL or stdin; ``strict`` if the user named it."""

    path: Path | None = None
    url: str | None = None
    strict: bool = True

    @property
    def label(self) -> str:
        return self.url or (str(self.path) if self.path else "<stdin>")


def find_targets(items: Iterable[Path | str]) -> list[Target]:
    """Expand folders into their review files; keep the order the user gave."""
    found: list[Target] = []
    for item in items:
        text = str(item)
        if text == STDIN:
            found.append(Target())
            continue
        try:
            found.extend(_expand(text, Path(item), folded=isinstance(item, Path)))
        except (OSError, ValueError) as exc:  # unreadable folder, NUL in a name
            reason = exc.strerror if isinstance(exc, OSError) else None
            raise InputError(
                f"{text!r}: cannot use this path ({reason or exc})"
            ) from exc
    if not found:
        raise InputError("no review files given")
    unique: dict[object, Target] = {}
    for target in found:
        key = target.path.resolve() if target.path else target.url
        earlier = unique.get(key)
        if earlier is None:
            unique[key] = replace(target, path=target.path and target.path.resolve())
        elif target.strict and not earlier.strict:
            unique[key] = replace(earlier, strict=True)
    return list(unique.values())


def _expand(text: str, path: Path, folded: bool = False) -> list[Target]:
    """One command-line argument → the targets it names."""
    if _FOLDED_URL.match(text) and not path.exists():
        if not folded:
            check_url(text)  # says what is wrong with it
        return [Target(url=check_url(_FOLDED_URL.sub(r"\1://", text)))]
    if is_url(text):
        return [Target(url=check_url(text))]
    if path.is_dir():
        inside = sorted(
            p
            for p in path.iterdir()
            if p.is_file()
            and p.suffix.lower() in SUFFIX_KINDS
            and not p.name.startswith(".")
        )
        if not inside:
            raise InputError(
                f"{path}: no reviews in this folder (looked for "
                f"{', '.join(REVIEW_SUFFIXES)})"
            )
        return [Target(path=p, strict=False) for p in inside]
    if path.is_file():
        return [Target(path=path)]
    if path.exists():
        raise InputError(f"{path}: not a regular file")
    raise InputError(f"{path}: no such file or folder")


def collect_paths(paths: Sequence[Path]) -> list[Path]:
    """Expand folders into their review files (resolved); keep the given order."""
    return [t.path for t in find_targets(paths) if t.path is not None]


def local_files(paths: Sequence[Path | str]) -> list[Path]:
    """The review files among ``paths`` (URLs and stdin left out; [] if odd)."""
    try:
        return collect_paths(
            [Path(p) for p in paths if str(p) != STDIN and not is_url(str(p))]
        )
    except (DigestError, OSError):
        return []


def source_files(paths: Sequence[Path | str]) -> list[Path] | None:
    """The review files ``paths`` name; None for a URL, stdin or an odd path.

    What a rebuild hashes to see whether anything changed, before reading.
    """
    if any(str(p) == "-" or is_url(str(p)) for p in paths):
        return None
    try:
        return collect_paths([Path(p) for p in paths])
    except (DigestError, OSError):
        return None
