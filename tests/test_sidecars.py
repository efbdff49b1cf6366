"""Sidecars: transcripts (VTT, SRT), JSON chapters and show notes (md, html).

Golden files: every ``tests/golden/<case>/input.json`` is rendered and compared
byte for byte with ``tests/golden/<case>/expected/``. After an intended change,
regenerate with ``GOLDEN_UPDATE=1 .venv/bin/python -m pytest tests/test_sidecars.py``
and review the diff.
"""

import html
import itertools
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
from markdown_it import MarkdownIt

from digest.errors import OutputError
from digest.models import Cue
from digest.publish.notes import md_escape
from digest.publish.paths import Sidecars
from digest.publish.sidecars import write_sidecars
from digest.publish.text import safe_url
from digest.publish.transcripts import (
    MAX_CAPTION_MS,
    MAX_ROWS,
    ROW_CHARS,
    caption_cues,
    render_vtt,
    transcript_cues,
)
from digest.store.files import write_atomic
from digest.timefmt import timestamp
from tests.golden import CASES, Case, load_case

UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"
EXPECTED_NAMES = {
    "vtt": "episode.vtt",
    "srt": "episode.srt",
    "chapters": "episode.chapters.json",
    "markdown": "episode.md",
    "html": "episode.html",
}
_VTT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME} --> {_VTT_TIME}$")


def _case(name: str, tmp_path: Path) -> tuple[Case, Sidecars]:
    case = load_case(name, tmp_path / name)
    return case, write_sidecars(case.episode, case.script, case.summaries)


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, tmp_path: Path) -> None:
    """Each sidecar matches its golden file byte for byte."""
    case, files = _case(name, tmp_path)
    if UPDATE:
        case.expected.mkdir(exist_ok=True)
    for field, expected_name in EXPECTED_NAMES.items():
        written: Path = getattr(files, field)
        expected = case.expected / expected_name
        if UPDATE:
            expected.write_bytes(written.read_bytes())
        assert written.read_bytes() == expected.read_bytes(), (
            f"{written.name} differs from {expected}; "
            "GOLDEN_UPDATE=1 regenerates after an intended change"
        )


def test_golden_cases_exist() -> None:
    """The glob found the cases (an empty parametrize would pass silently)."""
    assert {"examples", "hostile"} <= set(CASES)


def test_paths_sit_beside_the_mp3(tmp_path: Path) -> None:
    """episode.mp3 → episode.vtt, .srt, .chapters.json, .md, .html in its folder."""
    case, files = _case("examples", tmp_path)
    mp3 = case.episode.path
    names = [p.name for p in files.paths]
    assert names == [
        "episode.vtt",
        "episode.srt",
        "episode.chapters.json",
        "episode.md",
        "episode.html",
    ]
    assert all(p.parent == mp3.parent and p.is_file() for p in files.paths)


def test_deterministic_and_no_temp_files(tmp_path: Path) -> None:
    """Writing twice gives the same bytes and leaves no temporary files."""
    case, files = _case("examples", tmp_path)
    first = {p: p.read_bytes() for p in files.paths}
    again = write_sidecars(case.episode, case.script, case.summaries)
    assert {p: p.read_bytes() for p in again.paths} == first
    assert sorted(p.name for p in files.vtt.parent.iterdir()) == sorted(
        p.name for p in files.paths
    )


def test_same_bytes_in_another_folder(tmp_path: Path) -> None:
    """No absolute path leaks in: the same case elsewhere gives the same files."""
    _, one = _case("examples", tmp_path / "a")
    _, two = _case("examples", tmp_path / "b" / "deeper")
    for left, right in zip(one.paths, two.paths, strict=True):
        assert left.read_bytes() == right.read_bytes()
        assert str(tmp_path) not in left.read_text(encoding="utf-8")


def _vtt_blocks(text: str) -> list[list[str]]:
    assert text.startswith("WEBVTT\n\n"), "a WebVTT file starts with its signature"
    assert "\r" not in text
    assert text.endswith("\n")
    return [block.split("\n") for block in text.rstrip("\n").split("\n\n")[1:]]


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def vtt_captions(text: str) -> list[tuple[int, int, list[str]]]:
    """(start ms, end ms, rows shown) of each caption, checking the block shape."""
    captions = []
    for number, block in enumerate(_vtt_blocks(text), start=1):
        ident, timing, *rows = block
        assert ident == str(number)
        assert 1 <= len(rows) <= MAX_ROWS, block
        match = _VTT_TIMING.match(timing)
        assert match, timing
        body = "\n".join(rows)
        assert "-->" not in body
        voice = r"<v [^<>&]*(&(amp|lt|gt);[^<>&]*)*>"
        assert re.fullmatch(rf"{voice}[^<>]*</v>", body), body
        shown = re.sub(r"^<v [^>]*>|</v>$", "", body).split("\n")
        shown = [html.unescape(row) for row in shown]
        captions.append((_ms(*match.groups()[:4]), _ms(*match.groups()[4:]), shown))
    return captions


