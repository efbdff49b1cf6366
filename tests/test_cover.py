"""Cover art: generated PNG covers and the check of user-supplied images."""

import logging
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from digest.errors import InputError, UsageError
from digest.publish.cover import (
    MAX_SIZE,
    MIN_SIZE,
    make_cover,
    read_cover,
    render_cover,
    wrap_text,
)


def _open(path: Path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


def test_make_cover_is_a_square_rgb_png(tmp_path: Path) -> None:
    """1400 px square, RGB, PNG, written where asked."""
    target = tmp_path / "covers" / "c.png"
    path = make_cover("Review Digest", "Review Digest, May 6, 2024", target)
    assert path == target
    image = _open(path)
    assert image.format == "PNG"
    assert image.mode == "RGB"
    assert image.size == (MIN_SIZE, MIN_SIZE)
    assert [p.name for p in target.parent.iterdir()] == ["c.png"]


@pytest.mark.parametrize("size", [MIN_SIZE, 2048, MAX_SIZE])
def test_sizes_within_apples_range(size: int) -> None:
    """Any size from 1400 to 3000 px."""
    image = Image.open(BytesIO(render_cover("Show", "Title", size)))
    assert image.size == (size, size)


@pytest.mark.parametrize("size", [1399, 3001, 0])
def test_sizes_outside_the_range_are_refused(size: int) -> None:
    """Outside 1400-3000 px is a usage error."""
    with pytest.raises(UsageError, match="1400-3000"):
        render_cover("Show", "Title", size)


def test_deterministic_bytes() -> None:
    """Same text, same bytes; different text, different image."""
    one = render_cover("Review Digest", "Episode 1")
    assert one == render_cover("Review Digest", "Episode 1")
    assert one != render_cover("Review Digest", "Episode 2")


def test_text_is_drawn() -> None:
    """The title and show area hold light text pixels on the dark background."""
    image = Image.open(BytesIO(render_cover("Review Digest", "A title")))
    background = image.getpixel((5, 5))
    assert isinstance(background, tuple)
    assert sum(background) < 3 * 110  # dark
    top = image.crop((0, 0, MIN_SIZE, MIN_SIZE // 4)).convert("L")
    bright = sum(top.histogram()[201:])
    assert bright > 500, "show name not drawn"
    middle = image.crop((0, MIN_SIZE // 4, MIN_SIZE, MIN_SIZE // 2)).convert("L")
    assert ImageStat.Stat(middle).extrema[0][1] > 200, "title not drawn"


def test_long_titles_wrap_inside_the_margins() -> None:
    """A long title wraps; nothing is drawn in the side margins."""
    title = "An Extraordinarily Long Episode Title " * 6 + "Supercalifragilistic" * 3
    image = Image.open(BytesIO(render_cover("Show", title))).convert("L")
    margin = MIN_SIZE // 12
    left = image.crop((0, 0, margin - 4, MIN_SIZE))
    right = image.crop((MIN_SIZE - margin + 8, 0, MIN_SIZE, MIN_SIZE))
    for strip in (left, right):
        assert ImageStat.Stat(strip).extrema[0][1] < 120


def test_wrap_text_breaks_words_and_long_tokens() -> None:
    """Greedy wrap by words; a single word wider than the box is split."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=40)
    assert isinstance(font, ImageFont.FreeTypeFont)
    lines = wrap_text("one two three four five six", font, 200)
    assert len(lines) > 1
    assert " ".join(lines) == "one two three four five six"
    assert all(font.getlength(line) <= 200 for line in lines)
    long = wrap_text("x" * 80, font, 200)
    assert len(long) > 1
    assert "".join(long) == "x" * 80


def _image(path: Path, size: tuple[int, int], fmt: str, mode: str = "RGB") -> Path:
    Image.new(mode, size, "white" if mode != "CMYK" else (0, 0, 0, 0)).save(
        path, format=fmt
    )
    return path


def test_read_cover_png_and_jpeg(tmp_path: Path) -> None:
    """PNG and JPEG come back as bytes plus the right MIME type, no warnings."""
    png = read_cover(_image(tmp_path / "a.png", (1400, 1400), "PNG"))
    assert png.mime == "image/png"
    assert png.warnings == ()
    assert png.data == (tmp_path / "a.png").read_bytes()
    jpeg = read_cover(_image(tmp_path / "a.jpg", (3000, 3000), "JPEG"))
    assert jpeg.mime == "image/jpeg"
    assert (jpeg.width, jpeg.height) == (3000, 3000)


def test_read_cover_generated(tmp_path: Path) -> None:
    """Our own covers pass the check cleanly."""
    cover = read_cover(make_cover("S", "T", tmp_path / "c.png"))
    assert cover.warnings == ()
    assert cover.mime == "image/png"


def test_read_cover_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Small, off-square, huge or non-RGB covers are accepted with warnings."""
    caplog.set_level(logging.WARNING, logger="digest")
    want = "podcast directories want a square 1400-3000 pixels a side"
    small = read_cover(_image(tmp_path / "s.png", (600, 600), "PNG"))
    assert small.warnings == (f"cover art is 600x600; {want}",)
    assert "600x600" in caplog.text
    off = read_cover(_image(tmp_path / "o.png", (1600, 900), "PNG"))
    assert off.warnings == (f"cover art is 1600x900; {want}",)
    big = read_cover(_image(tmp_path / "b.png", (3200, 3200), "PNG"))
    assert big.warnings == (f"cover art is 3200x3200; {want}",)
    cmyk = read_cover(_image(tmp_path / "k.jpg", (1400, 1400), "JPEG", "CMYK"))
    assert cmyk.warnings == ("cover art uses colour mode CMYK; Apple asks for RGB",)


def test_read_cover_refusals(tmp_path: Path) -> None:
    """Not PNG/JPEG, not an image, missing, a folder: InputError naming the file."""
    with pytest.raises(InputError, match=r"a\.gif: cover art must be a PNG or JPEG"):
        read_cover(_image(tmp_path / "a.gif", (1400, 1400), "GIF", "P"))
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    with pytest.raises(InputError, match=r"junk\.png: cover art must be a PNG or JPEG"):
        read_cover(junk)
    with pytest.raises(InputError, match="cover art not found"):
        read_cover(tmp_path / "missing.png")
    with pytest.raises(InputError, match="is a folder"):
        read_cover(tmp_path)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_cover_is_refused(tmp_path: Path, fmt: str) -> None:
    """An image cut short is caught before it goes into the MP3."""
    whole = _image(tmp_path / f"whole.{fmt}", (1400, 1400), fmt, "RGB")
    noisy = Image.effect_noise((1400, 1400), 80).convert("RGB")
    noisy.save(whole, format=fmt)
    data = whole.read_bytes()
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="damaged or cut short"):
        read_cover(cut)


def test_a_cover_claiming_too_many_pixels_is_refused_undecoded(tmp_path: Path) -> None:
    """A small file that claims a huge image is refused by its header."""
    huge = tmp_path / "huge.png"
    Image.new("1", (10000, 10000)).save(huge, format="PNG")
    with pytest.raises(InputError, match="largest accepted"):
        read_cover(huge)
