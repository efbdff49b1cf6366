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
    load_cover,
    make_cover,
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


def test_load_cover_png_and_jpeg(tmp_path: Path) -> None:
    """PNG and JPEG come back as bytes plus the right MIME type, no warnings."""
    png = load_cover(_image(tmp_path / "a.png", (1400, 1400), "PNG"))
    assert png.mime == "image/png"
    assert png.warnings == ()
    assert png.data == (tmp_path / "a.png").read_bytes()
    jpeg = load_cover(_image(tmp_path / "a.jpg", (3000, 3000), "JPEG"))
    assert jpeg.mime == "image/jpeg"
    assert (jpeg.width, jpeg.height) == (3000, 3000)


def test_load_cover_generated(tmp_path: Path) -> None:
    """Our own covers pass the check cleanly."""
    cover = load_cover(make_cover("S", "T", tmp_path / "c.png"))
    assert cover.warnings == ()
    assert cover.mime == "image/png"


def test_load_cover_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Small, slightly off-square, huge or non-RGB covers are accepted with warnings."""
    caplog.set_level(logging.WARNING, logger="digest")
    small = load_cover(_image(tmp_path / "s.png", (600, 600), "PNG"))
    assert small.warnings == ("cover is 600 px; Apple asks for at least 1400",)
    assert "at least 1400" in caplog.text
    off = load_cover(_image(tmp_path / "o.png", (1420, 1400), "PNG"))
    assert off.warnings == ("cover is not exactly square (1420x1400 px)",)
    big = load_cover(_image(tmp_path / "b.png", (3200, 3200), "PNG"))
    assert big.warnings == ("cover is 3200 px; Apple asks for at most 3000",)
    cmyk = load_cover(_image(tmp_path / "k.jpg", (1400, 1400), "JPEG", "CMYK"))
    assert cmyk.warnings == ("cover uses colour mode CMYK; Apple asks for RGB",)


def test_load_cover_refusals(tmp_path: Path) -> None:
    """Not square, not PNG/JPEG, not an image, missing: InputError naming the file."""
    with pytest.raises(InputError, match=r"wide\.png: cover must be square"):
        load_cover(_image(tmp_path / "wide.png", (1600, 900), "PNG"))
    with pytest.raises(InputError, match="must be PNG or JPEG, not GIF"):
        load_cover(_image(tmp_path / "a.gif", (1400, 1400), "GIF", "P"))
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    with pytest.raises(InputError, match=r"junk\.png: not a readable image"):
        load_cover(junk)
    with pytest.raises(InputError, match="cannot read cover"):
        load_cover(tmp_path / "missing.png")


def test_truncated_png_is_refused(tmp_path: Path) -> None:
    """A PNG cut short is caught before it goes into the MP3."""
    whole = render_cover("Show", "Title")
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="not a readable image"):
        load_cover(cut)
