"""Cover art: show name + episode title → a square PNG; user covers → APIC data.

In: the show name and episode title (for :func:`make_cover`) or a user's image
file (for :func:`load_cover`). Out: a square RGB PNG of 1400-3000 px, the size
Apple Podcasts asks for, drawn with Pillow's built-in scalable font (no font
files needed) and written atomically; or the checked bytes and MIME type of a
user's PNG/JPEG, ready for an ID3 ``APIC`` frame. Same text, same bytes.
"""

import logging
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from digest.errors import InputError, MissingDependencyError, UsageError
from digest.publish.sidecars import clean_text
from digest.store.files import Digest, write_atomic

log = logging.getLogger("digest")

MIN_SIZE = 1400
MAX_SIZE = 3000
# A cover may be off square by this fraction before it is refused outright.
SQUARE_TOLERANCE = 0.05
_MIMES = {"PNG": "image/png", "JPEG": "image/jpeg"}
# Dark backgrounds that keep light text well above WCAG's 4.5:1 contrast.
_PALETTE = (
    (22, 38, 64),
    (58, 24, 52),
    (20, 60, 56),
    (70, 32, 22),
    (34, 34, 70),
    (44, 52, 24),
)
_TEXT = (250, 246, 236)
_ACCENT = (242, 176, 64)
_MUTED = (206, 210, 220)


@dataclass(frozen=True, slots=True)
class CoverImage:
    """A checked cover image: its bytes and MIME type (for ID3 APIC) and size."""

    data: bytes
    mime: str
    width: int
    height: int
    warnings: tuple[str, ...] = ()


def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        # Without FreeType Pillow falls back to a fixed 11 px bitmap font.
        raise MissingDependencyError(
            "Pillow was built without FreeType: reinstall Pillow from its wheel"
        )
    return font


def _split_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break a word wider than the box into pieces that fit."""
    pieces, current = [], ""
    for char in word:
        if current and font.getlength(current + char) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def wrap_text(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width`` pixels."""
    lines: list[str] = []
    current = ""
    for word in clean_text(text).split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if font.getlength(word) <= width:
            current = word
        else:
            *full, current = _split_word(word, font, width)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines


def _fit(
    text: str, width: int, height: int, largest: int, max_lines: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (down to a legible floor) at which ``text`` fits the box."""
    smallest = max(12, largest // 3)
    size = largest
    while True:
        font = _font(size)
        lines = wrap_text(text, font, width)
        if (len(lines) <= max_lines and len(lines) * size * 1.2 <= height) or (
            size <= smallest
        ):
            break
        size = max(smallest, int(size * 0.9))
    if len(lines) > max_lines:  # still too long at the floor: end with an ellipsis
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return font, lines


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    left: int,
    top: int,
    fill: tuple[int, int, int],
) -> int:
    """Draw ``lines`` from ``top`` down; return the y just below the last one."""
    step = round(font.size * 1.2)
    for number, line in enumerate(lines):
        draw.text((left, top + number * step), line, font=font, fill=fill)
    return top + len(lines) * step


def render_cover(show: str, title: str, size: int = MIN_SIZE) -> bytes:
    """The cover as PNG bytes: show name on top, the title large, a wave below."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise UsageError(
            f"cover size {size} px is outside Apple's {MIN_SIZE}-{MAX_SIZE} px range"
        )
    # A stable hash (not hash(), which changes per process) picks the colours and
    # the wave, so each show keeps its look and the bytes never change.
    seed = Digest(clean_text(show).encode("utf-8")).digest()
    background = _PALETTE[seed[0] % len(_PALETTE)]
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    margin = size // 12
    inner = size - 2 * margin

    show_font, show_lines = _fit(show, inner, size // 5, size // 14, 2)
    y = _draw_lines(draw, show_lines, show_font, margin, margin, _MUTED)
    bar = max(4, size // 120)
    y += size // 40
    draw.rectangle((margin, y, margin + size // 5, y + bar), fill=_ACCENT)
    y += bar + size // 20

    wave_top = size - margin - size // 7
    title_box = wave_top - y - size // 20
    title_font, title_lines = _fit(title, inner, title_box, size // 9, 6)
    _draw_lines(draw, title_lines, title_font, margin, y, _TEXT)

    # A row of bars like a level meter, heights from the show's hash.
    count = 24
    gap = inner / count
    bar_width = max(2, int(gap * 0.55))
    wave_height = size // 7
    for index in range(count):
        level = 0.2 + 0.8 * seed[(index % 31) + 1] / 255
        x = margin + round(index * gap)
        bar_top = wave_top + round(wave_height * (1 - level))
        draw.rectangle((x, bar_top, x + bar_width, wave_top + wave_height), _ACCENT)

    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def make_cover(show: str, title: str, path: Path, size: int = MIN_SIZE) -> Path:
    """Write a square PNG cover for the episode to ``path`` (atomically)."""
    return write_atomic(path, render_cover(show, title, size))


def load_cover(path: Path) -> CoverImage:
    """Check a user's cover image and return its bytes and MIME type for APIC.

    Refused (:class:`InputError`): missing, unreadable, not PNG/JPEG, or far from
    square. Accepted with warnings (also logged): slightly off square, smaller
    than 1400 px or larger than 3000 px, or not RGB.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read cover ({exc.strerror or exc})") from exc
    try:
        with Image.open(BytesIO(data)) as probe:
            kind = probe.format or ""
            width, height = probe.size
            mode = probe.mode
            probe.verify()  # reads the whole file: catches truncated images
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from exc
    mime = _MIMES.get(kind)
    if mime is None:
        raise InputError(f"{path}: cover must be PNG or JPEG, not {kind or 'unknown'}")
    longest, shortest = max(width, height), min(width, height)
    if longest - shortest > SQUARE_TOLERANCE * longest:
        raise InputError(f"{path}: cover must be square, not {width}x{height} px")
    warnings = []
    if width != height:
        warnings.append(f"cover is not exactly square ({width}x{height} px)")
    if shortest < MIN_SIZE:
        warnings.append(f"cover is {shortest} px; Apple asks for at least {MIN_SIZE}")
    if longest > MAX_SIZE:
        warnings.append(f"cover is {longest} px; Apple asks for at most {MAX_SIZE}")
    if mode != "RGB":
        warnings.append(f"cover uses colour mode {mode}; Apple asks for RGB")
    for warning in warnings:
        log.warning("%s: %s", path, warning)
    return CoverImage(data, mime, width, height, tuple(warnings))
