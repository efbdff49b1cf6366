"""The podcast feed: a folder of episode MP3s → ``feed.xml`` (RSS 2.0).

In: every ``*.mp3`` in the folder, read back with mutagen (ID3 tags, CHAP frames,
duration) together with its sidecars (:mod:`digest.publish.published`), and the
channel's own details (:class:`Channel`, from the folder's show file). Out:
``feed.xml`` in the same folder, with the ``itunes``, ``podcast`` (Podcasting 2.0)
and ``psc`` (Podlove Simple Chapters) namespaces: one ``<item>`` per episode with
enclosure, duration, a stable GUID, episode and season numbers, transcripts and
chapters. The XML is written with the standard library's ElementTree and renamed
over the old feed only once it is complete.

Everything in the feed comes from the files, never from the clock, so the same
folder always gives the same bytes.
"""

import logging
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import defusedxml.ElementTree as SafeET

from digest.errors import InputError
from digest.publish.cover import SHOW_COVER, write_show_cover
from digest.publish.paths import MIME_CHAPTERS, MIME_SRT, MIME_VTT
from digest.publish.published import FeedEpisode, read_episodes
from digest.publish.text import clean_text
from digest.store.files import write_atomic
from digest.timefmt import rfc822_date, timestamp, whole_seconds

log = logging.getLogger("digest")

FEED_NAME = "feed.xml"
NS_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
NS_PODCAST = "https://podcastindex.org/namespace/1.0"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_PSC = "http://podlove.org/simple-chapters"
# Podcasting 2.0 fixes this UUID as the namespace for podcast:guid values.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
# Apple Podcasts accepts at most 4000 bytes of episode description.
DESCRIPTION_LIMIT = 4000
# The show's own artwork, when the folder has it.
COVER_NAMES = ("cover.png", "cover.jpg", "cover.jpeg")


@dataclass(frozen=True, slots=True)
class Channel:
    """The show as the feed presents it.

    ``base_url`` is where the folder is published (the MP3s and sidecars are
    linked relative to it); by default the folder's own ``file://`` URI, which
    works for local players but not for podcast directories. ``cover_url`` is the
    show artwork (1400-3000 px square); by default ``cover.png`` or ``cover.jpg``
    in the folder, else ``show-cover.png``, drawn there from the show's name.
    Episode covers only ever stand for their own episode.
    """

    title: str = "Review Digest"
    author: str = "digest"
    description: str | None = None
    base_url: str | None = None
    link: str | None = None
    language: str = "en"
    cover_url: str | None = None
    owner_name: str | None = None  # None: the author
    owner_email: str | None = None
    category: str = "TV & Film"
    subcategory: str | None = "Film Reviews"
    explicit: bool = False
    copyright: str | None = None


def episode_guid(show: str, file_name: str) -> str:
    """The item GUID: a UUIDv5 of the show and the MP3's file name.

    Regenerating an episode (same show, same file) keeps its GUID, so podcast
    apps see an update rather than a new episode; content and time play no part.
    """
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, f"digest:{show}/{file_name}"))


def podcast_guid(feed_url: str) -> str:
    """The channel's ``podcast:guid``: UUIDv5 of the feed URL without its scheme."""
    parts = urlsplit(feed_url)
    bare = (parts.netloc + parts.path + parts.query + parts.fragment).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def default_base_url(folder: Path) -> str:
    """The folder's ``file://`` URI, ending in a slash."""
    return folder.resolve().as_uri().rstrip("/") + "/"


# --- rendering -------------------------------------------------------------------


def _sub(parent: ET.Element, tag: str, value: str | None = None, **attrs: str) -> None:
    """Add ``<tag attrs>value</tag>``; ``attrs`` may include one named ``text``.

    Text and attributes lose control characters on the way (a show name from the
    environment, a title in a tag): XML cannot carry them.
    """
    clean = {name: clean_text(text) for name, text in attrs.items()}
    element = ET.SubElement(parent, tag, clean)
    if value is not None:
        element.text = clean_text(value)


def _url(base: str, path: Path) -> str:
    return urljoin(base, quote(path.name))


