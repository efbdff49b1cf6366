"""Bad inputs at the ``ingest`` level: one InputError line naming the file and the
problem when the user named the file, a warning and a skip inside a folder, and
never any other exception (hypothesis over arbitrary text and bytes)."""

import io
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.errors import InputError
from digest.ingest.reader import ingest

INPUTS = Path(__file__).parent / "fixtures" / "inputs"
GOOD = "# Good One\n\nA perfectly ordinary review of a perfectly ordinary film."
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))
NOT_A_FEED = b'<?xml version="1.0"?><config><item>x</item></config>'
EMPTY_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
)
BROKEN_FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</ti'
NAV_ONLY = (
    b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a> "
    b"<a href='/films'>Films</a> <a href='/about'>About us</a></nav>"
    b"<footer>Copyright 2024</footer></body></html>"
)

# name, content, what the error says (after "<path>:" or "<path>:<line>:")
BAD_FILES = [
    ("empty.txt", b"", "review is empty"),
    ("blank.md", b"  \n\t\n \r\n", "review is empty"),
    ("bom-only.txt", b"\xef\xbb\xbf", "review is empty"),
    ("heading-only.md", b"# Just A Title\n", "only a title"),
    ("poster.txt", PNG, "looks like a binary file"),
    ("poster.html", PNG, "looks like a binary file"),
    ("poster.json", PNG, "looks like a binary file"),
    ("nul.md", b"text\x00text", "looks like a binary file"),
    ("controls.txt", bytes(range(1, 9)) * 4 + b"abc", "looks like a binary file"),
    ("bad.json", b'[{"title": "x",\n "text": }]', ":2: malformed JSON"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "malformed JSON"),
    ("bigint.json", b"[" + b"1" * 5000 + b"]", "malformed JSON"),
    ("scalar.json", b"42", "holds no review objects"),
    ("notext.json", b'[{"title": "x", "stars": 3}]', "no record has a 'text/"),
    ("empty-text.json", b'[{"title": "x", "text": "  "}]', "no record has any"),
    ("bad.jsonl", b'{"text": "ok line"}\n{"text": nope}\n', ":2: malformed JSON line"),
    ("quote.csv", b'title,text\n"A,"unterminated\n', "malformed CSV"),
    ("wide.csv", b"title,text\nA,b,c,d\n", ":2: 4 fields but the header names 2"),
    ("header.csv", b"title,text\n", "no record has a 'text/"),
    ("nohead.csv", b"\n\n", "no header row"),
    ("nav.html", NAV_ONLY, "no article text found"),
    ("empty.html", b"", "no article text found"),
    ("config.xml", NOT_A_FEED, "not an RSS or Atom feed"),
    ("empty.rss", EMPTY_FEED, "the feed has no entries"),
    ("broken.rss", BROKEN_FEED, "malformed feed XML (line 1"),
    ("front.md", b"---\ntitle: [x\n---\nbody\n", ":2: malformed front matter"),
    ("open.md", b"---\ntitle: x\nbody\n", ":1: front matter opened with '---'"),
]


