"""RSS and Atom feeds → one Review per entry.

In: the raw bytes of a feed (a ``.xml``/``.rss``/``.atom`` file or a download). Out:
the entries that carry text, in feed order, with title, author, feed title as
outlet, link and date. The XML is first read by defusedxml, which refuses entity
declarations (billion laughs) and external entities (local file reads) before any
other parser sees it; feedparser then does the tolerant RSS/Atom reading. Links in
the feed are not followed. Writes nothing.
"""

import io
import logging
from pathlib import Path
from typing import Any

from digest.errors import InputError
from digest.ingest.fields import as_date, as_language, as_text, as_url
from digest.ingest.page import fragment_text, looks_like_html
from digest.ingest.records import log_skipped
from digest.ingest.text import clean_title, guess_title
from digest.models import Review

log = logging.getLogger("digest")


def refuse_unsafe_xml(data: bytes, source: Path | str) -> str | None:
    """Raise on entity declarations or external references; return a parse problem.

    Well-formedness is left to feedparser (real feeds often are not), but the
    first syntax error is returned so an empty result can be explained.
    """
    import xml.sax
    from xml.sax.handler import feature_external_ges, feature_external_pes

    import defusedxml
    from defusedxml.expatreader import DefusedExpatParser

    # Entity declarations are refused outright; an external DTD named in the
    # DOCTYPE (old RSS 0.91 feeds have one) is skipped, never fetched.
    parser = DefusedExpatParser(forbid_entities=True, forbid_external=False)
    parser.setFeature(feature_external_ges, False)
    parser.setFeature(feature_external_pes, False)
    parser.setContentHandler(xml.sax.handler.ContentHandler())
    try:
        parser.parse(io.BytesIO(data))
    except defusedxml.EntitiesForbidden as exc:
        raise InputError(
            f"{source}: refused: the XML declares an entity ({exc.name}); "
            "entities can expand without limit or read local files"
        ) from exc
    except defusedxml.DefusedXmlException as exc:
        raise InputError(
            f"{source}: refused: the XML refers to an external resource"
        ) from exc
    except xml.sax.SAXParseException as exc:
        return f"line {exc.getLineNumber()}: {exc.getMessage()}"
    return None


def feed_reviews(
    data: bytes, source: Path, *, content_type: str | None = None
) -> list[Review]:
    """Every entry of an RSS/Atom feed that has text; InputError when none does."""
    problem = refuse_unsafe_xml(data, source)
    import feedparser

    headers = {"content-type": content_type} if content_type else None
    parsed: Any = feedparser.parse(
        io.BytesIO(data),
        response_headers=headers,
        sanitize_html=True,
        resolve_relative_uris=False,
    )
    if not parsed.entries and problem:
        raise InputError(f"{source}: malformed feed XML ({problem})")
    if not parsed.get("version"):
        raise InputError(f"{source}: not an RSS or Atom feed")
    if not parsed.entries:
        raise InputError(f"{source}: the feed has no entries")
    channel = parsed.feed
    outlet = as_text(channel.get("title"))
    language = as_language(channel.get("language"))
    reviews: list[Review] = []
    skipped: list[str] = []
    for number, entry in enumerate(parsed.entries, start=1):
        text = _entry_text(entry)
        title = as_text(entry.get("title"))
        if not text:
            skipped.append(f"entry {number} ({title or 'untitled'}) has no text")
            continue
        reviews.append(
            Review(
                source=source,
                title=clean_title(
                    title or guess_title(text) or f"{outlet or 'Entry'} {number}"
                ),
                text=text,
                critic=as_text(entry.get("author")),
                outlet=outlet,
                url=as_url(entry.get("link")),
                published=as_date(
                    entry.get("published_parsed") or entry.get("updated_parsed")
                ),
                language=as_language(entry.get("language")) or language,
            )
        )
    if not reviews:
        raise InputError(f"{source}: no feed entry has any text")
    log_skipped(source, skipped)
    return reviews


def _entry_text(entry: Any) -> str:
    """The longest of an entry's full content and its summary, as plain text."""
    candidates: list[tuple[str, str]] = [
        (str(c.get("value") or ""), str(c.get("type") or ""))
        for c in entry.get("content") or []
    ]
    detail = entry.get("summary_detail") or {}
    candidates.append((str(entry.get("summary") or ""), str(detail.get("type") or "")))
    texts = [
        fragment_text(value)
        if "html" in kind or looks_like_html(value)
        else value.strip()
        for value, kind in candidates
        if value.strip()
    ]
    return max(texts, key=len, default="")
