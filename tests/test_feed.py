"""feed.xml: built from real tagged MP3s and their sidecars, read with feedparser."""

import os
import subprocess
import uuid
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import defusedxml.ElementTree as SafeET
import feedparser
import pytest
from mutagen.id3 import COMM, ID3, TALB, TDRC, TIT2, TPE1, TPOS, TRCK
from PIL import Image

from digest.errors import InputError, OutputError
from digest.media.engines import find_ffmpeg
from digest.models import Chapter
from digest.publish.cover import SHOW_COVER
from digest.publish.episode import add_chapters
from digest.publish.feed import (
    DESCRIPTION_LIMIT,
    NS_ITUNES,
    NS_PODCAST,
    NS_PSC,
    Channel,
    episode_guid,
    podcast_guid,
    write_feed,
)
from digest.publish.published import read_episode
from digest.publish.sidecars import write_sidecars
from tests.golden import load_case

BASE = "https://pod.example.com/digest/"


def make_mp3(
    path: Path,
    seconds: float,
    *,
    title: str = "Episode",
    show: str = "Review Digest",
    artist: str = "digest",
    day: str | None = "2024-05-06",
    chapters: tuple[Chapter, ...] = (),
    frequency: int = 440,
    track: int | None = None,
    season: int | None = None,
) -> Path:
    """A real CBR MP3 (a tone) tagged the way digest/publish.py tags episodes."""
    ffmpeg = find_ffmpeg().path
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(ffmpeg), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
         "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "64k",
         "-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "1",
         "-f", "mp3", str(path)],
        check=True,
    )  # fmt: skip
    tags = ID3()
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text=artist))
    tags.add(TALB(encoding=3, text=show))
    if day is not None:
        tags.add(TDRC(encoding=3, text=day))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=f"{title} (comment)"))
    if track is not None:
        tags.add(TRCK(encoding=3, text=str(track)))
    if season is not None:
        tags.add(TPOS(encoding=3, text=str(season)))
    add_chapters(tags, chapters)
    tags.save(str(path), v2_version=4, v1=0)
    return path


def _published(folder: Path, name: str, seconds: float, day: str, **kw: str) -> Path:
    """An MP3 plus the sidecars write_sidecars makes for it (golden 'examples')."""
    mp3 = folder / name
    case = load_case("examples", folder.parent, mp3=mp3)
    chapters = (
        Chapter("Intro", 0, 1000),
        Chapter("Circuit Breakers", 1000, int(seconds * 1000)),
    )
    make_mp3(mp3, seconds, title=kw.get("title", name), day=day, chapters=chapters)
    write_sidecars(case.episode, case.script, case.summaries)
    return mp3


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A published folder: two episodes with sidecars, one bare MP3, a cover."""
    out = tmp_path / "site"
    _published(out, "2024-05-06.mp3", 2.5, "2024-05-06", title="Monday's digest")
    _published(out, "2024-05-13.mp3", 3.2, "2024-05-13", title="Next week & more")
    make_mp3(out / "bare.mp3", 1.5, title="Bare", day="2024-04-01", frequency=330)
    (out / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return out


def _parse(feed: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_every_episode_is_an_entry(folder: Path) -> None:
    """One entry per MP3, newest first, with the exact enclosure length and type."""
    feed = write_feed(folder, Channel(base_url=BASE))
    assert feed == folder / "feed.xml"
    parsed = _parse(feed)
    assert parsed.version == "rss20"
    names = ["2024-05-13.mp3", "2024-05-06.mp3", "bare.mp3"]
    assert [e.title for e in parsed.entries] == [
        "Next week & more",
        "Monday's digest",
        "Bare",
    ]
    for entry, name in zip(parsed.entries, names, strict=True):
        mp3 = folder / name
        (enclosure,) = entry.enclosures
        assert enclosure.href == BASE + name
        assert int(enclosure.length) == mp3.stat().st_size
        assert enclosure.type == "audio/mpeg"
        assert int(entry.itunes_duration) == round(read_episode(mp3).seconds)
        assert entry.id == episode_guid("Review Digest", name)
        assert entry.guidislink is False
    assert parsed.entries[0].published == "Mon, 13 May 2024 00:00:00 GMT"
    assert parsed.entries[2].published == "Mon, 01 Apr 2024 00:00:00 GMT"


def test_durations_match_the_audio(folder: Path) -> None:
    """itunes:duration is the MP3's length in whole seconds."""
    parsed = _parse(write_feed(folder, Channel(base_url=BASE)))
    assert [int(e.itunes_duration) for e in parsed.entries] == [3, 3, 2]


