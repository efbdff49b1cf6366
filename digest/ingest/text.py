"""Plain-text and Markdown reviews: optional YAML front matter, title, body.

In: decoded text and where it came from. Out: a :class:`Review` whose title is the
front matter's ``title``, else the first-line heading (``# Title``, a setext
heading, or a short first line followed by a blank line), else the file name, else
the phrase the review quotes most often. Malformed front matter raises
:class:`InputError` naming the file and line. Writes nothing.
"""

import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from digest.errors import InputError
from digest.ingest.fields import (
    DEFAULT_FIELDS,
    as_date,
    as_language,
    as_rating,
    as_text,
    as_url,
)
from digest.models import Review

log = logging.getLogger("digest")

MAX_TITLE_CHARS = 120
# Front matter longer than this is not front matter but a document of its own.
MAX_FRONT_MATTER_LINES = 200
# Deepest nesting of lists and mappings in front matter: past it PyYAML's
# recursive composer would overflow the stack.
MAX_FRONT_MATTER_DEPTH = 20
# Values front matter may stand for once its aliases (*name) are expanded: each
# alias repeats a whole subtree, so a few nested ones make billions (a bomb).
MAX_FRONT_MATTER_VALUES = 10_000

_FENCE = re.compile(r"^---[ \t]*$")
_FENCE_END = re.compile(r"^(---|\.\.\.)[ \t]*$")
_YAML_KEY = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The ``key: value`` block at the top of a file and the text after it."""

    values: dict[str, object]
    body: str
    first_body_line: int  # 1-based line number of the body in the file


def split_front_matter(text: str, source: Path | str) -> FrontMatter:
    """Separate YAML front matter (between ``---`` lines at the top) from the body."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return FrontMatter({}, text, 1)
    end = next(
        (
            i
            for i, line in enumerate(lines[1 : MAX_FRONT_MATTER_LINES + 1], start=1)
            if _FENCE_END.match(line)
        ),
        None,
    )
    if end is None:
        # A lone "---" is also a Markdown rule; only complain when YAML follows it.
        following = next((line for line in lines[1:] if line.strip()), "")
        if _YAML_KEY.match(following):
            raise InputError(
                f"{source}:1: front matter opened with '---' is never closed"
            )
        return FrontMatter({}, text, 1)
    import yaml

    block = "\n".join(lines[1:end])
    try:
        _check_shape(block, source)
        values = yaml.safe_load(block)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 2
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(
            f"{source}:{line}: malformed front matter ({problem})"
        ) from exc
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        # ValueError: a value YAML reads but Python cannot hold (date 2024-13-45).
        raise InputError(f"{source}:2: malformed front matter ({exc})") from exc
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise InputError(
            f"{source}:2: front matter is not a list of 'key: value' lines"
        )
    return FrontMatter(
        {str(k): v for k, v in values.items()}, "\n".join(lines[end + 1 :]), end + 2
    )


def _line(event: object) -> int:
    """The file line an event of the front matter starts on (it opens on line 2)."""
    mark = getattr(event, "start_mark", None)
    return mark.line + 2 if mark is not None else 2


