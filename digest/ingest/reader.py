"""Reading reviews: paths, folders, URLs and stdin → :class:`Review` records.

In: what the user named. A file is read by its suffix (text and Markdown with
optional YAML front matter, HTML pages, JSON/JSON Lines/CSV/TSV collections,
RSS/Atom feeds; anything else is sniffed); a folder is read non-recursively in name
order; ``-`` is one document from stdin; an ``http(s)://`` URL is downloaded once
(the only network use). Out: the reviews in that order, each with its detected
language, duplicates (same text) dropped with a warning.

Errors: a path the user named that cannot be used raises :class:`InputError`
(:class:`NetworkError` for URLs); inside a folder a bad file is logged as a
one-line warning and skipped; nothing usable at all is an InputError. Writes
nothing. The readers for each format live in :mod:`digest.ingest`.
"""

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from digest.errors import InputError
from digest.ingest.encoding import decode_declared, decode_text, sniff_charset
from digest.ingest.feeds import feed_reviews
from digest.ingest.fetch import fetch, human_size
from digest.ingest.language import detect_language
from digest.ingest.options import IngestOptions, parse_field_specs
from digest.ingest.page import page_review
from digest.ingest.records import (
    csv_records,
    json_records,
    jsonl_records,
    record_reviews,
)
from digest.ingest.targets import (
    REVIEW_SUFFIXES,
    STDIN,
    SUFFIX_KINDS,
    Kind,
    Target,
    collect_paths,
    find_targets,
)
from digest.ingest.text import (
    MAX_TITLE_CHARS,
    guess_title,
    text_review,
    title_from_stem,
)
from digest.models import Review
from digest.store.files import sha256_hex

__all__ = [
    "MAX_TITLE_CHARS",
    "REVIEW_SUFFIXES",
    "STDIN",
    "IngestOptions",
    "collect_paths",
    "decode_text",
    "guess_title",
    "ingest",
    "parse_field_specs",
    "read_review",
    "read_reviews",
    "title_from_stem",
]

log = logging.getLogger("digest")

# Read caps. A review is a few thousand words; 1 MiB of text is ~150,000 words, so
# a bigger file is a log or a dump and only its start is used. Pages carry markup
# and scripts; collections hold many reviews and cannot be cut without breaking.
MAX_TEXT_BYTES = 1 << 20
MAX_PAGE_BYTES = 8 << 20
MAX_COLLECTION_BYTES = 64 << 20
# What one review may keep after extraction (the summarizer's graph grows with the
# square of the sentence count).
MAX_REVIEW_CHARS = 200_000
MIN_REVIEW_WORDS = 5
# Reviews per run: a thousand is days of audio, so more is a data dump, and each
# one costs a language guess and a summary.
MAX_REVIEWS = 1000

_LIMITS: Mapping[Kind, int] = MappingProxyType(
    {
        "text": MAX_TEXT_BYTES,
        "page": MAX_PAGE_BYTES,
        "feed": MAX_COLLECTION_BYTES,
        "json": MAX_COLLECTION_BYTES,
        "jsonl": MAX_COLLECTION_BYTES,
        "csv": MAX_COLLECTION_BYTES,
        "tsv": MAX_COLLECTION_BYTES,
    }
)


def ingest(
    paths: Iterable[Path | str],
    options: IngestOptions | None = None,
    *,
    stdin: BinaryIO | None = None,
) -> tuple[Review, ...]:
    """Read every review under ``paths`` (files, folders, URLs, ``-`` for stdin)."""
    options = options or IngestOptions()
    paths = list(paths)
    targets = find_targets(paths)
    reviews: list[Review] = []
    skipped = 0
    for number, target in enumerate(targets):
        room = MAX_REVIEWS - len(reviews)
        if room <= 0:
            log.warning(
                "more than %d reviews; %d more source(s) from %s on not read",
                MAX_REVIEWS,
                len(targets) - number,
                target.label,
            )
            break
        try:
            reviews.extend(_read_target(target, options, stdin, room))
        except InputError as exc:
            if target.strict:
                raise
            log.warning("%s; skipped", exc)
            skipped += 1
    unique = _drop_duplicates(reviews)
    if not unique:
        where = ", ".join(str(p) for p in paths)
        raise InputError(
            f"{where}: no usable reviews ({skipped} file(s) skipped, see warnings)"
        )
    return tuple(unique)