def test_channel_fields(folder: Path) -> None:
    """Channel: title, link, description, language, Apple's itunes fields."""
    channel = Channel(
        title="Film Notes",
        author="Ada Critic",
        description="Films, briefly.",
        base_url=BASE,
        owner_email="ada@example.com",
        explicit=False,
    )
    parsed = _parse(write_feed(folder, channel))
    feed = parsed.feed
    assert feed.title == "Film Notes"
    assert feed.link == BASE
    assert feed.subtitle == "Films, briefly."
    assert feed.language == "en"
    assert feed.author_detail.name == "Ada Critic"
    assert feed.publisher_detail.email == "ada@example.com"
    assert feed.image.href == BASE + "cover.png"
    # feedparser maps only "yes"/"true"/"clean"; Apple's current value is "false".
    assert feed.itunes_explicit is None
    assert feed.podcast_guid == podcast_guid(BASE + "feed.xml")
    explicit = (
        _xml(folder / "feed.xml").getroot().findtext(f"channel/{{{NS_ITUNES}}}explicit")
    )
    assert explicit == "false"
    assert [t.term for t in feed.tags] == ["TV & Film", "Film Reviews"]
    category = (
        _xml(folder / "feed.xml").getroot().find(f"channel/{{{NS_ITUNES}}}category")
    )
    assert category is not None
    assert category.attrib == {"text": "TV & Film"}
    assert [c.attrib for c in category] == [{"text": "Film Reviews"}]
    assert category.text is None or not category.text.strip()
    assert feed.updated == "Mon, 13 May 2024 00:00:00 GMT"


def _xml(feed: Path) -> ET.ElementTree:
    return SafeET.parse(feed)


def test_transcripts_and_chapters_links(folder: Path) -> None:
    """podcast:transcript (VTT, SRT) and podcast:chapters when the sidecars exist."""
    feed = write_feed(folder, Channel(base_url=BASE))
    items = {item.findtext("title"): item for item in _xml(feed).getroot().iter("item")}
    item = items["Monday's digest"]
    transcripts = [t.attrib for t in item.findall(f"{{{NS_PODCAST}}}transcript")]
    assert transcripts == [
        {
            "url": BASE + "2024-05-06.vtt",
            "type": "text/vtt",
            "language": "en",
            "rel": "captions",
        },
        {
            "url": BASE + "2024-05-06.srt",
            "type": "application/x-subrip",
            "language": "en",
            "rel": "captions",
        },
    ]
    (chapters,) = item.findall(f"{{{NS_PODCAST}}}chapters")
    assert chapters.attrib == {
        "url": BASE + "2024-05-06.chapters.json",
        "type": "application/json+chapters",
    }
    for url in [t["url"] for t in transcripts] + [chapters.attrib["url"]]:
        assert (folder / url.removeprefix(BASE)).is_file()
    psc = [c.attrib for c in item.iter(f"{{{NS_PSC}}}chapter")]
    assert psc == [
        {"start": "00:00:00.000", "title": "Intro"},
        {"start": "00:00:01.000", "title": "Circuit Breakers"},
    ]
    bare = items["Bare"]
    assert bare.findall(f"{{{NS_PODCAST}}}transcript") == []
    assert bare.findall(f"{{{NS_PODCAST}}}chapters") == []
    assert bare.findtext("description") == "Bare (comment)"


def test_description_is_the_show_notes(folder: Path) -> None:
    """The item description is the notes fragment with absolute links, ≤ 4000 B."""
    parsed = _parse(write_feed(folder, Channel(base_url=BASE)))
    entry = parsed.entries[1]
    html = entry.description
    assert "Circuit Breakers" in html
    assert "Dana Whitfield" in html
    assert f'href="{BASE}2024-05-06.mp3#t=' in html
    # The source files are outside the published folder: text, not links.
    assert "orbit-of-ash.txt" in html
    assert "examples/orbit-of-ash.txt" not in html
    assert 'href="https://reviews.example.com/circuit-breakers"' in html
    assert 'href="../' not in html
    assert 'href="episode' not in html
    assert len(html.encode("utf-8")) <= DESCRIPTION_LIMIT
    assert entry.link == BASE + "2024-05-06.html"


