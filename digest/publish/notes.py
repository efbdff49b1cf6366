"""Show notes: the episode, script and summaries → :class:`ShowNotes` and Markdown.

In: the episode (title, date, length, chapters, MP3 path), the script and the
summaries read in it. Out: :class:`ShowNotes`, everything the notes say already
resolved (credits, facts, sentences, links, start times), and its Markdown text
for ``NAME.md``; :mod:`digest.publish.page` renders the same notes as HTML.
Writes nothing itself: :func:`digest.publish.sidecars.write_sidecars` writes the
file. The notes open with what the episode reads, in words. Only http(s) sources
are linked: a review read from a local file is named, not linked, since no link
to it would work once the folder is published.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from digest.models import Chapter, Episode, Review, Script, Summary
from digest.publish.chapters import review_chapters
from digest.publish.text import clean_text, safe_url
from digest.timefmt import clock, long_date

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|])")
_MD_BLOCK_START = re.compile(r"^([#>+\-=])")
_MD_LIST_NUMBER = re.compile(r"^(\d+)([.)])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


@dataclass(frozen=True, slots=True)
class NoteReview:
    """One review as the show notes present it."""

    number: int
    title: str
    byline: str | None
    facts: tuple[str, ...]
    sentences: tuple[str, ...]
    link: str | None  # the review's web page; None for a local file
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

    @property
    def contents(self) -> str:
        """What the episode reads, as a sentence that opens the notes."""
        items = [
            f"{r.title} ({r.byline})" if r.byline else r.title for r in self.reviews
        ]
        count = len(items)
        what = (
            "a summary of one review" if count == 1 else f"summaries of {count} reviews"
        )
        return f"This episode reads {what}: {'; '.join(items)}."


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


def build_show_notes(
    episode: Episode, script: Script, summaries: Sequence[Summary]
) -> ShowNotes:
    """Resolve what the show notes say: reviews, credits, facts, links, times."""
    reviews = []
    for number, (summary, chapter) in enumerate(
        review_chapters(episode, script, summaries), start=1
    ):
        review = summary.review
        url = safe_url(review.url)
        reviews.append(
            NoteReview(
                number=number,
                title=clean_text(review.title),
                byline=_byline(review),
                facts=_facts(summary),
                sentences=tuple(clean_text(s) for s in summary.sentences),
                link=url,
                link_text=url or clean_text(review.source.name),
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
        md_escape(notes.contents),
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
        source = md_escape(review.link_text)
        if review.link:
            source = f"[{source}]({_md_url(review.link)})"
        out += ["", f"Source: {source}"]
    return "\n".join(out) + "\n"
