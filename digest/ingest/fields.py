"""Metadata values as sources spell them → the typed fields of a Review.

In: loosely typed values from YAML front matter, JSON/CSV records, feeds and pages
(strings, numbers, dates, ``{"name": ...}`` objects, lists). Out: ``str``, ``date``
or an ISO 639-1 code, or None when a value cannot be used. No I/O.

The default field names, checked in order and case-insensitively, are documented
in the README's "Inputs" section; keep the two in step.
"""

import re
import time
from collections.abc import Mapping
from datetime import date, datetime
from email.utils import parsedate_to_datetime

# Review field → the record keys (and front matter keys) read for it by default.
DEFAULT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "text": ("text", "body", "review", "content", "reviewBody"),
    "critic": ("critic", "author", "reviewer", "byline"),
    "outlet": ("outlet", "publication", "publisher", "site"),
    "rating": ("rating", "score", "stars", "reviewRating"),
    "url": ("url", "link"),
    "date": ("date", "published", "datePublished", "pubDate"),
    "language": ("language", "lang"),
}

_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")
_LANGUAGE_NAMES = {
    "english": "en",
    "french": "fr",
    "français": "fr",
    "german": "de",
    "deutsch": "de",
    "spanish": "es",
    "español": "es",
    "italian": "it",
    "italiano": "it",
    "portuguese": "pt",
    "dutch": "nl",
}
_LANGUAGE_TAG = re.compile(r"([A-Za-z]{2})(?:[-_][A-Za-z0-9]{1,8})*")


def find_value(record: Mapping[str, object], key: str) -> object | None:
    """``record[key]``: exact, then dotted (``author.name``), then any letter case."""
    if key in record:
        return record[key]
    if "." in key:
        head, _, rest = key.partition(".")
        inner = find_value(record, head)
        return find_value(inner, rest) if isinstance(inner, Mapping) else None
    folded = key.casefold()
    for name, value in record.items():
        if isinstance(name, str) and name.casefold() == folded:
            return value
    return None


def as_text(value: object) -> str | None:
    """A plain string from a scalar, a ``{"name": ...}`` object or a flat list."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = " ".join(value.split())
        return text or None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        for key in ("name", "@value", "value", "title"):
            inner = value.get(key)
            if isinstance(inner, str | int | float) and not isinstance(inner, bool):
                return as_text(inner)
        return None
    if isinstance(value, list | tuple):
        # Only one level deep: nested lists (or YAML alias bombs) are ignored.
        names = [
            as_text(item) for item in value[:20] if not isinstance(item, list | tuple)
        ]
        joined = ", ".join(n for n in names if n)
        return joined or None
    return None


def as_body(value: object) -> str | None:
    """Review text: a string as it is (paragraphs kept), or a list of paragraphs."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list | tuple) and all(isinstance(p, str) for p in value):
        return "\n\n".join(p.strip() for p in value if p.strip()) or None
    return None


def as_rating(value: object) -> str | None:
    """A rating as written: 4 → "4"; ``{"ratingValue": 4, "bestRating": 5}`` → "4/5"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Mapping):
        got = as_rating(find_value(value, "ratingValue") or find_value(value, "value"))
        best = as_rating(find_value(value, "bestRating"))
        return f"{got}/{best}" if got and best else got
    return as_text(value)


def as_date(value: object) -> date | None:
    """A date from a date, datetime, ``time.struct_time`` or a common date string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time.struct_time):
        return date(value.tm_year, value.tm_mon, value.tm_mday)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    for candidate in (text, text[:10]):
        try:
            return datetime.fromisoformat(candidate).date()
        except ValueError:
            pass
    try:
        return parsedate_to_datetime(text).date()  # RFC 2822, as RSS writes dates
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def as_language(value: object) -> str | None:
    """An ISO 639-1 code from "fr", "fr-CA", "en_US" or an English name; else None."""
    text = as_text(value)
    if text is None:
        return None
    text = text.strip()
    if text.casefold() in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[text.casefold()]
    match = _LANGUAGE_TAG.fullmatch(text)
    return match.group(1).lower() if match else None


def as_url(value: object) -> str | None:
    """An absolute http(s) URL, or None."""
    text = as_text(value)
    if text and re.match(r"https?://[^\s/]+", text, re.I) and " " not in text:
        return text
    return None