def _check_shape(block: str, source: Path | str) -> None:
    """Refuse front matter nested too deep or expanding too far, before loading.

    Walks the parser's events (no node is built, no alias expanded) counting
    the values each anchored node would stand for wherever an alias repeats it.
    """
    import yaml

    sizes: dict[str, int] = {}  # anchor → the values its node expands to
    open_: list[tuple[str | None, int]] = [(None, 0)]  # (anchor, size) per level
    for event in yaml.parse(block, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            open_.append((event.anchor, 1))
            if len(open_) - 1 > MAX_FRONT_MATTER_DEPTH:
                raise InputError(
                    f"{source}:{_line(event)}: front matter nested deeper than "
                    f"{MAX_FRONT_MATTER_DEPTH} levels; refused"
                )
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_.pop()
        elif isinstance(event, yaml.NodeEvent):  # a scalar or an alias
            anchor, size = event.anchor, 1
            if isinstance(event, yaml.AliasEvent):
                anchor, size = None, sizes.get(event.anchor or "", 1)
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        parent, total = open_[-1]
        open_[-1] = (parent, total + size)
        if total + size > MAX_FRONT_MATTER_VALUES:
            raise InputError(
                f"{source}:{_line(event)}: front matter expands to more than "
                f"{MAX_FRONT_MATTER_VALUES:,} values (YAML aliases); refused"
            )


def front_matter_fields(fm: FrontMatter, source: Path | str) -> dict[str, object]:
    """Review fields from front matter keys (the default field names; see README)."""
    found: dict[str, object] = {}
    folded = {k.casefold(): v for k, v in fm.values.items()}
    for field, names in DEFAULT_FIELDS.items():
        if field == "text":
            continue
        raw = next(
            (folded[n.casefold()] for n in names if n.casefold() in folded), None
        )
        if raw is None:
            continue
        value = _convert(field, raw)
        if value is None:
            log.warning(
                "%s: front matter %r value %r is not usable; ignored",
                source,
                field,
                _short(raw),
            )
            continue
        found[field] = value
    return found


def _convert(field: str, raw: object) -> object | None:
    if field == "date":
        return as_date(raw)
    if field == "language":
        return as_language(raw)
    if field == "rating":
        return as_rating(raw)
    if field == "url":
        return as_url(raw)
    return as_text(raw)


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# An ATX heading; a closing run of "#" counts only after a space ("# C#" is "C#").
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)(?:\s+#+)?\s*$")
_SETEXT_RULE = re.compile(r"^\s*(=+|-+)\s*$")


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
        and any(ch.isalnum() for ch in line)
        and not line.endswith((".", "!", "?", ":", ";", ",", "”", '"'))
        # A line with Chinese or Japanese sentence marks is prose, not a title
        # (it has no spaces to count as words).
        and not any(mark in line for mark in "。！？")
    ):
        return line, first + 1
    return None, 0


def split_heading(text: str) -> tuple[str | None, str]:
    """A heading at the top of ``text`` (if any) and the stripped body after it."""
    lines = text.split("\n")
    heading, used = _heading(lines)
    return heading, "\n".join(lines[used:]).strip()


# A quoted run of capitalised words, e.g. “La La Land” or "Whiplash".
_QUOTED_TITLE = re.compile(r"[\"“‘]([A-Z0-9][^\"“”‘’\n]{0,60}?)[,.!?]?[\"”’]")


def guess_title(text: str) -> str | None:
    """The most-quoted capitalised phrase in the text (usually the film's name)."""
    counts = Counter(
        m.group(1).strip() for m in _QUOTED_TITLE.finditer(text) if m.group(1).strip()
    )
    if not counts:
        return None
    title, hits = counts.most_common(1)[0]
    return title if hits >= 2 else None


# File-name noise: a leading sort number and a trailing content hash.
_STEM_NOISE = re.compile(r"^\d+[\s._-]*|[\s._-]*[0-9a-f]{8,}$", re.IGNORECASE)


def title_from_stem(stem: str) -> str | None:
    """A readable title from a file name, or None if the name is just an id."""
    name = _STEM_NOISE.sub("", stem)
    name = re.sub(r"[_-]+", " ", name).strip()
    if not re.search(r"[A-Za-z]{2,}", name):
        return None
    return name if any(ch.isupper() for ch in name) else name.title()


def text_review(text: str, source: Path, *, name_is_title: bool = True) -> Review:
    """One review from decoded text: front matter, heading, body.

    ``name_is_title`` lets the file name stand in for a missing title (not for
    stdin, where there is no name).
    """
    fm = split_front_matter(text, source)
    meta = front_matter_fields(fm, source)
    heading, body = split_heading(fm.body)
    if not body:
        what = (
            "only a title" if heading else "only front matter" if fm.values else "empty"
        )
        raise InputError(f"{source}: review is {what}, nothing to summarize")
    title = meta.pop("title", None) or heading
    if not title and name_is_title:
        title = title_from_stem(source.stem)
    title = str(title or guess_title(body) or (source.stem if name_is_title else ""))
    return Review(
        source=source,
        title=clean_title(title) or "Untitled review",
        text=body,
        critic=_str_or_none(meta.get("critic")),
        outlet=_str_or_none(meta.get("outlet")),
        url=_str_or_none(meta.get("url")),
        published=as_date(meta.get("date")),
        rating=_str_or_none(meta.get("rating")),
        language=_str_or_none(meta.get("language")),
    )


def clean_title(title: str) -> str:
    """One line, single spaces, at most :data:`MAX_TITLE_CHARS` characters."""
    return " ".join(title.split())[:MAX_TITLE_CHARS]


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