def check_caption_limits(captions: list[tuple[int, int, list[str]]]) -> None:
    """Every caption: two rows of 42 characters at most, 7 s at most, in order."""
    previous = -1
    for start, end, rows in captions:
        assert previous <= start < end <= start + MAX_CAPTION_MS, (start, end, rows)
        assert all(0 < len(row) <= ROW_CHARS for row in rows), rows
        previous = start


@pytest.mark.parametrize("name", CASES)
def test_vtt_structure(name: str, tmp_path: Path) -> None:
    """Valid WebVTT: numbered captions in order within their cue's time, one voice
    span each, the cues' words all shown, caption-sized."""
    case, files = _case(name, tmp_path)
    captions = vtt_captions(files.vtt.read_text(encoding="utf-8"))
    check_caption_limits(captions)
    shown = transcript_cues(case.episode.cues, case.summaries)
    for cue in shown:
        inside = [c for c in captions if cue.start_ms <= c[0] < cue.end_ms]
        assert all(c[1] <= cue.end_ms for c in inside)
        assert " ".join(" ".join(rows) for _, _, rows in inside) == cue.text


def test_captions_cut_where_phrases_end() -> None:
    """A long line is cut after a sentence or clause, not mid-phrase; its time
    is shared by characters, and a slow line's captions still stop at 7 s."""
    text = (
        "Short opening sentence here. Then a much longer second sentence, which "
        "runs well past what any single caption could hold on two rows."
    )
    captions = caption_cues([Cue("narrator", text, 1000, 9000)])
    assert captions[0].rows[-1].endswith("here.")
    assert " ".join(" ".join(c.rows) for c in captions) == text
    assert captions[0].start_ms == 1000
    assert captions[-1].end_ms == 9000
    for before, after in itertools.pairwise(captions):
        assert before.end_ms == after.start_ms
    slow = caption_cues([Cue("host", "Welcome to the show.", 0, 60_000)])
    assert all(c.end_ms - c.start_ms <= MAX_CAPTION_MS for c in slow)
    url = "https://example.com/" + "x" * 120
    (*_, last) = wide = caption_cues([Cue("host", f"See {url} now.", 0, 9000)])
    assert all(len(row) <= ROW_CHARS for c in wide for row in c.rows)
    assert "".join(row for c in wide for row in c.rows).endswith("now.")
    assert last.end_ms == 9000


def test_vtt_speakers_and_original_text(tmp_path: Path) -> None:
    """Speakers are named; narrated sentences show the review's own words."""
    case, files = _case("examples", tmp_path)
    vtt = files.vtt.read_text(encoding="utf-8")
    srt = files.srt.read_text(encoding="utf-8")
    words = " ".join(" ".join(rows) for _, _, rows in vtt_captions(vtt))
    original = case.summaries[2].sentences[0]  # "filmmaker/editor", spoken "and"
    spoken = next(c.text for c in case.episode.cues if "Joon Park" in c.text)
    assert spoken != original
    assert original in words
    assert f"Narrator: {original.split()[0]} " in srt
    assert spoken not in words
    assert "<v Host>Review one of four:\nCircuit Breakers.</v>" in vtt
    dash = case.summaries[2].sentences[1]
    assert "—" in dash
    assert dash in words


def test_transcript_cues_fall_back_to_spoken_text() -> None:
    """A cue that matches no summary sentence is shown as spoken."""
    cues = [Cue("host", "Hello  there.", 0, 900), Cue("host", "   ", 900, 1000)]
    assert transcript_cues(cues, []) == (Cue("host", "Hello there.", 0, 900),)