def test_long_notes_drop_the_sentences(folder: Path) -> None:
    """Notes over Apple's 4000 bytes keep titles and links, not the sentences."""
    page = folder / "2024-05-06.html"
    text = page.read_text(encoding="utf-8")
    filler = "<p>" + "Long sentence. " * 300 + "</p>"
    page.write_text(
        text.replace(
            '<blockquote class="summary">', '<blockquote class="summary">' + filler, 1
        ),
        encoding="utf-8",
    )
    parsed = _parse(write_feed(folder, Channel(base_url=BASE)))
    html = parsed.entries[1].description
    assert len(html.encode("utf-8")) <= DESCRIPTION_LIMIT
    assert "Long sentence" not in html
    assert "Circuit Breakers" in html
    assert "Source:" in html


def test_guid_survives_regeneration(folder: Path) -> None:
    """Rebuilding an episode (new audio, same file) keeps its GUID; size follows."""
    parsed = _parse(write_feed(folder, Channel(base_url=BASE)))
    before = {
        e.enclosures[0].href: (e.id, int(e.enclosures[0].length))
        for e in parsed.entries
    }
    _published(folder, "2024-05-06.mp3", 4.0, "2024-05-06", title="Monday, redone")
    parsed = _parse(write_feed(folder, Channel(base_url=BASE)))
    after = {
        e.enclosures[0].href: (e.id, int(e.enclosures[0].length))
        for e in parsed.entries
    }
    url = BASE + "2024-05-06.mp3"
    assert after[url][0] == before[url][0]
    assert after[url][1] == (folder / "2024-05-06.mp3").stat().st_size != before[url][1]
    assert len({guid for guid, _ in after.values()}) == 3


def test_guids_differ_by_show_and_file() -> None:
    """GUIDs are UUIDs derived from show and file name only."""
    one = episode_guid("Review Digest", "a.mp3")
    assert one == episode_guid("Review Digest", "a.mp3")
    assert one != episode_guid("Review Digest", "b.mp3")
    assert one != episode_guid("Other Show", "a.mp3")
    assert uuid.UUID(one).version == 5


def test_podcast_guid_follows_the_spec() -> None:
    """UUIDv5 of the feed URL without scheme and trailing slash."""
    ns = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
    expected = str(uuid.uuid5(ns, "pod.example.com/feed.xml"))
    assert podcast_guid("https://pod.example.com/feed.xml/") == expected


def test_deterministic_bytes(folder: Path) -> None:
    """Same folder, same feed: no clock anywhere."""
    first = write_feed(folder, Channel(base_url=BASE)).read_bytes()
    os.utime(folder / "2024-05-06.mp3", (0, 0))
    assert write_feed(folder, Channel(base_url=BASE)).read_bytes() == first
    assert b"lastBuildDate>Mon, 13 May 2024 00:00:00 GMT<" in first


def test_default_base_url_is_the_folder(folder: Path) -> None:
    """Without a base URL, links are the folder's file:// URIs."""
    parsed = _parse(write_feed(folder))
    base = folder.resolve().as_uri() + "/"
    assert parsed.entries[0].enclosures[0].href == base + "2024-05-13.mp3"
    assert parsed.feed.image.href == base + "cover.png"


def test_namespaces_declared(folder: Path) -> None:
    """itunes and podcast namespaces, plus the channel's podcast:guid."""
    feed = write_feed(folder, Channel(base_url=BASE))
    text = feed.read_text(encoding="utf-8")
    assert f'xmlns:itunes="{NS_ITUNES}"' in text
    assert f'xmlns:podcast="{NS_PODCAST}"' in text
    root = _xml(feed).getroot()
    assert root.findtext(f"channel/{{{NS_PODCAST}}}guid") == podcast_guid(
        BASE + "feed.xml"
    )


def test_hidden_and_other_files_are_ignored(folder: Path) -> None:
    """Temporary .part files, hidden files and non-MP3s are not episodes."""
    (folder / ".2024-05-20.abc.part.mp3").write_bytes(b"half an mp3")
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    parsed = _parse(write_feed(folder, Channel(base_url=BASE)))
    assert len(parsed.entries) == 3


def test_broken_mp3_keeps_the_old_feed(folder: Path) -> None:
    """A folder that cannot be listed raises InputError; feed.xml stays as it was."""
    feed = write_feed(folder, Channel(base_url=BASE))
    before = feed.read_bytes()
    (folder / "zz-broken.mp3").write_bytes(b"this is not audio" * 10)
    with pytest.raises(InputError, match=r"zz-broken\.mp3: not a readable MP3"):
        write_feed(folder, Channel(base_url=BASE))
    assert feed.read_bytes() == before