def _notes_for_feed(episode: FeedEpisode, base: str) -> str:
    """The show notes as an HTML fragment with absolute links, within Apple's limit."""
    if episode.notes_html is None:
        return episode.comment or episode.title
    page_url = _url(base, episode.page or episode.path)
    notes = SafeET.fromstring(episode.notes_html)
    for anchor in notes.iter("a"):
        href = anchor.get("href") or ""
        absolute = urljoin(page_url, href)
        if urlsplit(href).scheme or absolute.startswith(base):
            anchor.set("href", absolute)
        else:
            # A relative link that leaves the published folder (a review's source
            # file on the author's disk) would point nowhere: keep only its text.
            anchor.tag = "span"
            anchor.attrib.clear()

    def fragment() -> str:
        inner = [notes.text or ""]
        inner += [ET.tostring(c, encoding="unicode", method="html") for c in notes]
        return "".join(inner).strip()

    text = fragment()
    if len(text.encode("utf-8")) > DESCRIPTION_LIMIT:
        # Too long for Apple: keep titles, credits, links and chapters, drop the
        # summary sentences (they are in the transcript and on the episode page).
        for parent in notes.iter():
            for child in list(parent):
                if "summary" in (child.get("class") or "").split():
                    parent.remove(child)
        text = fragment()
    return text


def _channel_cover(channel: Channel, folder: Path, base: str) -> str | None:
    if channel.cover_url:
        return channel.cover_url
    for name in (*COVER_NAMES, SHOW_COVER):
        if (folder / name).is_file():
            return urljoin(base, quote(name))
    return None


def pub_dates(episodes: Sequence[FeedEpisode]) -> dict[Path, str]:
    """Each episode's pubDate: its date at midnight UTC, one minute later for each
    episode of the same date before it (by number, then name), so apps order
    them as they were numbered; no clock is read."""
    dates: dict[Path, str] = {}
    earlier: Counter[object] = Counter()
    for episode in sorted(episodes, key=lambda e: (e.episode_date, e.day_order)):
        minutes = earlier[episode.episode_date]
        earlier[episode.episode_date] += 1
        dates[episode.path] = rfc822_date(episode.episode_date, minutes)
    return dates


def item_titles(episodes: Sequence[FeedEpisode]) -> dict[Path, str]:
    """Each episode's title; titles that repeat gain the episode number (or, when
    that repeats too, the file name), so apps can tell the episodes apart."""
    counts = Counter(e.title for e in episodes)
    numbered = Counter((e.title, e.track) for e in episodes)
    titles = {}
    for e in episodes:
        if counts[e.title] == 1:
            titles[e.path] = e.title
        elif e.track is not None and numbered[e.title, e.track] == 1:
            titles[e.path] = f"{e.title} (episode {e.track})"
        else:
            titles[e.path] = f"{e.title} ({e.path.stem})"
    return titles


def _item(
    channel_el: ET.Element,
    episode: FeedEpisode,
    channel: Channel,
    base: str,
    named: tuple[str, str],
) -> None:
    """One ``<item>``; ``named`` is its (title, pubDate)."""
    title, published = named
    item = ET.SubElement(channel_el, "item")
    _sub(item, "title", title)
    if episode.page is not None:
        _sub(item, "link", _url(base, episode.page))
    _sub(item, "description", _notes_for_feed(episode, base))
    _sub(
        item,
        "enclosure",
        url=_url(base, episode.path),
        length=str(episode.size),
        type="audio/mpeg",
    )
    guid = episode_guid(episode.show or channel.title, episode.path.name)
    _sub(item, "guid", guid, isPermaLink="false")
    _sub(item, "pubDate", published)
    _sub(item, "itunes:title", title)
    _sub(item, "itunes:author", episode.author or channel.author)
    _sub(item, "itunes:duration", whole_seconds(episode.seconds))
    _sub(item, "itunes:explicit", "true" if channel.explicit else "false")
    _sub(item, "itunes:episodeType", "full")
    if episode.season is not None:
        _sub(item, "itunes:season", str(episode.season))
    if episode.track is not None:
        _sub(item, "itunes:episode", str(episode.track))
    if episode.cover is not None:
        _sub(item, "itunes:image", href=_url(base, episode.cover))
    for path, mime in ((episode.vtt, MIME_VTT), (episode.srt, MIME_SRT)):
        if path is not None:
            _sub(
                item,
                "podcast:transcript",
                url=_url(base, path),
                type=mime,
                language=channel.language,
                rel="captions",
            )
    if episode.chapters_json is not None:
        _sub(
            item,
            "podcast:chapters",
            url=_url(base, episode.chapters_json),
            type=MIME_CHAPTERS,
        )
    if episode.chapters:
        psc = ET.SubElement(item, "psc:chapters", version="1.2")
        for chapter in episode.chapters:
            _sub(
                psc,
                "psc:chapter",
                start=timestamp(chapter.start_ms),
                title=chapter.title,
            )