def test_srt_structure(tmp_path: Path) -> None:
    """SRT: number, HH:MM:SS,mmm timing, 'Speaker: text', blank line between."""
    case, files = _case("examples", tmp_path)
    text = files.srt.read_text(encoding="utf-8")
    blocks = text.rstrip("\n").split("\n\n")
    vtt = vtt_captions(files.vtt.read_text(encoding="utf-8"))
    assert len(blocks) == len(vtt)
    opened = 0
    for number, (block, caption) in enumerate(zip(blocks, vtt, strict=True), 1):
        ident, timing, *rows = block.split("\n")
        assert ident == str(number)
        assert (
            timing == f"{timestamp(caption[0], ',')} --> {timestamp(caption[1], ',')}"
        )
        assert 1 <= len(rows) <= MAX_ROWS
        assert all(len(row) <= ROW_CHARS for row in rows), rows
        if re.match(r"(Host|Narrator): \S", rows[0]):
            opened += 1
            rows[0] = rows[0].partition(": ")[2]
        assert rows == caption[2]
    assert opened == len(case.episode.cues)


def test_empty_transcript_is_still_valid(tmp_path: Path) -> None:
    """No cues: a VTT with only its signature (valid), and an empty SRT."""
    assert render_vtt([]) == "WEBVTT\n"
    case = load_case("examples", tmp_path)
    files = write_sidecars(case.episode, case.script, case.summaries, cues=[])
    assert files.vtt.read_text(encoding="utf-8") == "WEBVTT\n"
    assert files.srt.read_bytes() == b""


def test_cues_argument_overrides_episode(tmp_path: Path) -> None:
    """``cues=`` (e.g. mix.cues) is used instead of the episode's own."""
    case = load_case("examples", tmp_path)
    files = write_sidecars(
        case.episode, case.script, case.summaries, cues=[Cue("host", "Hi.", 10, 20)]
    )
    assert _vtt_blocks(files.vtt.read_text(encoding="utf-8")) == [
        ["1", "00:00:00.010 --> 00:00:00.020", "<v Host>Hi.</v>"]
    ]


@pytest.mark.parametrize("name", CASES)
def test_chapters_json(name: str, tmp_path: Path) -> None:
    """Podcasting 2.0 chapters: version 1.2.0, ascending startTime, titles, ends."""
    case, files = _case(name, tmp_path)
    doc = json.loads(files.chapters.read_text(encoding="utf-8"))
    assert doc["version"] == "1.2.0"
    assert doc["fileName"] == case.episode.path.name
    chapters = doc["chapters"]
    assert [c["title"] for c in chapters] == [c.title for c in case.episode.chapters]
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts)
    assert starts[0] == 0
    for entry, chapter in zip(chapters, case.episode.chapters, strict=True):
        assert entry["startTime"] == pytest.approx(chapter.start_ms / 1000)
        assert entry["endTime"] == pytest.approx(chapter.end_ms / 1000)
        assert entry["endTime"] > entry["startTime"]


def test_chapter_urls_only_for_safe_links(tmp_path: Path) -> None:
    """The review URL becomes the chapter url; a javascript: URL never does."""
    _, files = _case("examples", tmp_path)
    chapters = json.loads(files.chapters.read_text(encoding="utf-8"))["chapters"]
    assert chapters[1]["url"] == "https://reviews.example.com/circuit-breakers"
    assert all("url" not in c for i, c in enumerate(chapters) if i != 1)
    _, hostile = _case("hostile", tmp_path)
    doc = json.loads(hostile.chapters.read_text(encoding="utf-8"))
    assert all("url" not in c for c in doc["chapters"])