def read_reviews(path: Path, options: IngestOptions | None = None) -> list[Review]:
    """Every review in one file (one for text and pages, many for collections)."""
    return _read_target(Target(path=path), options or IngestOptions(), None)


def read_review(path: Path, options: IngestOptions | None = None) -> Review:
    """The (first) review in one file."""
    return read_reviews(path, options)[0]


def _read_target(
    target: Target,
    options: IngestOptions,
    stdin: BinaryIO | None,
    room: int = MAX_REVIEWS,
) -> list[Review]:
    """Read, parse and finish the reviews of one target (at most ``room``)."""
    if target.url is not None:
        download = fetch(
            target.url,
            timeout_s=options.timeout_s,
            max_bytes=options.max_download_bytes,
            follow_redirects=options.follow_redirects,
        )
        kind = _sniff(download.data) or _kind_for_type(download.content_type)
        reviews = _parse(
            download.data,
            kind,
            Path(download.url),
            options,
            url=download.url,
            content_type=download.content_type,
            charset=download.charset,
        )
        return [
            _finish(replace(r, url=r.url or download.url), kind, options)
            for r in _at_most(reviews, room, target.label)
        ]
    if target.path is None:
        source = Path("<stdin>")
        if stdin is None and sys.stdin is None:
            raise InputError("<stdin>: standard input is closed; nothing to read")
        data = _read_stream(stdin or sys.stdin.buffer, source)
        kind = _sniff(data) or "text"
    else:
        source = target.path
        known = SUFFIX_KINDS.get(source.suffix.lower())
        data = _read_file(source, _LIMITS[known] if known else MAX_COLLECTION_BYTES)
        kind = known or _sniff(data) or "text"
    parsed = _parse(data, kind, source, options)
    return [_finish(r, kind, options) for r in _at_most(parsed, room, target.label)]


def _at_most(reviews: list[Review], room: int, label: str) -> list[Review]:
    """The first ``room`` reviews of a collection, with a warning if it had more."""
    if len(reviews) > room:
        log.warning(
            "%s: %d reviews; only the first %d are read (at most %d in all)",
            label,
            len(reviews),
            room,
            MAX_REVIEWS,
        )
    return reviews[:room]


