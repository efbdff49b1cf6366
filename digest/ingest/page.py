"""HTML → review text: whole pages through trafilatura, fragments through lxml.

In: an HTML page (a saved ``.html`` file or a download) or an HTML fragment (a feed
entry's content, a JSON record's body). Out: plain text with one blank line between
paragraphs, and for pages a :class:`Review` with the page's title, author, site name
and date when it states them. Scripts, styles, navigation, comments and footers are
not part of the text. A page without article text raises :class:`InputError`.
"""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import InputError
from digest.ingest.fields import as_date, as_language, as_text
from digest.ingest.text import clean_title, guess_title
from digest.models import Review

log = logging.getLogger("digest")

# Fewer words than this after boilerplate removal is a menu, a cookie notice or an
# error page, not an article.
MIN_ARTICLE_WORDS = 12
_BLOCKS = (
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "table",
    "tr",
    "figure",
    "figcaption",
    "header",
    "footer",
    "dd",
    "dt",
)
_LOOKS_LIKE_HTML = re.compile(
    r"<(p|br|div|span|em|strong|a|i|b|ul|li|h\d)\b[^>]*>", re.I
)


def looks_like_html(text: str) -> bool:
    """Does this string carry HTML markup (as feed and CMS bodies often do)?"""
    return _LOOKS_LIKE_HTML.search(text[:5000]) is not None


def fragment_text(html: str) -> str:
    """Plain text of an HTML fragment, one blank line between block elements."""
    import lxml.etree
    import lxml.html

    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.LxmlError, ValueError):
        return _collapse(re.sub(r"<[^>]*>", " ", html))
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in _BLOCKS:
            element.text = "\n\n" + (element.text or "")
            element.tail = "\n\n" + (element.tail or "")
    return _collapse(root.text_content())


def _collapse(text: str) -> str:
    """Single spaces inside lines, one blank line between paragraphs."""
    paragraphs = re.split(r"\n\s*\n", text)
    cleaned = (
        "\n".join(" ".join(line.split()) for line in p.split("\n") if line.strip())
        for p in paragraphs
    )
    return "\n\n".join(p for p in cleaned if p)


def page_review(html: str, source: Path, url: str | None = None) -> Review:
    """The article in a whole HTML page as a Review; InputError when there is none."""
    import lxml.etree
    import trafilatura

    if not html.strip():
        raise InputError(f"{source}: no article text found in this HTML page (empty)")
    try:
        with _quiet("trafilatura", "htmldate", "courlan", "justext"):
            doc = trafilatura.bare_extraction(
                html,
                url=url,
                with_metadata=True,
                include_comments=False,
                include_tables=False,
                favor_precision=True,  # a menu read aloud is worse than a lost line
            )
    except (lxml.etree.LxmlError, ValueError, TypeError) as exc:
        raise InputError(f"{source}: cannot parse this HTML page ({exc})") from exc
    if doc is None or isinstance(doc, dict):
        raise InputError(f"{source}: no article text found in this HTML page")
    title = as_text(doc.title)
    text = _paragraphs(doc.text or "", title)
    words = len(text.split())
    if words < MIN_ARTICLE_WORDS:
        raise InputError(
            f"{source}: no article text found in this HTML page "
            f"(only {words} word(s) outside menus and boilerplate)"
        )
    return Review(
        source=source,
        title=clean_title(title or guess_title(text) or source.stem or "Untitled"),
        text=text,
        critic=as_text(doc.author),
        outlet=as_text(doc.sitename),
        url=url or _page_url(doc.url),
        published=as_date(doc.date),
        language=as_language(doc.language),
    )


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Mute these libraries' loggers for a moment.

    trafilatura logs ERROR lines such as "discarding data: None" for pages it
    rejects; digest reports those pages itself, in one line.
    """
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _paragraphs(text: str, title: str | None) -> str:
    """trafilatura's one-line-per-block text → blank-line paragraphs, title dropped."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if lines and title and lines[0].casefold() == " ".join(title.split()).casefold():
        lines = lines[1:]
    return "\n\n".join(lines)


def _page_url(url: object) -> str | None:
    text = as_text(url)
    return text if text and text.startswith(("http://", "https://")) else None