class _Collector(HTMLParser):
    """Records the tags and attributes a browser's tokenizer would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html_tags(path: Path) -> _Collector:
    parser = _Collector()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_html_page_plays_the_mp3(tmp_path: Path) -> None:
    """The page has an <audio controls> with a relative src to the MP3."""
    case, files = _case("examples", tmp_path)
    tags = _html_tags(files.html).tags
    audio = [attrs for tag, attrs in tags if tag == "audio"]
    assert len(audio) == 1
    assert audio[0]["src"] == "episode.mp3"
    assert "controls" in audio[0]
    track = [attrs for tag, attrs in tags if tag == "track"]
    assert track == [
        {
            "kind": "captions",
            "src": "episode.vtt",
            "srclang": "en",
            "label": "Transcript",
            "default": "default",
        }
    ]
    text = " ".join(_html_tags(files.html).text)
    for summary in case.summaries:
        assert summary.review.title in text
    assert "Dana Whitfield, The Evening Reel" in text
    assert "Runtime: 118 min" in text
    assert "Rating: 3 stars" in text


@pytest.mark.parametrize("name", CASES)
def test_html_is_well_formed_xml(name: str, tmp_path: Path) -> None:
    """The page parses as XML too (the feed reads the notes back that way)."""
    _, files = _case(name, tmp_path)
    root = SafeET.parse(files.html).getroot()
    notes = root.find(".//*[@id='show-notes']")
    assert notes is not None
    assert notes.tag == "div"


def test_html_escapes_everything(tmp_path: Path) -> None:
    """Review text and metadata never become markup or links."""
    case, files = _case("hostile", tmp_path)
    parsed = _html_tags(files.html)
    tags = {tag for tag, _ in parsed.tags}
    assert tags.isdisjoint({"script", "img", "b"})
    hrefs = [attrs.get("href") or "" for _, attrs in parsed.tags]
    assert hrefs
    assert not any(h.lower().startswith("javascript") for h in hrefs)
    assert all("onerror" not in attrs for _, attrs in parsed.tags)
    text = "".join(parsed.text)
    assert "<script>alert('x')</script> & Co" in text
    assert "&amp; stays literal" in text
    # A review read from a file is named, never linked (no ../ path leaves the
    # published folder).
    assert not any(h.startswith("..") or "in/" in h for h in hrefs)
    assert "Source: weird [name] (1).md" in text
    audio = next(a for t, a in parsed.tags if t == "audio")
    assert audio["src"] == "my%20episode.mp3"
    assert case.episode.path.with_suffix(".html") == files.html


def test_markdown_renders_as_text(tmp_path: Path) -> None:
    """Rendered by a CommonMark parser, the notes contain no injected markup."""
    case, files = _case("hostile", tmp_path)
    rendered = MarkdownIt("commonmark").render(files.markdown.read_text("utf-8"))
    assert "<script" not in rendered
    assert "<img" not in rendered
    assert "<b>" not in rendered
    assert 'href="javascript' not in rendered
    assert rendered.count("<h1>") == 1
    assert rendered.count("<h3>") == 1
    assert "<ol" not in rendered.split("<h2>Reviews</h2>")[1]
    sentence = case.summaries[0].sentences[0]
    assert "# Not a heading, &lt;b&gt;not bold&lt;/b&gt; &amp; not an entity: " in (
        rendered
    )
    assert "&amp;amp; stays literal" in rendered
    assert sentence.startswith("#")
    assert "1. Not a numbered list; `code` | pipes | and \\backslashes\\ stay." in (
        rendered.replace("&lt;", "<")
    )


def test_markdown_notes_content(tmp_path: Path) -> None:
    """Titles, credits, facts, sentences, source links and chapter times."""
    case, files = _case("examples", tmp_path)
    md = files.markdown.read_text(encoding="utf-8")
    rendered = MarkdownIt("commonmark").render(md)
    assert md.startswith("# Review Digest, May 6, 2024\n")
    assert "May 6, 2024 · 1:53" in md
    assert "- 0:09 Circuit Breakers" in md
    assert "Starts at 0:36" in md
    assert "../" not in md
    assert "Source: orbit-of-ash.txt\n" in md
    assert md.split("\n")[2].startswith("This episode reads summaries of 4 reviews: ")
    assert 'href="https://reviews.example.com/circuit-breakers"' in rendered
    for summary in case.summaries:
        for sentence in summary.sentences:
            assert f"> {md_escape(sentence)}\n" in md


def test_md_escape_examples() -> None:
    """Markdown specials are escaped, ordinary punctuation is left alone."""
    assert md_escape("Plain, simple. Text!") == "Plain, simple. Text!"
    assert md_escape("# h") == "\\# h"
    assert md_escape("12) twelve") == "12\\) twelve"
    assert md_escape("a *b* [c]") == "a \\*b\\* \\[c\\]"
    assert md_escape("AT&T &amp;") == "AT&T \\&amp;"


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com/r", True),
        ("http://example.com", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,hi", False),
        ("//example.com/x", False),
        ("https://exa mple.com", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(url: str | None, safe: bool) -> None:
    """Only absolute http(s) URLs become links."""
    assert (safe_url(url) is not None) is safe


def test_write_atomic_keeps_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed rename raises OutputError and leaves the old file and no temp."""
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "episode.vtt"
    target.write_text("old", encoding="utf-8")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match=r"episode\.vtt: cannot write"):
        write_atomic(target, b"new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in folder.iterdir()] == ["episode.vtt"]


def test_unwritable_folder_is_an_output_error(tmp_path: Path) -> None:
    """The MP3's folder is a file: OutputError naming the path."""
    case = load_case("examples", tmp_path)
    blocker = case.episode.path.parent
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write"):
        write_sidecars(case.episode, case.script, case.summaries)
