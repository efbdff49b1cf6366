"""File names derived from titles (reviews, feeds, episodes): safe on every OS.

In: any string, possibly hostile ("../../etc/passwd", "CON", "東京物語", 500
characters). Out: a non-empty lower-case ASCII slug of letters, digits and single
hyphens, at most ``max_length`` characters, never a reserved Windows device name,
never starting with a dot, with no path separators. The same title always gives the
same name; when the slug loses information (nothing transliterates, it was cut, or
it is a reserved name) a short hash of the title is appended so different titles
stay different. The caller adds the extension. No I/O.
"""

import hashlib
import re
import unicodedata

DEFAULT_MAX_LENGTH = 80
HASH_CHARS = 8
# Device names Windows reserves with or without an extension (any letter case).
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Letters that Unicode does not decompose into an ASCII base letter.
_SPELLED = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "Ð": "D",
    }
)


def safe_filename(
    title: str, *, max_length: int = DEFAULT_MAX_LENGTH, fallback: str = "untitled"
) -> str:
    """A safe, deterministic file name stem (no extension) for ``title``."""
    if max_length < HASH_CHARS + 2:
        raise ValueError(f"max_length must be at least {HASH_CHARS + 2}")
    title = unicodedata.normalize("NFC", title)
    ascii_text = _transliterate(title)
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    # Letters or digits with no ASCII spelling (CJK, Cyrillic...) vanish from the
    # slug; the hash then keeps "東京物語" and "七人の侍" apart.
    lost = any(
        ch.isalnum() and not ch.isascii() and not _transliterate(ch).strip()
        for ch in title
    )
    needs_hash = not slug or lost or slug in _RESERVED or len(slug) > max_length
    if not needs_hash:
        return slug
    digest = hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()
    tag = digest[:HASH_CHARS]
    base = slug or _NOT_SLUG.sub("-", fallback.lower()).strip("-") or "untitled"
    room = max_length - HASH_CHARS - 1
    if len(base) > room:
        cut = base[:room]
        # Prefer to end at a word boundary when one is reasonably close.
        boundary = cut.rfind("-")
        base = cut[:boundary] if boundary >= room // 2 else cut
        base = base.strip("-")
    return f"{base}-{tag}"


def _transliterate(text: str) -> str:
    """ASCII spelling: accents dropped (é → e), a few letters spelled out (ß → ss)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    return decomposed.encode("ascii", "ignore").decode("ascii")