def render_feed(
    episodes: Sequence[FeedEpisode], channel: Channel, folder: Path
) -> bytes:
    """The RSS document for ``episodes`` (in the given order) as UTF-8 bytes."""
    base = channel.base_url or default_base_url(folder)
    if not base.endswith("/"):
        base += "/"
    feed_url = urljoin(base, FEED_NAME)
    # Prefixed names plus explicit xmlns attributes: the output is namespaced XML
    # without touching ElementTree's process-wide prefix registry.
    rss = ET.Element(
        "rss",
        {
            "version": "2.0",
            "xmlns:itunes": NS_ITUNES,
            "xmlns:podcast": NS_PODCAST,
            "xmlns:atom": NS_ATOM,
            "xmlns:psc": NS_PSC,
        },
    )
    ch = ET.SubElement(rss, "channel")
    _sub(ch, "title", channel.title)
    _sub(ch, "link", channel.link or base)
    _sub(ch, "atom:link", href=feed_url, rel="self", type="application/rss+xml")
    description = channel.description or (
        f"{channel.title}: short spoken digests of written reviews."
    )
    _sub(ch, "description", description)
    _sub(ch, "language", channel.language)
    if channel.copyright:
        _sub(ch, "copyright", channel.copyright)
    _sub(ch, "generator", "digest")
    dates, titles = pub_dates(episodes), item_titles(episodes)
    if episodes:
        newest = max(episodes, key=lambda e: (e.episode_date, e.day_order))
        _sub(ch, "pubDate", dates[newest.path])
        _sub(ch, "lastBuildDate", dates[newest.path])
    _sub(ch, "itunes:author", channel.author)
    owner = ET.SubElement(ch, "itunes:owner")
    _sub(owner, "itunes:name", channel.owner_name or channel.author)
    if channel.owner_email:
        _sub(owner, "itunes:email", channel.owner_email)
    cover = _channel_cover(channel, folder, base)
    if cover:
        _sub(ch, "itunes:image", href=cover)
    else:
        log.warning("%s: no cover art; Apple Podcasts requires itunes:image", folder)
    category = ET.SubElement(ch, "itunes:category", text=channel.category)
    if channel.subcategory:
        _sub(category, "itunes:category", text=channel.subcategory)
    _sub(ch, "itunes:explicit", "true" if channel.explicit else "false")
    _sub(ch, "itunes:type", "episodic")
    _sub(ch, "podcast:guid", podcast_guid(feed_url))
    for episode in episodes:
        _item(ch, episode, channel, base, (titles[episode.path], dates[episode.path]))
    tree = ET.ElementTree(rss)
    ET.indent(tree, space="  ")
    out = BytesIO()
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue() + b"\n"


def write_feed(output_dir: Path, channel: Channel | None = None) -> Path:
    """Write ``output_dir/feed.xml`` listing every episode MP3 in ``output_dir``
    (and ``show-cover.png`` when the show has no artwork of its own).

    Raises :class:`InputError` when the folder holds no episode (or one that is
    not a readable MP3) and :class:`OutputError` when the feed cannot be written;
    in both cases the previous ``feed.xml`` is left as it was.
    """
    channel = channel or Channel()
    if not output_dir.is_dir():
        raise InputError(f"{output_dir}: no such folder")
    episodes = read_episodes(output_dir)
    if not episodes:
        raise InputError(f"{output_dir}: no episode MP3 to list in a feed")
    if not channel.cover_url and not any(
        (output_dir / n).is_file() for n in COVER_NAMES
    ):
        write_show_cover(output_dir, channel.title)
    data = render_feed(episodes, channel, output_dir)
    SafeET.fromstring(data)  # the feed must read back before it replaces the old one
    target = write_atomic(output_dir / FEED_NAME, data)
    log.info(
        "feed: %s (%d episode%s)", target, len(episodes), "s"[: len(episodes) != 1]
    )
    return target
