"""Collections of reviews: JSON, JSON Lines and CSV/TSV → one Review per record.

In: decoded text of a collection file and a field mapping (Review field → record
key; unmapped fields use :data:`~digest.ingest.fields.DEFAULT_FIELDS`). Out: the
reviews in file order. Malformed JSON or CSV raises :class:`InputError` naming the
file and line (or record); a record without text is skipped with a warning.
"""

import csv
import io
import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

from digest.errors import InputError
from digest.ingest.fields import (
    DEFAULT_FIELDS,
    as_body,
    as_date,
    as_language,
    as_rating,
    as_text,
    as_url,
    find_value,
)
from digest.ingest.page import fragment_text, looks_like_html
from digest.ingest.text import clean_title, guess_title, split_heading, title_from_stem
from digest.models import Review

log = logging.getLogger("digest")

# Keys under which JSON exports commonly nest their list of reviews.
_LIST_KEYS = ("reviews", "items", "entries", "records", "data", "results")

Record = Mapping[str, object]
# At most this many "skipped" warnings per file; the rest are counted.
MAX_SKIP_WARNINGS = 5


def json_records(text: str, source: Path) -> Iterator[tuple[str, object]]:
    """(``record N``, record) pairs from a JSON array, wrapper object or one object."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}:{exc.lineno}: malformed JSON ({exc.msg}, column {exc.colno})"
        ) from exc
    except (ValueError, RecursionError) as exc:  # huge numbers, absurd nesting
        raise InputError(f"{source}: malformed JSON ({exc})") from exc
    items: object = data
    if isinstance(data, dict):
        items = next(
            (
                value
                for key in _LIST_KEYS
                if isinstance(value := find_value(data, key), list)
            ),
            [data],
        )
    if not isinstance(items, list):
        raise InputError(f"{source}: JSON holds no review objects (a list or object)")
    for number, item in enumerate(items, start=1):
        yield f"record {number}", item


def jsonl_records(text: str, source: Path) -> Iterator[tuple[str, object]]:
    """(``line N``, record) pairs from JSON Lines; blank lines are allowed."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{source}:{number}: malformed JSON line "
                f"({exc.msg}, column {exc.colno})"
            ) from exc
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{source}:{number}: malformed JSON line ({exc})") from exc
        yield f"line {number}", item


def csv_records(
    text: str, source: Path, delimiter: str | None = None
) -> Iterator[tuple[str, Record]]:
    """(``line N``, row) pairs; the first row names the columns."""
    if delimiter is None:
        delimiter = _sniff_delimiter(text[:8192])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InputError(f"{source}:1: CSV has no header row naming the columns")
        names = [h.strip() for h in header]
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(names):
                raise InputError(
                    f"{source}:{reader.line_num}: {len(row)} fields but the header "
                    f"names {len(names)} (an unquoted delimiter in the text?)"
                )
            yield f"line {reader.line_num}", dict(zip(names, row, strict=False))
    except csv.Error as exc:
        raise InputError(f"{source}:{reader.line_num}: malformed CSV ({exc})") from exc


def _sniff_delimiter(sample: str) -> str:
    """The header line's most frequent of , ; tab | (comma when none appears)."""
    header = sample.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def record_reviews(
    records: Iterator[tuple[str, object]],
    source: Path,
    fields: Mapping[str, str],
) -> list[Review]:
    """Reviews from records; ``fields`` overrides the default keys per Review field."""
    reviews: list[Review] = []
    skipped: list[str] = []
    seen_text_key = False
    for where, record in records:
        if not isinstance(record, Mapping):
            skipped.append(f"{where} is not an object")
            continue
        values = {name: _pick(record, name, fields) for name in DEFAULT_FIELDS}
        seen_text_key = seen_text_key or values["text"] is not None
        body = as_body(values["text"])
        if body and looks_like_html(body):
            body = fragment_text(body)
        if not body:
            skipped.append(f"{where} has no review text")
            continue
        heading, rest = split_heading(body)
        title = as_text(values["title"])
        if heading and rest and (title is None or heading == title):
            title, body = heading, rest
        reviews.append(
            Review(
                source=source,
                title=clean_title(
                    title or guess_title(body) or _numbered(source, where)
                ),
                text=body,
                critic=as_text(values["critic"]),
                outlet=as_text(values["outlet"]),
                url=as_url(values["url"]),
                published=as_date(values["date"]),
                rating=as_rating(values["rating"]),
                language=as_language(values["language"]),
            )
        )
    if reviews:
        log_skipped(source, skipped)
    else:
        if not seen_text_key:
            key = fields.get("text") or "/".join(DEFAULT_FIELDS["text"])
            raise InputError(
                f"{source}: no record has a '{key}' field "
                "(map another one with text=NAME)"
            )
        raise InputError(f"{source}: no record has any review text")
    return reviews


def log_skipped(source: Path, notes: list[str]) -> None:
    """One warning per skipped record (the first few), then a count of the rest."""
    for note in notes[:MAX_SKIP_WARNINGS]:
        log.warning("%s: %s; skipped", source, note)
    if len(notes) > MAX_SKIP_WARNINGS:
        log.warning(
            "%s: %d more records skipped", source, len(notes) - MAX_SKIP_WARNINGS
        )


def _pick(record: Record, name: str, fields: Mapping[str, str]) -> object | None:
    if name in fields:
        return find_value(record, fields[name])
    for key in DEFAULT_FIELDS[name]:
        value = find_value(record, key)
        if value is not None and value != "":
            return value
    return None


def _numbered(source: Path, where: str) -> str:
    base = title_from_stem(source.stem) or "Review"
    return f"{base}, {where}"
