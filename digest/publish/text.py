"""Text and links as published: whitespace tidied, only web links trusted.

In: text and URLs taken from reviews and tags. Out: the cleaned text and the
URLs safe to link to. Used by every module that writes a published file
(sidecars, feed, cover); writes nothing itself.
"""

from urllib.parse import urlsplit

from digest.models import plain_text

# Review links from metadata go into href attributes: only web schemes are
# trusted, so a "javascript:" URL in a review file can never become a link.
SAFE_URL_SCHEMES = ("http", "https")


def clean_text(text: str) -> str:
    """Collapse runs of whitespace (hard-wrapped sentences) into single spaces
    and drop the characters XML cannot carry (control characters)."""
    return plain_text(text)


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL without whitespace, else None."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in SAFE_URL_SCHEMES or not parts.netloc:
        return None
    if any(ch.isspace() for ch in url):
        return None
    return url
