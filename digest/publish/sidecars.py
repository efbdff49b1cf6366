"""Sidecar files: the published :class:`Episode` → transcripts, chapters, show notes.

In: the episode (its MP3 path, chapters and cues), the script it was read from and
the summaries behind it. Out, next to ``NAME.mp3``: ``NAME.vtt`` and ``NAME.srt``
(sentence-level transcripts with speaker names), ``NAME.chapters.json``
(Podcasting 2.0 JSON chapters), ``NAME.md`` (show notes) and ``NAME.html`` (an
episode page that plays the MP3 and carries the same notes). Every file is
rendered in memory, then written to a temporary file beside its target and
renamed over it. Output depends only on the inputs: no clock, no absolute paths.
"""

import html
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlsplit

from digest.models import Chapter, Cue, Episode, LineKind, Review, Script, Summary
from digest.script import speech_text
from digest.store.files import write_atomic

log = logging.getLogger("digest")

CHAPTERS_VERSION = "1.2.0"
MIME_VTT = "text/vtt"
MIME_SRT = "application/x-subrip"
MIME_CHAPTERS = "application/json+chapters"
# The element of the episode page that holds the show notes; feed.py reads it back.
NOTES_ID = "show-notes"
# Review links from metadata go into href attributes: only web schemes are
# trusted, so a "javascript:" URL in a review file can never become a link.
SAFE_URL_SCHEMES = ("http", "https")

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|])")
_MD_BLOCK_START = re.compile(r"^([#>+\-=])")
_MD_LIST_NUMBER = re.compile(r"^(\d+)([.)])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


@dataclass(frozen=True, slots=True)
class Sidecars:
    """Where the files that travel with one episode MP3 live."""

    vtt: Path
    srt: Path
    chapters: Path
    markdown: Path
    html: Path

    @classmethod
    def for_mp3(cls, mp3: Path) -> "Sidecars":
        """The sidecar paths of ``mp3`` (``episode.mp3`` → ``episode.vtt`` ...)."""
        return cls(
            vtt=mp3.with_suffix(".vtt"),
            srt=mp3.with_suffix(".srt"),
            chapters=mp3.with_suffix(".chapters.json"),
            markdown=mp3.with_suffix(".md"),
            html=mp3.with_suffix(".html"),
        )

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every sidecar path, transcripts first."""
        return (self.vtt, self.srt, self.chapters, self.markdown, self.html)


@dataclass(frozen=True, slots=True)
class NoteReview:
    """One review as the show notes present it."""

    number: int
    title: str
    byline: str | None
    facts: tuple[str, ...]
    sentences: tuple[str, ...]
    link: str
    link_text: str
    start_ms: int | None


@dataclass(frozen=True, slots=True)
class ShowNotes:
    """Everything the Markdown and HTML show notes say, already resolved."""

    show: str
    title: str
    episode_date: date
    seconds: float
    audio: str
    audio_name: str
    chapters: tuple[Chapter, ...]
    reviews: tuple[NoteReview, ...]


# --- small formatting helpers ------------------------------------------------


def clean_text(text: str) -> str:
    """Collapse runs of whitespace (hard-wrapped sentences) into single spaces."""
    return " ".join(text.split())


def long_date(day: date) -> str:
    """``May 6, 2024``, the same in every locale."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def clock(ms: int) -> str:
    """A listener's timestamp: ``M:SS`` under an hour, else ``H:MM:SS``."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _timestamp(ms: int, separator: str) -> str:
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def speaker_label(speaker: str) -> str:
    """How a script speaker id is shown to readers (``host`` → ``Host``)."""
    label = clean_text(speaker.partition(".")[0])  # narrator.fr → Narrator
    return label[:1].upper() + label[1:] if label else "Speaker"


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


def _relative_link(target: Path, page_dir: Path) -> str:
    """A URL path from a page in ``page_dir`` to ``target`` (a local file)."""
    try:
        rel = os.path.relpath(target.absolute(), page_dir.absolute())
    except ValueError:  # another drive on Windows: no relative path exists
        return target.absolute().as_uri()
    return quote(Path(rel).as_posix())


# --- transcripts ---------------------------------------------------------------


def transcript_cues(
    cues: Sequence[Cue], summaries: Sequence[Summary]
) -> tuple[Cue, ...]:
    """The cues with each narrated sentence restored to its written form.

    The script reads :func:`digest.script.speech_text` of every summary sentence
    ("writer/director" becomes "writer and director"); readers should see the
    review's own words, so each cue whose text is such a prepared sentence gets
    the original back. Other lines (the host's) are shown as spoken.
    """
    originals: dict[str, str] = {}
    for summary in summaries:
        for sentence in summary.sentences:
            spoken = speech_text(sentence, summary.review.language)
            originals.setdefault(spoken, clean_text(sentence))
    shown = []
    for cue in cues:
        text = originals.get(cue.text, clean_text(cue.text))
        if text:
            shown.append(Cue(cue.speaker, text, cue.start_ms, cue.end_ms))
    return tuple(shown)


def _vtt_escape(text: str) -> str:
    # WebVTT cue text is markup: &, < and > must be character references.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: Sequence[Cue]) -> str:
    """A WebVTT transcript: one numbered cue per line, ``<v Speaker>`` voice spans."""
    blocks = ["WEBVTT"]
    for number, cue in enumerate(cues, start=1):
        start = _timestamp(cue.start_ms, ".")
        end = _timestamp(max(cue.end_ms, cue.start_ms + 1), ".")
        voice = _vtt_escape(speaker_label(cue.speaker))
        blocks.append(
            f"{number}\n{start} --> {end}\n<v {voice}>{_vtt_escape(cue.text)}</v>"
        )
    return "\n\n".join(blocks) + "\n"


def render_srt(cues: Sequence[Cue]) -> str:
    """A SubRip transcript: numbered cues, ``Speaker: text``."""
    blocks = []
    for number, cue in enumerate(cues, start=1):
        start = _timestamp(cue.start_ms, ",")
        end = _timestamp(max(cue.end_ms, cue.start_ms + 1), ",")
        blocks.append(
            f"{number}\n{start} --> {end}\n{speaker_label(cue.speaker)}: {cue.text}"
        )
    return "\n\n".join(blocks) + "\n" if blocks else ""


# --- chapters ------------------------------------------------------------------


def render_chapters_json(
    episode: Episode, chapter_urls: Mapping[int, str] | None = None
) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0) for ``episode``.

    ``chapter_urls`` maps a chapter's index to a related web page (the review).
    """
    urls = chapter_urls or {}
    chapters: list[dict[str, object]] = []
    for index, chapter in enumerate(episode.chapters):
        entry: dict[str, object] = {
            "startTime": round(chapter.start_ms / 1000, 3),
            "endTime": round(chapter.end_ms / 1000, 3),
            "title": chapter.title,
        }
        if index in urls:
            entry["url"] = urls[index]
        chapters.append(entry)
    document = {
        "version": CHAPTERS_VERSION,
        "title": episode.title,
        "podcastName": episode.show,
        "fileName": episode.path.name,
        "chapters": chapters,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- show notes ----------------------------------------------------------------


def _review_segments(script: Script) -> list[int]:
    """Indexes of the script segments that read a review (they hold sentences)."""
    return [
        index
        for index, segment in enumerate(script.segments)
        if any(line.kind is LineKind.SENTENCE for line in segment.lines)
    ]


def _byline(review: Review) -> str | None:
    critic = clean_text(review.critic or "")
    outlet = clean_text(review.outlet or "")
    if critic and outlet:
        return f"{critic}, {outlet}"
    return critic or outlet or None


def _facts(summary: Summary) -> tuple[str, ...]:
    facts = summary.facts
    review = summary.review
    out = []
    rating = clean_text(facts.rating or review.rating or "")
    if rating:
        out.append(f"Rating: {rating}")
    if facts.runtime_minutes:
        out.append(f"Runtime: {facts.runtime_minutes} min")
    if facts.certificate:
        out.append(f"Certificate: {clean_text(facts.certificate)}")
    if review.published:
        out.append(f"Published: {long_date(review.published)}")
    return tuple(out)


def review_chapters(
    episode: Episode, script: Script, summaries: Sequence[Summary]
) -> list[tuple[Summary, int | None]]:
    """Pair each read summary with the index of its chapter in ``episode``.

    Chapters are made one per script segment, so they line up by position; when
    they do not (an episode from elsewhere), a chapter is matched by title.
    """
    spoken = [s for s in summaries if s.sentences]
    segments = _review_segments(script)
    aligned = len(episode.chapters) == len(script.segments) and len(segments) == len(
        spoken
    )
    pairs: list[tuple[Summary, int | None]] = []
    used: set[int] = set()
    for position, summary in enumerate(spoken):
        index: int | None = segments[position] if aligned else None
        if index is None:
            index = next(
                (
                    i
                    for i, chapter in enumerate(episode.chapters)
                    if i not in used and chapter.title == summary.review.title
                ),
                None,
            )
        if index is not None:
            used.add(index)
        pairs.append((summary, index))
    return pairs


def build_show_notes(
    episode: Episode, script: Script, summaries: Sequence[Summary]
) -> ShowNotes:
    """Resolve what the show notes say: reviews, credits, facts, links, times."""
    page_dir = episode.path.parent
    reviews = []
    for number, (summary, chapter) in enumerate(
        review_chapters(episode, script, summaries), start=1
    ):
        review = summary.review
        url = safe_url(review.url)
        if url:
            link, link_text = url, url
        else:
            link, link_text = (
                _relative_link(review.source, page_dir),
                review.source.name,
            )
        reviews.append(
            NoteReview(
                number=number,
                title=clean_text(review.title),
                byline=_byline(review),
                facts=_facts(summary),
                sentences=tuple(clean_text(s) for s in summary.sentences),
                link=link,
                link_text=link_text,
                start_ms=None
                if chapter is None
                else episode.chapters[chapter].start_ms,
            )
        )
    return ShowNotes(
        show=clean_text(script.show or episode.show),
        title=clean_text(episode.title),
        episode_date=episode.episode_date,
        seconds=episode.seconds,
        audio=quote(episode.path.name),
        audio_name=episode.path.name,
        chapters=episode.chapters,
        reviews=tuple(reviews),
    )


def md_escape(text: str) -> str:
    """Backslash-escape Markdown syntax so review text is shown, never interpreted."""
    text = _MD_SPECIAL.sub(r"\\\1", clean_text(text))
    text = _MD_ENTITY.sub(r"\\&", text)  # "&amp;" in a review is text, not "&"
    # What would start a heading, quote, list or setext underline at the start
    # of a line: "# x", "- x", "1. x" → "\# x", "\- x", "1\. x".
    text = _MD_BLOCK_START.sub(r"\\\1", text)
    return _MD_LIST_NUMBER.sub(r"\1\\\2", text)


def _md_url(url: str) -> str:
    # Angle brackets allow any URL in a Markdown link; the few characters that
    # could end it early are percent-encoded.
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"


def render_markdown(notes: ShowNotes) -> str:
    """The show notes as Markdown."""
    duration = clock(round(notes.seconds * 1000))
    out = [
        f"# {md_escape(notes.title)}",
        "",
        f"**{md_escape(notes.show)}** · {long_date(notes.episode_date)} · {duration}",
        "",
        f"Listen: [{md_escape(notes.audio_name)}]({_md_url(notes.audio)})",
        "",
        "## Chapters",
        "",
    ]
    out += [f"- {clock(c.start_ms)} {md_escape(c.title)}" for c in notes.chapters]
    out += ["", "## Reviews"]
    for review in notes.reviews:
        out += ["", f"### {review.number}. {md_escape(review.title)}", ""]
        details = []
        if review.byline:
            details.append(f"By {md_escape(review.byline)}")
        details += [md_escape(fact) for fact in review.facts]
        if review.start_ms is not None:
            details.append(f"Starts at {clock(review.start_ms)}")
        if details:
            out += [" · ".join(details), ""]
        # Each sentence its own quoted paragraph ("> a", ">", "> b").
        out.append("\n>\n".join(f"> {md_escape(s)}" for s in review.sentences))
        out += [
            "",
            f"Source: [{md_escape(review.link_text)}]({_md_url(review.link)})",
        ]
    return "\n".join(out) + "\n"


_CSS = """\
body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto;
  padding: 0 1rem; line-height: 1.5; color: #1d1d1f; }
header p { margin: 0.2rem 0; color: #555; }
audio { width: 100%; margin: 1rem 0; }
blockquote { margin: 0.5rem 0; padding-left: 1rem; border-left: 3px solid #ccc; }
.chapters { padding-left: 1.2rem; }
.meta, .source { color: #555; font-size: 0.95rem; }"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _chapter_href(audio: str, ms: int) -> str:
    # A media fragment (#t=seconds) opens the MP3 at the chapter: no script needed.
    return f"{audio}#t={ms / 1000:.3f}"


def render_notes_html(notes: ShowNotes) -> str:
    """The show notes as an HTML fragment (the ``#show-notes`` element)."""
    out = [f'<div id="{NOTES_ID}">', "<h2>Chapters</h2>", '<ol class="chapters">']
    for chapter in notes.chapters:
        href = _esc(_chapter_href(notes.audio, chapter.start_ms))
        out.append(
            f'<li><a href="{href}">{clock(chapter.start_ms)}</a> '
            f"{_esc(clean_text(chapter.title))}</li>"
        )
    out += ["</ol>", "<h2>Reviews</h2>"]
    for review in notes.reviews:
        out += ["<section>", f"<h3>{review.number}. {_esc(review.title)}</h3>"]
        details = []
        if review.byline:
            details.append(f"By {_esc(review.byline)}")
        details += [_esc(fact) for fact in review.facts]
        if review.start_ms is not None:
            href = _esc(_chapter_href(notes.audio, review.start_ms))
            details.append(f'Starts at <a href="{href}">{clock(review.start_ms)}</a>')
        if details:
            out.append(f'<p class="meta">{" · ".join(details)}</p>')
        out.append('<blockquote class="summary">')
        out += [f"<p>{_esc(sentence)}</p>" for sentence in review.sentences]
        out.append("</blockquote>")
        out.append(
            f'<p class="source">Source: <a href="{_esc(review.link)}">'
            f"{_esc(review.link_text)}</a></p>"
        )
        out.append("</section>")
    out.append("</div>")
    return "\n".join(out)


def render_html(notes: ShowNotes, files: Sidecars | None = None) -> str:
    """The episode page: title, an ``<audio controls>`` player, the show notes.

    The page is also well-formed XML (every element closed, attributes quoted,
    only XML's own character references), so the feed can read its notes back
    with a real XML parser.
    """
    audio = _esc(notes.audio)
    duration = clock(round(notes.seconds * 1000))
    links = []
    track = []
    if files is not None:
        # Captions on an <audio> element are not drawn, but players and scripts
        # can read them (audio.textTracks) to show the words being spoken.
        track.append(
            f'<track kind="captions" src="{_esc(quote(files.vtt.name))}" '
            'srclang="en" label="Transcript" default="default"/>'
        )
        for path, label in (
            (files.vtt, "WebVTT"),
            (files.srt, "SRT"),
            (files.chapters, "chapters (JSON)"),
            (files.markdown, "show notes (Markdown)"),
        ):
            links.append(f'<a href="{_esc(quote(path.name))}">{label}</a>')
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>{_esc(notes.title)} · {_esc(notes.show)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<p class="show">{_esc(notes.show)}</p>',
        f"<h1>{_esc(notes.title)}</h1>",
        f'<p class="meta"><time datetime="{notes.episode_date.isoformat()}">'
        f"{long_date(notes.episode_date)}</time> · {duration}</p>",
        "</header>",
        f'<audio id="player" controls="controls" preload="metadata" src="{audio}">',
        *track,
        f'<a href="{audio}">Download the episode (MP3)</a>',
        "</audio>",
        render_notes_html(notes),
    ]
    if links:
        head.append(f'<p class="files">Files: {" · ".join(links)}</p>')
    head += ["</body>", "</html>"]
    return "\n".join(head) + "\n"


# --- writing -------------------------------------------------------------------


def _write_all(files: Iterable[tuple[Path, str]]) -> None:
    for path, text in files:
        write_atomic(path, text.encode("utf-8"))


def write_sidecars(
    episode: Episode,
    script: Script,
    summaries: Sequence[Summary],
    *,
    cues: Sequence[Cue] | None = None,
) -> Sidecars:
    """Write the transcripts, chapters JSON and show notes next to the MP3.

    ``cues`` defaults to ``episode.cues`` (pass ``mix.cues`` when the episode does
    not carry them). Same inputs, same bytes.
    """
    files = Sidecars.for_mp3(episode.path)
    shown = transcript_cues(episode.cues if cues is None else cues, summaries)
    if not shown:
        log.warning("%s: no timed lines, the transcripts are empty", episode.path)
    notes = build_show_notes(episode, script, summaries)
    chapter_urls = {
        index: url
        for summary, index in review_chapters(episode, script, summaries)
        if index is not None and (url := safe_url(summary.review.url))
    }
    _write_all(
        [
            (files.vtt, render_vtt(shown)),
            (files.srt, render_srt(shown)),
            (files.chapters, render_chapters_json(episode, chapter_urls)),
            (files.markdown, render_markdown(notes)),
            (files.html, render_html(notes, files)),
        ]
    )
    log.info("sidecars: %s", ", ".join(p.name for p in files.paths))
    return files
