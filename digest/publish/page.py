"""The episode page: :class:`ShowNotes` → ``NAME.html`` with a player and the notes.

In: the resolved show notes and, optionally, the episode's sidecar paths to link.
Out: the text of a standalone HTML page (title, an ``<audio>`` player opening at
each chapter through media fragments, the notes in the ``#show-notes`` element,
links to the other sidecars). The page is also well-formed XML, so the feed reads
the notes back with an XML parser. Writes nothing itself:
:func:`digest.publish.sidecars.write_sidecars` writes the file.
"""

import html
from urllib.parse import quote

from digest.publish.notes import ShowNotes
from digest.publish.paths import Sidecars
from digest.publish.text import clean_text
from digest.timefmt import clock, fraction_seconds, long_date

# The element of the episode page that holds the show notes; feed.py reads it back.
NOTES_ID = "show-notes"

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
    return f"{audio}#t={fraction_seconds(ms)}"


def render_notes_html(notes: ShowNotes) -> str:
    """The show notes as an HTML fragment (the ``#show-notes`` element)."""
    out = [f'<div id="{NOTES_ID}">', f'<p class="contents">{_esc(notes.contents)}</p>']
    out += ["<h2>Chapters</h2>", '<ol class="chapters">']
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
        source = _esc(review.link_text)
        if review.link:
            source = f'<a href="{_esc(review.link)}">{source}</a>'
        out.append(f'<p class="source">Source: {source}</p>')
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
