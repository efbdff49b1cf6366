"""ID3v2.4 tags: text frames, track number, description, cover art, chapters."""

import logging
import struct
import subprocess
import zlib
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from mutagen.id3 import ID3, PictureType
from PIL import Image

from digest.config import Settings
from digest.errors import ExitCode, InputError
from digest.media.engines import find_ffmpeg
from digest.models import Chapter, Cue, Mix, Review, Summary
from digest.options import episode_info
from digest.publish.cover import CoverArt, cover_from_bytes, read_cover
from digest.publish.episode import describe, write_tags
from tests.test_feed import make_mp3


def png_bytes(width: int, height: int) -> bytes:
    """A real (tiny to compress) grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    raw = (b"\0" + b"\x80" * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int, height: int, progressive: bool = False) -> bytes:
    """A real JPEG of the given size, baseline or progressive."""
    out = BytesIO()
    Image.new("RGB", (width, height), "grey").save(
        out, format="JPEG", progressive=progressive
    )
    return out.getvalue()


# --- cover validation ------------------------------------------------------------


def test_png_cover_is_read_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "cover.png"
    path.write_bytes(png_bytes(1400, 1400))
    cover = read_cover(path)
    assert (cover.mime, cover.width, cover.height) == ("image/png", 1400, 1400)
    assert cover.data == path.read_bytes()
    assert cover.source == str(path)


@pytest.mark.parametrize("progressive", [False, True])
def test_jpeg_cover_is_read_with_its_size(progressive: bool) -> None:
    cover = cover_from_bytes(jpeg_bytes(3000, 3000, progressive), "c.jpg")
    assert (cover.mime, cover.width, cover.height) == ("image/jpeg", 3000, 3000)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"GIF89a" + b"\0" * 40, id="gif"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="png-signature-only"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", id="jpeg-without-frame"),
        pytest.param(png_bytes(0, 10), id="png-zero-width"),
    ],
)
def test_non_images_are_input_errors(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "cover.png"
    path.write_bytes(data)
    refused = "cover art (must be a PNG or JPEG|is damaged or cut short)"
    with pytest.raises(InputError, match=refused) as info:
        read_cover(path)
    assert str(path) in str(info.value)
    assert info.value.exit_code is ExitCode.INPUT


def test_missing_or_folder_cover_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.png: cover art not found"):
        read_cover(tmp_path / "nope.png")
    with pytest.raises(InputError, match="cover art is a folder"):
        read_cover(tmp_path)


@pytest.mark.parametrize(("width", "height"), [(600, 600), (1400, 1000), (4000, 4000)])
def test_off_spec_cover_is_embedded_with_a_warning(
    width: int, height: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="digest"):
        cover = cover_from_bytes(png_bytes(width, height), "small.png")
    assert cover.width == width
    assert f"{width}x{height}" in caplog.text
    assert "square" in caplog.text


def test_in_spec_cover_gives_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="digest"):
        cover_from_bytes(png_bytes(2000, 2000), "ok.png")
    assert caplog.text == ""


# --- tags ------------------------------------------------------------------------

SETTINGS = Settings(
    show="Film Talk", title="Episode Nine", episode_date=date(2024, 3, 5), artist="Ana"
)
MIX = Mix(
    wav=Path("unused.wav"),
    sample_rate=22050,
    frames=22050 * 20,
    chapters=(
        Chapter("Intro", 0, 5000),
        Chapter("Arrival", 5000, 15000),
        Chapter("Outro", 15000, 20000),
    ),
    cues=(Cue("host", "Hi.", 250, 4000),),
)


def summaries() -> tuple[Summary, ...]:
    """Two reviews, one with a critic and outlet."""
    return (
        Summary(
            Review(Path("a.txt"), "Arrival", "t", critic="Ana", outlet="Ledger"),
            ("S.",),
        ),
        Summary(Review(Path("b.txt"), "Carol", "t"), ("S.",)),
    )


def tagged(
    tmp_path: Path, settings: Settings = SETTINGS, cover: CoverArt | None = None
) -> ID3:
    """Write the tags onto an empty file and read them back."""
    path = tmp_path / "tags.mp3"
    path.write_bytes(b"")
    write_tags(path, MIX, episode_info(settings), summaries(), cover)
    return ID3(str(path))


def test_text_frames(tmp_path: Path) -> None:
    tags = tagged(tmp_path)
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == "Episode Nine"
    assert str(tags["TPE1"]) == "Ana"
    assert str(tags["TALB"]) == "Film Talk"
    assert str(tags["TDRC"]) == "2024-03-05"
    assert str(tags["TCON"]) == "Podcast"
    assert str(tags["TLEN"]) == "20000"
    assert "TRCK" not in tags
    assert "APIC:Cover" not in tags
    (comment,) = tags.getall("COMM")
    assert comment.lang == "eng"
    assert str(comment) == "2 reviews: Arrival (Ana, Ledger); Carol"


def test_track_number(tmp_path: Path) -> None:
    tags = tagged(tmp_path, replace(SETTINGS, track=42))
    assert str(tags["TRCK"]) == "42"


def test_cover_is_embedded_as_front_cover(tmp_path: Path) -> None:
    data = png_bytes(1400, 1400)
    tags = tagged(tmp_path, cover=cover_from_bytes(data, "cover.png"))
    (apic,) = tags.getall("APIC")
    assert apic.mime == "image/png"
    assert apic.type == PictureType.COVER_FRONT
    assert apic.data == data


def test_chapters_and_table_of_contents(tmp_path: Path) -> None:
    tags = tagged(tmp_path)
    (toc,) = tags.getall("CTOC")
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    ordered = [chapters[child] for child in toc.child_element_ids]
    assert [(str(c.sub_frames["TIT2"]), c.start_time, c.end_time) for c in ordered] == [
        ("Intro", 0, 5000),
        ("Arrival", 5000, 15000),
        ("Outro", 15000, 20000),
    ]


@pytest.mark.parametrize(
    ("count", "text"), [(0, "No reviews"), (1, "1 review: Arrival (Ana, Ledger)")]
)
def test_describe(count: int, text: str) -> None:
    assert describe(summaries()[:count]) == text


def test_more_than_255_chapters_nest_their_tables(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    from digest.models import Chapter
    from digest.publish.episode import add_chapters

    chapters = [Chapter(f"Review {i}", i * 1000, i * 1000 + 900) for i in range(600)]
    tags = ID3()
    add_chapters(tags, chapters)
    path = tmp_path / "tags.id3"
    tags.save(str(path), v2_version=4)
    back = ID3(str(path))
    tocs = {f.element_id: f for f in back.getall("CTOC")}
    assert tocs["toc"].child_element_ids == ["toc1", "toc2", "toc3"]
    nested = [i for t in ("toc1", "toc2", "toc3") for i in tocs[t].child_element_ids]
    assert nested == [f"chp{i}" for i in range(600)]
    assert len(back.getall("CHAP")) == 600


def test_season_is_the_part_of_set(tmp_path: Path) -> None:
    tags = tagged(tmp_path, replace(SETTINGS, track=3, season=2))
    assert (str(tags["TRCK"]), str(tags["TPOS"])) == ("3", "2")


def test_chap_frames_are_stored_in_time_order(tmp_path: Path) -> None:
    """mutagen stores short frames first; digest puts the CHAP frames back in
    time order, so readers that list them as stored (ffmpeg) see the episode's
    order, and CTOC still lists them in the same order."""
    chapters = (
        Chapter("Intro", 0, 1000),
        *(Chapter(f"A much longer review title {n}", n * 1000, n * 1000 + 1000)
          for n in range(1, 12)),
        Chapter("Outro", 12000, 13000),
    )  # fmt: skip
    mp3 = make_mp3(tmp_path / "ep.mp3", 13.0)
    write_tags(mp3, replace(MIX, chapters=chapters), episode_info(SETTINGS), ())
    stored = ID3(str(mp3)).getall("CHAP")
    assert [c.start_time for c in stored] == [c.start_ms for c in chapters]
    (toc,) = ID3(str(mp3)).getall("CTOC")
    assert list(toc.child_element_ids) == [c.element_id for c in stored]
    ffmpeg = find_ffmpeg().path
    listing = subprocess.run(
        [str(ffmpeg), "-hide_banner", "-nostdin", "-i", str(mp3), "-f", "ffmetadata",
         "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    titles = [line[6:] for line in listing.splitlines() if line.startswith("title=")]
    assert titles[-len(chapters) :] == [c.title for c in chapters]
