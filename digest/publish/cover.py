"""Cover art: show name + episode title → a square PNG; user covers → APIC data.

In: the show name and episode title (for :func:`make_cover`) or a user's image
file (for :func:`load_cover`). Out: a square RGB PNG of 1400-3000 px, the size
Apple Podcasts asks for, drawn with Pillow's built-in scalable font (no font
files needed) and written atomically; or the checked bytes and MIME type of a
user's PNG/JPEG, ready for an ID3 ``APIC`` frame. Same text, same bytes.
"""

import logging
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from digest.errors import InputError, MissingDependencyError, UsageError
from digest.publish.text import clean_text
from digest.store.files import Digest, check_input_file, write_atomic

log = logging.getLogger("digest")

MIN_SIZE = 1400
MAX_SIZE = 3000
_MIMES: dict[str, Literal["image/png", "image/jpeg"]] = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
}
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
    """The cover as PNG bytes: show name on top, the title large, a wave below.

    Without a title it is the show's cover: the show name large, in the colours
    and wave its episodes have.
    """
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise UsageError(
            f"cover size {size} px is outside Apple's {MIN_SIZE}-{MAX_SIZE} px range"
        )
    # A stable hash (not hash(), which changes per process) picks the colours and
    # the wave, so each show keeps its look and the bytes never change.
    seed = Digest(clean_text(show).encode("utf-8")).digest()
    if not title:  # the show's own cover: its name alone, large
        show, title = "", show
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


# The show's artwork drawn for a folder that has none of its own.
SHOW_COVER = "show-cover.png"


def write_show_cover(folder: Path, show: str) -> Path:
    """Draw the show's cover into ``folder/show-cover.png`` (unchanged: not
    rewritten)."""
    target = folder / SHOW_COVER
    data = render_cover(show, "")
    if not (target.is_file() and target.read_bytes() == data):
        write_atomic(target, data)
    return target


# Apple Podcasts asks for square art between 1400 and 3000 pixels a side.
COVER_MIN_PX = MIN_SIZE
COVER_MAX_PX = MAX_SIZE
# Larger images are refused before decoding: a few bytes can claim billions of
# pixels, and decoding them would take the machine's memory.
MAX_COVER_PIXELS = 8000 * 8000
# Larger files are refused before reading (an 8000x8000 PNG is well under it).
MAX_COVER_BYTES = 64 << 20


@dataclass(frozen=True, slots=True)
class CoverArt:
    """A checked cover image, ready to embed as an APIC frame."""

    data: bytes
    mime: Literal["image/png", "image/jpeg"]
    width: int
    height: int
    source: str
    warnings: tuple[str, ...] = ()


def _decoded(data: bytes, source: str) -> tuple[str, int, int, str]:
    """(format, width, height, colour mode) of an image decoded to the last pixel."""
    try:
        with warnings.catch_warnings():
            # Our own pixel limit speaks first, in one line (see MAX_COVER_PIXELS).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
        with image:
            kind, (width, height), mode = image.format or "", image.size, image.mode
            if kind in _MIMES and width * height <= MAX_COVER_PIXELS:
                image.load()  # a truncated or corrupt image fails here
    except UnidentifiedImageError:
        kind, width, height, mode = "", 0, 0, ""
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(
            f"{source}: cover art is damaged or cut short ({exc})"
        ) from exc
    return kind, width, height, mode


def cover_from_bytes(data: bytes, source: str) -> CoverArt:
    """Check image bytes are a whole PNG or JPEG; warn if Apple would object."""
    kind, width, height, mode = _decoded(data, source)
    mime = _MIMES.get(kind)
    if mime is None or width == 0 or height == 0:
        raise InputError(f"{source}: cover art must be a PNG or JPEG image")
    if width * height > MAX_COVER_PIXELS:
        raise InputError(
            f"{source}: cover art is {width}x{height} pixels; the largest "
            f"accepted is {MAX_COVER_PIXELS:,} pixels (Apple wants 3000x3000)"
        )
    notes = []
    if width != height or not COVER_MIN_PX <= width <= COVER_MAX_PX:
        notes.append(
            f"cover art is {width}x{height}; podcast directories want a square "
            f"{COVER_MIN_PX}-{COVER_MAX_PX} pixels a side"
        )
    if mode not in ("RGB", "L", "P"):
        notes.append(f"cover art uses colour mode {mode}; Apple asks for RGB")
    for note in notes:
        log.warning("%s: %s", source, note)
    return CoverArt(data, mime, width, height, source, tuple(notes))


def read_cover(path: Path) -> CoverArt:
    """Read and validate ``--cover FILE``; problems are InputErrors naming it."""
    check_input_file(path, "cover art", MAX_COVER_BYTES)  # not /dev/urandom
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read cover art ({exc.strerror})") from exc
    return cover_from_bytes(data, str(path))


def drawn_cover(show: str, title: str) -> CoverArt:
    """The cover drawn for an episode when the user gives none."""
    return cover_from_bytes(render_cover(show, title), "generated cover")


def cover_path(mp3: Path, cover: CoverArt) -> Path:
    """``NAME.cover.png`` (or ``.cover.jpg`` for JPEG art) beside the MP3."""
    return mp3.with_suffix(".cover.png" if cover.mime == "image/png" else ".cover.jpg")


def write_cover_file(mp3: Path, cover: CoverArt) -> Path:
    """The embedded cover also beside the MP3 (``NAME.cover.png``) for the feed."""
    target = cover_path(mp3, cover)
    for stale in (".cover.png", ".cover.jpg", ".cover.jpeg"):
        if mp3.with_suffix(stale) != target:
            mp3.with_suffix(stale).unlink(missing_ok=True)
    if not (target.is_file() and target.read_bytes() == cover.data):
        write_atomic(target, cover.data)
    return target