def test_write_failure_keeps_the_old_feed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed rename raises OutputError; the old feed is untouched."""
    feed = write_feed(folder, Channel(base_url=BASE))
    before = feed.read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match="feed.xml: cannot write"):
        write_feed(folder, Channel(base_url=BASE, title="New"))
    assert feed.read_bytes() == before
    assert not [p for p in folder.iterdir() if p.name.startswith(".feed.xml")]


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    """No episodes, no feed: InputError."""
    with pytest.raises(InputError, match="no episode MP3"):
        write_feed(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        write_feed(tmp_path / "missing")


def test_untagged_mp3_uses_file_facts(tmp_path: Path) -> None:
    """No tags: title from the file name, date from its modification time."""
    mp3 = make_mp3(tmp_path / "raw take.mp3", 1.0, day=None)
    ID3(str(mp3)).delete(str(mp3))
    os.utime(mp3, (1_700_000_000, 1_700_000_000))
    episode = read_episode(mp3)
    assert episode.title == "raw take"
    assert episode.episode_date == date(2023, 11, 14)
    parsed = _parse(write_feed(tmp_path, Channel(base_url=BASE)))
    assert parsed.entries[0].enclosures[0].href == BASE + "raw%20take.mp3"


def test_channel_artwork_is_the_shows_own(folder: Path) -> None:
    """No cover.png: the show's cover is drawn (never an episode's); a URL wins."""
    (folder / "cover.png").unlink()
    (folder / "2024-05-13.cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    parsed = _parse(write_feed(folder, Channel(title="Film Notes", base_url=BASE)))
    assert parsed.feed.image.href == BASE + SHOW_COVER
    with Image.open(folder / SHOW_COVER) as image:
        assert image.size == (1400, 1400)
    drawn = (folder / SHOW_COVER).read_bytes()
    write_feed(folder, Channel(title="Film Notes", base_url=BASE))
    assert (folder / SHOW_COVER).read_bytes() == drawn
    art = "https://cdn.example.com/show.jpg"
    parsed = _parse(write_feed(folder, Channel(base_url=BASE, cover_url=art)))
    assert parsed.feed.image.href == art


def test_same_date_episodes_are_numbered_and_ordered(tmp_path: Path) -> None:
    """Tracks become itunes:episode (TPOS itunes:season); episodes of one date get
    distinct titles and pubDates in number order, with no clock read."""
    out = tmp_path / "site"
    for track in (2, 1, 10):
        make_mp3(
            out / f"ep{track}.mp3", 1.0, title="La La Land and Arrival",
            day="2026-11-21", track=track, season=3, frequency=300 + track,
        )  # fmt: skip
    make_mp3(out / "other.mp3", 1.0, title="Moonlight", day="2026-11-21")
    feed = write_feed(out, Channel(base_url=BASE))
    parsed = _parse(feed)
    assert [e.enclosures[0].href.removeprefix(BASE) for e in parsed.entries] == [
        "ep10.mp3", "ep2.mp3", "ep1.mp3", "other.mp3",
    ]  # fmt: skip
    titles = [e.title for e in parsed.entries]
    assert len(set(titles)) == 4
    assert titles[:3] == [f"La La Land and Arrival (episode {n})" for n in (10, 2, 1)]
    assert [e.published for e in parsed.entries] == [
        f"Sat, 21 Nov 2026 00:0{m}:00 GMT" for m in (3, 2, 1, 0)
    ]
    assert parsed.feed.updated == parsed.entries[0].published
    items = list(_xml(feed).getroot().iter("item"))
    numbers = [item.findtext(f"{{{NS_ITUNES}}}episode") for item in items]
    assert numbers == ["10", "2", "1", None]
    seasons = [item.findtext(f"{{{NS_ITUNES}}}season") for item in items]
    assert seasons == ["3", "3", "3", None]
    assert write_feed(out, Channel(base_url=BASE)).read_bytes() == feed.read_bytes()


def test_control_characters_never_break_the_feed(tmp_path: Path) -> None:
    """Control characters in the show, author or a title are dropped from the XML."""
    make_mp3(tmp_path / "a.mp3", 1.0, title="Bad\x01 title\x0b", artist="A\x1bB")
    channel = Channel(title="Show\x00 name\x07", author="Ada\x08", base_url=BASE)
    parsed = _parse(write_feed(tmp_path, channel))
    assert parsed.feed.title == "Show name"
    assert parsed.entries[0].title == "Bad title"
    assert parsed.feed.author_detail.name == "Ada"