@pytest.mark.parametrize(
    ("name", "content", "what"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_named_bad_file_is_one_input_error_line(
    tmp_path: Path, name: str, content: bytes, what: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        ingest([path])
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert what in message, message
    assert "\n" not in message
    assert info.value.exit_code == 3


@pytest.mark.parametrize(
    ("name", "content", "what"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_file_in_a_folder_is_a_warning_and_skipped(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    name: str,
    content: bytes,
    what: str,
) -> None:
    folder = tmp_path / "reviews"
    folder.mkdir()
    (folder / name).write_bytes(content)
    (folder / "zz-good.md").write_text(GOOD, encoding="utf-8")
    reviews = ingest([folder])
    assert [r.title for r in reviews] == ["Good One"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(str(folder / name))
    assert what in warnings[0]
    assert warnings[0].endswith("; skipped")


@pytest.mark.parametrize(
    "hostile", sorted((INPUTS / "hostile").iterdir()), ids=lambda p: p.name
)
def test_entity_bombs_and_external_entities_are_refused(hostile: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(InputError, match="refused: the XML declares an entity"):
        ingest([hostile])
    assert time.perf_counter() - started < 2


def test_missing_path() -> None:
    with pytest.raises(InputError, match="gone.txt: no such file or folder"):
        ingest([Path("gone.txt")])


def test_folder_without_reviews(tmp_path: Path) -> None:
    (tmp_path / "cover.png").write_bytes(PNG)
    with pytest.raises(InputError, match="no reviews in this folder"):
        ingest([tmp_path])


def test_folder_of_only_bad_files_is_an_input_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.json").write_bytes(b"{")
    with pytest.raises(InputError, match=r"no usable reviews \(2 file\(s\) skipped"):
        ingest([tmp_path])
    assert caplog.text.count("; skipped") == 2


def test_named_bad_file_wins_over_a_good_folder(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    with pytest.raises(InputError, match="bad.txt: review is empty"):
        ingest([tmp_path, bad])


def test_fifty_megabyte_text_is_read_in_bounded_time_and_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "dump.txt"
    paragraph = b"A sentence about the film that goes on and on. " * 40 + b"\n\n"
    with path.open("wb") as handle:
        for _ in range(50_000_000 // len(paragraph) + 1):
            handle.write(paragraph)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        (review,) = ingest([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 10
    assert peak < 40_000_000
    assert len(review.text) <= 200_000
    assert "only the start is read" in caplog.text


# --- properties: nothing but InputError, whatever the input ------------------

_SUFFIXES = [".txt", ".md", ".html", ".json", ".jsonl", ".csv", ".xml", ".dat"]


def _try(paths: list[Path | str], stdin: io.BytesIO | None = None) -> None:
    try:
        reviews = ingest(paths, stdin=stdin)
    except InputError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert "\n" not in message
        return
    assert reviews
    for review in reviews:
        assert review.text.strip()
        assert review.title.strip()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=400), suffix=st.sampled_from(_SUFFIXES))
def test_ingest_never_crashes_on_text(tmp_path: Path, text: str, suffix: str) -> None:
    path = tmp_path / f"prop{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _try([path])


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=400), suffix=st.sampled_from(_SUFFIXES))
def test_ingest_never_crashes_on_bytes(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"prop{suffix}"
    path.write_bytes(data)
    _try([path])


_MARKUP = st.lists(
    st.sampled_from(
        [
            "<?xml version='1.0'?>",
            "<rss version='2.0'>",
            "<channel>",
            "<item>",
            "<title>",
            "</title>",
            "<description>",
            "</description>",
            "</item>",
            "<feed xmlns='http://www.w3.org/2005/Atom'>",
            "<entry>",
            "<content type='html'>",
            "<!DOCTYPE x [<!ENTITY e 'boom'>]>",
            "&e;",
            "&amp;",
            "<html>",
            "<body>",
            "<p>",
            "</p>",
            "<script>",
            "{",
            "}",
            "[",
            "]",
            '"text":',
            '"title":',
            ",",
            "---\n",
            "title: x\n",
            "\n\n",
            "A sentence of a review about a film.",
            "é",
            "\x00",
        ]
    ),
    max_size=30,
).map("".join)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=_MARKUP, suffix=st.sampled_from(_SUFFIXES))
def test_ingest_never_crashes_on_near_miss_markup(
    tmp_path: Path, text: str, suffix: str
) -> None:
    path = tmp_path / f"near{suffix}"
    path.write_text(text, encoding="utf-8")
    _try([path])


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300) | _MARKUP.map(str.encode))
def test_ingest_never_crashes_on_stdin(data: bytes) -> None:
    _try(["-"], stdin=io.BytesIO(data))


def test_unreadable_folder_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deny(self: Path) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", deny)
    with pytest.raises(InputError, match="cannot use this path .Permission denied"):
        ingest([tmp_path])


def test_impossible_path_names_are_input_errors() -> None:
    with pytest.raises(InputError):
        ingest(["bad\x00name.txt"])
    with pytest.raises(InputError, match="cannot use this path"):
        ingest(["x" * 5000])
