"""Bytes → text for every reader: BOMs, UTF-8 (repaired when a few bytes are bad),
UTF-16 without a BOM (by where its NUL bytes sit), cp1252/latin-1, and other code
pages as a last resort; binary data is refused.

In: the raw bytes of a file, page, stdin or download. Out: text with ``\\n`` line
ends. Problems that still leave usable text are logged as one warning line on the
``digest`` logger; binary data raises :class:`InputError`. Writes nothing.
"""

import codecs
import logging
import re
from pathlib import Path

from digest.errors import InputError

log = logging.getLogger("digest")

# UTF-32 first: its little-endian BOM starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# BOM-less UTF-16 of mostly-ASCII text: share of characters whose high byte is NUL
# (English or French: > 95 %), and the most whose low byte may be (U+0100, U+0200..).
_UTF16_HIGH_NULS = 0.7
_UTF16_LOW_NULS = 0.02
# Typographic marks a cp1252 file legitimately has between two letters ("it’s").
_WORD_JOINERS = frozenset("’‘´`·–—-")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{2,40})""", re.I)


def decode_text(data: bytes, source: Path | str, *, truncated: bool = False) -> str:
    """Bytes → text: BOM, UTF-8 (repaired), cp1252, other code pages; refuse binary.

    ``truncated`` says the caller cut ``data`` short, so an incomplete character at
    the very end is expected and dropped without a warning.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _decode_unicode(data[len(bom) :], codec, source, truncated)
            return _checked(text, source)
    if b"\x00" in data[:8192]:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise InputError(f"{source}: looks like a binary file, not text")
        log.info("%s: read as %s (no byte order mark)", source, utf16.upper())
        return _checked(_decode_unicode(data, utf16, source, truncated), source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_not_utf8(data, source, truncated)
    return _checked(text, source)


def decode_declared(
    data: bytes, charset: str | None, source: Path | str, *, truncated: bool = False
) -> str:
    """Decode with a charset a page or server declared, else as :func:`decode_text`.

    A BOM wins over the declaration, and a declared UTF-8 or Western code page is
    only a hint (the usual rules already handle those, and declarations lie).
    """
    codec = _known_codec(charset)
    western = {"utf-8", "cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"}
    if codec is None or codec in western or data.startswith(tuple(b for b, _ in _BOMS)):
        return decode_text(data, source, truncated=truncated)
    if b"\x00" in data[:8192] and not codec.startswith("utf-16"):
        raise InputError(f"{source}: looks like a binary file, not text")
    return _checked(_decode_unicode(data, codec, source, truncated), source)


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` if ``data`` looks like mostly-ASCII UTF-16 without a BOM.

    Such text has a NUL as the high byte of nearly every character and almost never
    as the low byte, so the NULs all sit at odd (LE) or even (BE) offsets. Binary
    data that happens to match is caught afterwards by its control characters.
    """
    sample = data[:8192]
    units = len(sample) // 2
    if units < 2:
        return None
    even = sample[0 : 2 * units : 2].count(0) / units
    odd = sample[1 : 2 * units : 2].count(0) / units
    if odd >= _UTF16_HIGH_NULS and even <= _UTF16_LOW_NULS:
        return "utf-16-le"
    if even >= _UTF16_HIGH_NULS and odd <= _UTF16_LOW_NULS:
        return "utf-16-be"
    return None


def sniff_charset(data: bytes) -> str | None:
    """The charset an HTML or XML document declares near its top, if any."""
    match = _CHARSET.search(data[:4096]) or re.search(
        rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", data[:512]
    )
    return match.group(1).decode("ascii") if match else None


def _known_codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip()).name
    except LookupError:
        return None


def _decode_unicode(
    data: bytes, codec: str, source: Path | str, truncated: bool
) -> str:
    """Decode a BOM-marked or declared encoding; drop bad bytes with a warning."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        decoder = codecs.getincrementaldecoder(codec)("replace")
        text = decoder.decode(data, final=False)
        tail = decoder.getstate()[0]
        bad = text.count("\ufffd")
        if tail and not truncated:
            bad += 1
        if bad:
            log.warning(
                "%s: %d byte sequence(s) are not valid %s (%s); dropped",
                source,
                bad,
                codec,
                exc.reason,
            )
        return text.replace("\ufffd", "")


def _decode_not_utf8(data: bytes, source: Path | str, truncated: bool) -> str:
    """UTF-8 with a few bad bytes, or a legacy 8-bit code page: decide which."""
    text, good, bad, cut_tail = _decode_utf8_lenient(data)
    if cut_tail and not truncated:
        log.warning("%s: ends in the middle of a UTF-8 character; dropped", source)
    # Isolated bad bytes decode the same way on both paths (as cp1252), so the only
    # question is whether the valid multi-byte sequences are really UTF-8: a cp1252
    # file almost never has more of them than bytes that are invalid as UTF-8.
    if bad == 0 or good >= bad:
        if bad:
            log.warning(
                "%s: %d byte sequence(s) not valid UTF-8; read as cp1252 or dropped",
                source,
                bad,
            )
        return text
    return _decode_legacy(data, source)


def _decode_utf8_lenient(data: bytes) -> tuple[str, int, int, bool]:
    """Decode UTF-8, reading each lone bad byte as cp1252 and dropping broken runs.

    Returns the text, how many valid non-ASCII characters it had, how many bad spots,
    and whether an incomplete character at the very end was dropped.
    """
    view = memoryview(data)
    parts: list[str] = []
    good = bad = 0
    pos = 0
    cut_tail = False
    while pos < len(data):
        try:
            chunk, _ = codecs.utf_8_decode(view[pos:], "strict", True)
        except UnicodeDecodeError as exc:
            start, end = pos + exc.start, pos + exc.end
            chunk = bytes(view[pos:start]).decode("utf-8")
            parts.append(chunk)
            good += sum(1 for ch in chunk if ord(ch) > 127)
            if exc.reason == "unexpected end of data":
                cut_tail = True
                break
            bad += 1
            if end - start == 1:
                parts.append(_cp1252_char(data[start]))
            pos = end
        else:
            parts.append(chunk)
            good += sum(1 for ch in chunk if ord(ch) > 127)
            break
    return "".join(parts), good, bad, cut_tail


def _cp1252_char(byte: int) -> str:
    """One byte read as cp1252; the five bytes cp1252 leaves undefined give ''."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


def _decode_legacy(data: bytes, source: Path | str) -> str:
    """cp1252 (a superset of latin-1's printable range), unless it reads as nonsense."""
    text = data.decode("cp1252", errors="replace")
    if not _looks_western(text):
        other = _detect_codepage(data)
        if other is not None:
            log.info("%s: read as %s", source, other[0])
            return other[1]
        raise InputError(f"{source}: not text in any encoding digest recognises")
    undefined = text.count("\ufffd")
    if undefined:
        log.warning("%s: %d byte(s) undefined in cp1252 dropped", source, undefined)
    return text.replace("\ufffd", "")


def _looks_western(text: str) -> bool:
    """Does cp1252 give plausible Western-European text (not another code page)?"""
    letters = [ch for ch in text[:20000] if ch.isalpha()]
    if len(letters) < 20:
        return True  # too little to tell; cp1252 is the common case
    foreign = sum(1 for ch in letters if ord(ch) > 127)
    if foreign / len(letters) > 0.3:  # French or German stay well under 15 %
        return False
    # Another code page read as cp1252 puts symbols inside words ("wy³¹cz").
    odd = sum(
        1
        for before, ch, after in zip(text, text[1:], text[2:], strict=False)
        if ord(ch) > 127
        and not ch.isalpha()
        and ch not in _WORD_JOINERS
        and before.isalpha()
        and after.isalpha()
    )
    return odd < 2


def _detect_codepage(data: bytes) -> tuple[str, str] | None:
    """Ask charset-normalizer for a non-Western code page; None if it has no idea."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        return None
    try:
        return best.encoding, data.decode(best.encoding, errors="replace")
    except LookupError:
        return None


def _checked(text: str, source: Path | str) -> str:
    """Refuse text full of control characters; normalise line ends."""
    sample = text[:200_000]
    controls = sum(
        1
        for ch in sample
        if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0
    )
    if controls > max(8, len(sample) // 100):
        raise InputError(f"{source}: looks like a binary file, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")
