"""Reading reviews: paths → :class:`Review` records.

In: files and folders given by the user (``.txt`` and ``.md``; a folder is read
non-recursively, sorted by name). Out: one Review per file with its title and text.
Text is decoded as UTF-8 (a BOM is dropped), falling back to cp1252; empty, binary
and unreadable files raise :class:`InputError` naming the file. Writes nothing.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import InputError
from .models import Review

REVIEW_SUFFIXES = (".txt", ".md")
MAX_TITLE_CHARS = 120

# An ATX heading; a closing run of "#" counts only after a space ("# C#" is "C#").
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)(?:\s+#+)?\s*$")
_SETEXT_RULE = re.compile(r"^\s*(=+|-+)\s*$")
# A quoted run of capitalised words, e.g. “La La Land” or "Whiplash".
_QUOTED_TITLE = re.compile(r"[\"“‘]([A-Z0-9][^\"“”‘’\n]{0,60}?)[,.!?]?[\"”’]")
# File-name noise: a leading sort number and a trailing content hash.
_STEM_NUMBER = re.compile(r"^\d+[\s._-]*")
_STEM_HASH = re.compile(r"[\s._-]*[0-9a-f]{8,}$", re.IGNORECASE)


def collect_paths(paths: Sequence[Path]) -> list[Path]:
    """Expand folders into their review files; keep the order the user gave."""
    if not paths:
        raise InputError("no review files given")
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() in REVIEW_SUFFIXES
                and not p.name.startswith(".")
            )
            if not inside:
                raise InputError(f"{path}: no .txt or .md reviews in this folder")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        elif path.exists():
            raise InputError(f"{path}: not a regular file")
        else:
            raise InputError(f"{path}: no such file or folder")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def decode_text(data: bytes, source: Path) -> str:
    """Bytes → text: UTF-8 (BOM dropped), else cp1252; refuse binary data."""
    if b"\x00" in data[:8192]:
        raise InputError(f"{source}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source}: not UTF-8 or cp1252 text ({exc.reason})"
            ) from exc
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        raise InputError(f"{source}: looks like a binary file, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _heading(lines: list[str]) -> tuple[str | None, int]:
    """Return a heading found at the top and how many lines it spans."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, 0
    line = lines[first].strip()
    match = _MD_HEADING.match(line)
    if match:
        return match.group(1).strip(), first + 1
    if first + 1 < len(lines) and _SETEXT_RULE.match(lines[first + 1]):
        return line, first + 2
    # A plain-text title: a short first line without closing punctuation,
    # followed by a blank line.
    followed_by_blank = first + 1 >= len(lines) or not lines[first + 1].strip()
    if (
        followed_by_blank
        and first + 1 < len(lines)
        and len(line) <= MAX_TITLE_CHARS
        and len(line.split()) <= 12
        and not line.endswith((".", "!", "?", ":", ";", ",", "”", '"'))
    ):
        return line, first + 1
    return None, 0


def guess_title(text: str) -> str | None:
    """The most-quoted capitalised phrase in the text (usually the film's name)."""
    counts = Counter(
        m.group(1).strip() for m in _QUOTED_TITLE.finditer(text) if m.group(1).strip()
    )
    if not counts:
        return None
    title, hits = counts.most_common(1)[0]
    return title if hits >= 2 else None


def title_from_stem(stem: str) -> str | None:
    """A readable title from a file name, or None if the name is just an id."""
    name = _STEM_HASH.sub("", _STEM_NUMBER.sub("", stem))
    name = re.sub(r"[_-]+", " ", name).strip()
    if not re.search(r"[A-Za-z]{2,}", name):
        return None
    return name if any(ch.isupper() for ch in name) else name.title()


def read_review(path: Path) -> Review:
    """Read one review file into a Review (title from heading, name or text)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    text = decode_text(data, path)
    lines = text.split("\n")
    heading, used = _heading(lines)
    body = "\n".join(lines[used:]).strip()
    if not body:
        what = "only a title" if heading else "empty"
        raise InputError(f"{path}: review is {what}, nothing to summarize")
    title = heading or title_from_stem(path.stem) or guess_title(body) or path.stem
    return Review(source=path, title=title[:MAX_TITLE_CHARS], text=body)


def ingest(paths: Iterable[Path]) -> tuple[Review, ...]:
    """Read every review under ``paths``."""
    return tuple(read_review(p) for p in collect_paths(list(paths)))