def _read_file(path: Path, limit: int) -> bytes:
    """The file's bytes, or its first ``limit + 1`` bytes when it is larger."""
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def _read_stream(stream: BinaryIO, source: Path) -> bytes:
    try:
        return stream.read(MAX_COLLECTION_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from exc


def _sniff(data: bytes) -> Kind | None:
    """Recognise a feed, page or JSON document by its first characters."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml"):
        if b"<html" in head and not re.search(rb"<(rss|feed|rdf:rdf)\b", head):
            return "page"
        return "feed"
    if re.match(rb"<(rss|feed|rdf:rdf)\b", head):
        return "feed"
    if re.match(rb"<(!doctype html|html|head|body)\b", head):
        return "page"
    if head.startswith((b"{", b"[")):
        return "json"
    return None


def _kind_for_type(content_type: str) -> Kind:
    """What a server's Content-Type says the body is (text when unsure)."""
    if content_type in {"text/html", "application/xhtml+xml"}:
        return "page"
    if content_type.endswith(("rss+xml", "atom+xml", "/xml", "rdf+xml")):
        return "feed"
    if content_type in {"application/x-ndjson", "application/jsonl"}:
        return "jsonl"
    if content_type.endswith("json"):
        return "json"
    if content_type == "text/csv":
        return "csv"
    if content_type == "text/tab-separated-values":
        return "tsv"
    return "text"


def _parse(
    data: bytes,
    kind: Kind,
    source: Path,
    options: IngestOptions,
    *,
    url: str | None = None,
    content_type: str | None = None,
    charset: str | None = None,
) -> list[Review]:
    """Bytes of one document → its reviews (not yet finished)."""
    limit = _LIMITS[kind]
    truncated = len(data) > limit
    if truncated and kind not in ("text", "page"):
        raise InputError(f"{source}: larger than the {human_size(limit)} limit")
    if truncated:
        log.warning(
            "%s: larger than %s; only the start is read", source, human_size(limit)
        )
        data = data[:limit]
    if kind == "feed":
        return feed_reviews(data, source, content_type=content_type)
    if kind == "page":
        html = decode_declared(
            data, charset or sniff_charset(data), source, truncated=truncated
        )
        return [page_review(html, source, url)]
    text = decode_text(data, source, truncated=truncated)
    if kind == "text":
        if truncated:  # one warning: the start is also cut to what a review keeps
            text = _cut(text, min(len(text), MAX_REVIEW_CHARS))
        return [text_review(text, source, name_is_title=source.name != "<stdin>")]
    if kind == "json":
        if source.suffix.lower() != ".json":  # sniffed: "[Spoilers]" is still text
            try:
                return record_reviews(
                    json_records(text, source), source, options.fields
                )
            except InputError:
                return [text_review(text, source, name_is_title=False)]
        return record_reviews(json_records(text, source), source, options.fields)
    if kind == "jsonl":
        return record_reviews(jsonl_records(text, source), source, options.fields)
    delimiter = "\t" if kind == "tsv" else None
    return record_reviews(csv_records(text, source, delimiter), source, options.fields)


def _finish(review: Review, kind: Kind, options: IngestOptions) -> Review:
    """Cap the text, warn about tiny reviews, settle the language."""
    text = review.text
    if len(text) > MAX_REVIEW_CHARS:
        log.warning(
            "%s: %r is longer than %d characters; only the start is read",
            review.source,
            review.title,
            MAX_REVIEW_CHARS,
        )
        text = _cut(text, MAX_REVIEW_CHARS)
    words = _word_count(text)
    if words < MIN_REVIEW_WORDS:
        log.warning(
            "%s: %r has only %d word(s); its summary will be that short",
            review.source,
            review.title,
            words,
        )
    language = review.language
    # Pages and feeds declare a site-wide language that is often wrong for one
    # article, so the text decides; front matter and records are the user's word.
    if options.detect_language and (language is None or kind in ("page", "feed")):
        language = detect_language(text) or language
    return replace(review, text=text, language=language)


# Chinese, Japanese and Korean script, written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _word_count(text: str) -> int:
    """Words separated by spaces, plus one per two CJK characters (about a word)."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub("", text).split()) + cjk // 2


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a paragraph, line or sentence end."""
    head = text[:limit]
    floor = limit * 3 // 4
    for mark in ("\n\n", "\n", ". "):
        at = head.rfind(mark, floor)
        if at > 0:
            return head[: at + len(mark)].strip()
    return head.strip()


def _drop_duplicates(reviews: list[Review]) -> list[Review]:
    """Keep the first of reviews whose text is the same (ignoring case and spacing)."""
    first: dict[str, Review] = {}
    kept: list[Review] = []
    for review in reviews:
        key = sha256_hex(
            " ".join(review.text.split()).casefold().encode("utf-8", "surrogatepass")
        )
        if key in first:
            earlier = first[key]
            log.warning(
                "%s: %r has the same text as %r (%s); skipped",
                review.source,
                review.title,
                earlier.title,
                earlier.source,
            )
            continue
        first[key] = review
        kept.append(review)
    return kept
