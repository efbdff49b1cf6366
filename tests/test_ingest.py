"""Ingest: paths → files → decoded text → Review records with a title."""

import os
import pathlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.errors import InputError
from digest.ingest.reader import (
    MAX_TITLE_CHARS,
    collect_paths,
    decode_text,
    guess_title,
    ingest,
    read_review,
    title_from_stem,
)

BODY = "The film is a triumph of style. It also has a heart."


def write(path: Path, text: str | bytes) -> Path:
    """Write text (UTF-8) or raw bytes to ``path``, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- collect_paths -------------------------------------------------------------


def test_collect_single_file(tmp_path: Path) -> None:
    review = write(tmp_path / "one.txt", BODY)
    assert collect_paths([review]) == [review.resolve()]


def test_collect_several_files_keeps_the_given_order(tmp_path: Path) -> None:
    b = write(tmp_path / "b.txt", BODY)
    a = write(tmp_path / "a.md", BODY)
    c = write(tmp_path / "c.txt", BODY)
    assert collect_paths([b, a, c]) == [b.resolve(), a.resolve(), c.resolve()]


def test_collect_explicit_file_with_any_suffix_is_kept(tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.rtf", BODY)
    assert collect_paths([notes]) == [notes.resolve()]


def test_collect_folder_sorted_non_recursive_reviews_only(tmp_path: Path) -> None:
    folder = tmp_path / "reviews"
    for name in ["b.txt", "a.md", "10.txt", "2.txt", "C.TXT", "x.markdown"]:
        write(folder / name, BODY)
    for name in [".hidden.txt", ".draft.md", "notes.rtf", "cover.png", "a.docx"]:
        write(folder / name, BODY)
    write(folder / "sub" / "inner.txt", BODY)
    (folder / "dir.txt").mkdir()  # a folder that looks like a review is not one

    found = collect_paths([folder])

    names = [p.name for p in found]
    assert set(names) == {"b.txt", "a.md", "10.txt", "2.txt", "C.TXT", "x.markdown"}
    assert names == sorted(names)
    assert all(p.parent == folder.resolve() for p in found)


def test_collect_file_then_folder_keeps_argument_order(tmp_path: Path) -> None:
    first = write(tmp_path / "zzz.txt", BODY)
    folder = tmp_path / "reviews"
    write(folder / "a.txt", BODY)
    write(folder / "b.txt", BODY)
    assert [p.name for p in collect_paths([first, folder])] == [
        "zzz.txt",
        "a.txt",
        "b.txt",
    ]


def test_collect_removes_duplicates_keeping_first_position(tmp_path: Path) -> None:
    folder = tmp_path / "reviews"
    a = write(folder / "a.txt", BODY)
    b = write(folder / "b.txt", BODY)
    found = collect_paths([b, a, folder, b, folder / ".." / "reviews" / "a.txt"])
    assert found == [b.resolve(), a.resolve()]


def test_collect_relative_and_absolute_spellings_are_one_file() -> None:
    write(Path("review.txt"), BODY)  # the autouse fixture put us in a tmp folder
    found = collect_paths([Path("review.txt"), Path.cwd() / "review.txt"])
    assert found == [(Path.cwd() / "review.txt").resolve()]


def test_collect_missing_path_names_it(tmp_path: Path) -> None:
    real = write(tmp_path / "real.txt", BODY)
    missing = tmp_path / "nope" / "gone.txt"
    with pytest.raises(InputError, match="no such file") as info:
        collect_paths([real, missing])
    assert str(missing) in str(info.value)


def test_collect_folder_without_reviews_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    write(folder / ".hidden.txt", BODY)
    write(folder / "image.png", b"\x89PNG")
    write(folder / "sub" / "nested.txt", BODY)
    with pytest.raises(InputError, match="no reviews in this folder") as info:
        collect_paths([folder])
    assert str(folder) in str(info.value)


def test_collect_special_file_is_not_a_regular_file(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        collect_paths([fifo])


def test_collect_empty_list_is_an_error() -> None:
    with pytest.raises(InputError, match="no review files"):
        collect_paths([])


def test_input_error_exit_code() -> None:
    assert InputError("x").exit_code == 3


# --- decode_text ---------------------------------------------------------------

SRC = Path("review.txt")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param("Café “ok” — naïve".encode(), "Café “ok” — naïve", id="utf8"),
        pytest.param(b"\xef\xbb\xbfHello", "Hello", id="utf8-bom-dropped"),
        pytest.param("\ufeffCafé".encode(), "Café", id="utf8-bom-before-non-ascii"),
        pytest.param(
            b"caf\xe9 \x93quoted\x94 \x96 dash", "café “quoted” – dash", id="cp1252"
        ),
        pytest.param(b"one\r\ntwo\r\n", "one\ntwo\n", id="crlf"),
        pytest.param(b"one\rtwo\r", "one\ntwo\n", id="old-mac-cr"),
        pytest.param(b"tab\there\fpage", "tab\there\fpage", id="tab-formfeed-allowed"),
        pytest.param(b"", "", id="empty"),
        pytest.param(b"\xff\xfeh\x00i\x00", "hi", id="utf16-le-bom"),
        pytest.param(b"\xfe\xff\x00h\x00i", "hi", id="utf16-be-bom"),
        pytest.param(
            "\ufeffnaïve “x”".encode("utf-16-le"), "naïve “x”", id="utf16-le-text"
        ),
        pytest.param("\ufeffé".encode("utf-32-le"), "é", id="utf32-le-bom-not-utf16"),
        pytest.param(
            b"caf\xe9 cr\xe8me br\xfbl\xe9e", "café crème brûlée", id="latin1"
        ),
    ],
)
def test_decode_text(data: bytes, expected: str) -> None:
    assert decode_text(data, SRC) == expected


def test_decode_text_prefers_utf8_over_cp1252() -> None:
    # "Ã©" would be the cp1252 reading of these two bytes
    assert decode_text("é".encode(), SRC) == "é"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"text\x00more", id="nul"),
        pytest.param(b"\x00", id="only-nul"),
        pytest.param(b"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e" + b"abc", id="ctrl"),
        pytest.param(b"\x7fELF\x02\x01\x01" + bytes(range(1, 32)) * 2, id="elf-like"),
    ],
)
def test_decode_text_refuses_binary(data: bytes) -> None:
    with pytest.raises(InputError, match="binary") as info:
        decode_text(data, Path("movie.txt"))
    assert "movie.txt" in str(info.value)


def test_decode_text_tolerates_a_few_control_characters() -> None:
    text = "x" * 2000 + "\x07" * 8  # 8 bells in 2 kB of text: still text
    assert decode_text(text.encode(), SRC) == text


def test_decode_text_control_threshold_is_eight_for_short_text() -> None:
    assert decode_text(b"\x01" * 8 + b"ok", SRC) == "\x01" * 8 + "ok"
    with pytest.raises(InputError, match="binary"):
        decode_text(b"\x01" * 9 + b"ok", SRC)


def test_decode_text_drops_a_byte_undefined_in_cp1252_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 0x81 is undefined in cp1252 and invalid as a UTF-8 start byte
    assert decode_text(b"abc \x81 def", Path("weird.txt")) == "abc  def"
    assert "weird.txt" in caplog.text
    assert "undefined in cp1252" in caplog.text


@given(st.binary(max_size=400))
def test_decode_text_property_str_or_input_error(data: bytes) -> None:
    try:
        text = decode_text(data, SRC)
    except InputError:
        return
    assert isinstance(text, str)
    assert "\r" not in text


_PRINTABLE = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\u2028\u2029"
    )
    | st.sampled_from("\n\t"),
    max_size=200,
)


@given(_PRINTABLE)
def test_decode_text_round_trips_utf8_text(text: str) -> None:
    assert decode_text(text.encode("utf-8"), SRC) == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8"), SRC) == text


# --- titles --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "title", "body"),
    [
        pytest.param(f"# La La Land\n\n{BODY}\n", "La La Land", BODY, id="atx"),
        pytest.param(f"## Whiplash ##\n{BODY}", "Whiplash", BODY, id="atx-closed"),
        pytest.param(f"   # Moonlight\n\n{BODY}", "Moonlight", BODY, id="atx-indent"),
        pytest.param(
            f"\n\n\n# Arrival\n\n{BODY}", "Arrival", BODY, id="atx-after-blanks"
        ),
        pytest.param(f"###### Deep\n\n{BODY}", "Deep", BODY, id="atx-h6"),
        pytest.param(
            f"La La Land\n==========\n\n{BODY}", "La La Land", BODY, id="setext"
        ),
        pytest.param(f"Her\n===\n{BODY}", "Her", BODY, id="setext-no-blank"),
        pytest.param(f"Carol\n-----\n\n{BODY}", "Carol", BODY, id="setext-h2"),
        pytest.param(f"La La Land\n\n{BODY}", "La La Land", BODY, id="plain"),
        pytest.param(
            f"La La Land (2016)\n\n{BODY}", "La La Land (2016)", BODY, id="plain-year"
        ),
        pytest.param(f"La La Land\r\n\r\n{BODY}\r\n", "La La Land", BODY, id="crlf"),
    ],
)
def test_title_from_heading(
    tmp_path: Path, content: str, title: str, body: str
) -> None:
    review = read_review(write(tmp_path / "review-file.txt", content))
    assert (review.title, review.text) == (title, body)


@pytest.mark.parametrize(
    "first",
    [
        pytest.param("This film is a triumph of style.", id="sentence"),
        pytest.param("Is it any good?", id="question"),
        pytest.param("What a ride!", id="exclamation"),
        pytest.param("Here is my verdict:", id="colon"),
        pytest.param("He said it was “perfect”", id="closing-quote"),
        pytest.param(" ".join(["word"] * 13), id="thirteen-words"),
        pytest.param("x" * (MAX_TITLE_CHARS + 1), id="too-long"),
    ],
)
def test_first_line_that_is_not_a_title_stays_in_the_body(
    tmp_path: Path, first: str
) -> None:
    text = f"{first}\n\n{BODY}"
    review = read_review(write(tmp_path / "my-notes.txt", text))
    assert review.title == "My Notes"
    assert review.text == text


def test_short_first_line_without_blank_after_is_not_a_title(tmp_path: Path) -> None:
    text = f"Short line\n{BODY}"
    review = read_review(write(tmp_path / "notes.txt", text))
    assert review.title == "Notes"
    assert review.text == text


def test_atx_heading_keeps_a_trailing_hash_that_is_part_of_the_title(
    tmp_path: Path,
) -> None:
    review = read_review(write(tmp_path / "r.md", f"# C#\n\n{BODY}"))
    assert review.title == "C#"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("my-great_review.txt", "My Great Review"),
        ("01-Moonlight.md", "Moonlight"),
        ("003_la-la-land_80e47a4fc9eb80a6.txt", "La La Land"),
        ("The_Zone_of_Interest.txt", "The Zone of Interest"),
        ("whiplash.MD", "Whiplash"),
    ],
)
def test_title_from_file_name(tmp_path: Path, name: str, title: str) -> None:
    review = read_review(write(tmp_path / name, BODY))
    assert review.title == title
    assert review.text == BODY


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("000_80e47a4fc9eb80a6", None),
        ("80e47a4fc9eb80a6", None),
        ("12345", None),
        ("a", None),
        ("001-tar", "Tar"),
        ("mixed-Case_name", "mixed Case name"),
    ],
)
def test_title_from_stem(stem: str, expected: str | None) -> None:
    assert title_from_stem(stem) == expected


def test_hash_named_file_takes_the_most_quoted_capitalised_phrase(
    tmp_path: Path,
) -> None:
    text = (
        "Presented in widescreen, “La La Land” is a love letter. "
        "Fans of “Whiplash,” will smile. “La La Land” soars; "
        'so does "La La Land". Nobody mentions “Whiplash” twice... except here.'
    )
    review = read_review(write(tmp_path / "000_80e47a4fc9eb80a6.txt", text))
    assert review.title == "La La Land"
    assert review.text == text


def test_quoted_phrase_with_trailing_comma_counts_with_the_plain_one() -> None:
    assert guess_title("“Whiplash,” then “Whiplash” and “Other”.") == "Whiplash"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("No quotes at all in this text.", id="none"),
        pytest.param("Only “Once” quoted, and “Twice” once.", id="single-hits"),
        pytest.param("Lower “case” words “case” never count.", id="lowercase"),
    ],
)
def test_guess_title_needs_two_capitalised_hits(text: str) -> None:
    assert guess_title(text) is None


def test_hash_named_file_without_a_guess_falls_back_to_the_stem(
    tmp_path: Path,
) -> None:
    review = read_review(write(tmp_path / "000_80e47a4fc9eb80a6.txt", BODY))
    assert review.title == "000_80e47a4fc9eb80a6"


def test_heading_wins_over_file_name_and_quotes(tmp_path: Path) -> None:
    text = f"# Real Title\n\n“Other” and “Other” again. {BODY}"
    review = read_review(write(tmp_path / "my-file-name.txt", text))
    assert review.title == "Real Title"


def test_long_heading_is_cut_to_max_title_chars(tmp_path: Path) -> None:
    heading = "A" * (MAX_TITLE_CHARS + 50)
    review = read_review(write(tmp_path / "r.md", f"# {heading}\n\n{BODY}"))
    assert review.title == "A" * MAX_TITLE_CHARS


# --- read_review errors --------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "what"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"   \n\t\n  \r\n", "empty", id="whitespace"),
        pytest.param(b"\xef\xbb\xbf", "empty", id="bom-only"),
        pytest.param(b"# Only A Title\n", "only a title", id="atx-only"),
        pytest.param(b"# Only A Title", "only a title", id="atx-no-newline"),
        pytest.param(b"Only A Title\n=====\n\n", "only a title", id="setext-only"),
        pytest.param(b"Only A Title\n\n\n", "only a title", id="plain-only"),
    ],
)
def test_empty_or_title_only_review_is_an_input_error(
    tmp_path: Path, content: bytes, what: str
) -> None:
    path = write(tmp_path / "blank-review.txt", content)
    with pytest.raises(InputError, match=what) as info:
        read_review(path)
    assert "blank-review.txt" in str(info.value)


def test_binary_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path / "poster.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="binary") as info:
        read_review(path)
    assert "poster.txt" in str(info.value)


def test_unreadable_file_chmod_000(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read a chmod 000 file")
    path = write(tmp_path / "locked.txt", BODY)
    path.chmod(0)
    try:
        with pytest.raises(InputError, match="cannot read") as info:
            read_review(path)
    finally:
        path.chmod(0o644)
    assert "locked.txt" in str(info.value)


def test_unreadable_file_permission_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same path as chmod 000, but also checked when running as root."""
    path = write(tmp_path / "locked.txt", BODY)

    def deny(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "open", deny)
    with pytest.raises(InputError, match="cannot read") as info:
        read_review(path)
    assert "locked.txt" in str(info.value)
    assert "Permission denied" in str(info.value)


def test_a_folder_passed_as_a_review_cannot_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "looks-like.txt"
    folder.mkdir()
    with pytest.raises(InputError, match="cannot read"):
        read_review(folder)


def test_cp1252_review_reads(tmp_path: Path) -> None:
    path = write(tmp_path / "old.txt", b"Old Review\r\n\r\nIt\x92s a caf\xe9 film.\r\n")
    review = read_review(path)
    assert review.title == "Old Review"
    assert review.text == "It’s a café film."


def test_ingest_reads_a_folder_in_order(tmp_path: Path) -> None:
    write(tmp_path / "r" / "b.txt", f"# Bee\n\n{BODY} Bee.")
    write(tmp_path / "r" / "a.txt", f"# Ay\n\n{BODY} Ay.")
    reviews = ingest([tmp_path / "r"])
    assert [r.title for r in reviews] == ["Ay", "Bee"]
    assert [r.text for r in reviews] == [f"{BODY} Ay.", f"{BODY} Bee."]


# --- the real reviews ----------------------------------------------------------


def test_shared_reviews_are_la_la_land_with_their_full_text(
    shared_reviews: Path,
) -> None:
    files = sorted(shared_reviews.glob("*.txt"))
    assert len(files) >= 2
    reviews = ingest([shared_reviews])
    assert [r.source for r in reviews] == [p.resolve() for p in files]
    for review, path in zip(reviews, files, strict=True):
        assert review.title == "La La Land", path.name
        expected = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").strip()
        assert review.text == expected
        assert len(review.text) > 500


# --- properties ----------------------------------------------------------------


# No deadline: the first read of a file may wait on a busy machine's disk.
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=300))
def test_read_review_property_review_or_input_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "prop-review.txt"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        review = read_review(path)
    except InputError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert "prop-review.txt" in message
        return
    assert review.source == path
    assert review.text
    assert review.text == review.text.strip()
    assert review.title
    assert len(review.title) <= MAX_TITLE_CHARS


# --- UTF-16 without a byte order mark ---------------------------------------------

_ENGLISH = "The orchard scenes are quiet, and the ending earns its tears. " * 3
_FRENCH = "Un film d'une délicatesse rare : « Amélie » n'a qu'à bien se tenir. "


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [_ENGLISH, _FRENCH, "Hi"], ids=["en", "fr", "short"])
def test_decode_text_reads_bomless_utf16(
    codec: str, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="digest")
    assert decode_text(text.encode(codec), Path("nobom.txt")) == text
    assert f"nobom.txt: read as {codec.upper()} (no byte order mark)" in caplog.text
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_bomless_utf16_review_file(tmp_path: Path) -> None:
    path = tmp_path / "nobom.md"
    path.write_bytes(f"# Naïve Orchard\n\n{_ENGLISH}\n".encode("utf-16-le"))
    (review,) = ingest([path])
    assert review.title == "Naïve Orchard"
    assert review.text == _ENGLISH.strip()
    assert review.language == "en"


def test_bomless_utf16_with_an_odd_last_byte_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = _ENGLISH.encode("utf-16-le") + b"x"
    assert decode_text(data, Path("odd.txt")) == _ENGLISH
    assert "odd.txt: 1 byte sequence(s) are not valid utf-16-le" in caplog.text


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            b"".join(n.to_bytes(2, "little") for n in range(1, 400)), id="le-ints"
        ),
        pytest.param(bytes(range(1, 32)) * 4 + b"\x00" * 2, id="controls"),
        pytest.param(b"A\x00\x01\x00\x02\x00\x03\x00" * 50, id="utf16-controls"),
        pytest.param(b"\x00" * 64, id="zeros"),
    ],
)
def test_nul_bytes_that_are_not_utf16_are_binary(data: bytes) -> None:
    with pytest.raises(InputError, match="nobom.bin: looks like a binary file"):
        decode_text(data, Path("nobom.bin"))


# --- how many reviews one run reads ------------------------------------------------


def test_a_huge_collection_is_cut_to_the_review_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import json

    import digest.ingest.reader

    monkeypatch.setattr(digest.ingest.reader, "MAX_REVIEWS", 3)
    records = [
        {"title": f"R{i}", "text": f"Review number {i} of a film."} for i in range(9)
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    extra = tmp_path / "extra.md"
    extra.write_text(
        "# Extra\n\nOne more review of yet another film.", encoding="utf-8"
    )
    reviews = ingest([path, extra])
    assert [r.title for r in reviews] == ["R0", "R1", "R2"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        f"{path}: 9 reviews; only the first 3 are read (at most 3 in all)",
        f"more than 3 reviews; 1 more source(s) from {extra} on not read",
    ]


# --- hostile front matter, stdin and URLs (issue 19) -------------------------------


def test_front_matter_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    levels = ['a0: &a0 ["lol","lol","lol"]'] + [
        f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)
    ]
    path = write(tmp_path / "bomb.md", "---\n" + "\n".join(levels) + f"\n---\n{BODY}")
    with pytest.raises(InputError, match=r"bomb.md:6: .* more than 10,000 values"):
        read_review(path)


def test_a_few_front_matter_aliases_are_fine(tmp_path: Path) -> None:
    text = f"---\ncritic: &c Ana Ruiz\nauthor: *c\ntitle: Fine\n---\n{BODY}"
    assert read_review(write(tmp_path / "ok.md", text)).critic == "Ana Ruiz"


@pytest.mark.parametrize("depth", [21, 20_000])
def test_deep_front_matter_is_an_input_error(tmp_path: Path, depth: int) -> None:
    text = f"---\ntitle: {'[' * depth}{']' * depth}\n---\n{BODY}"
    with pytest.raises(InputError, match="nested deeper than 20 levels"):
        read_review(write(tmp_path / "deep.md", text))


@pytest.mark.parametrize(
    "value", ["2024-13-45", "2024-02-30", "!!timestamp 2024-99-01"]
)
def test_impossible_front_matter_date_is_an_input_error(
    tmp_path: Path, value: str
) -> None:
    path = write(tmp_path / "date.md", f"---\ndate: {value}\n---\n{BODY}")
    with pytest.raises(InputError, match="date.md:2: malformed front matter"):
        read_review(path)


def test_closed_stdin_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(InputError, match="standard input is closed"):
        ingest(["-"])


@pytest.mark.parametrize(
    "url",
    [
        "http:/x",
        "https:/example.com/review",
        "http://",
        "http:///path",
        "https://exa mple.com/",
        "http://example.com:port/",
        "http://" + "a" * 3000 + ".com/",
    ],
)
def test_malformed_url_is_an_input_error_not_a_network_one(url: str) -> None:
    with pytest.raises(InputError, match="malformed URL|URL longer than") as info:
        ingest([url])
    assert info.value.exit_code == 3


def test_url_handed_over_as_a_path_is_unfolded_not_refused() -> None:
    from digest.ingest.targets import find_targets

    (target,) = find_targets([Path("https://example.com/review")])
    assert target.url == "https://example.com/review"


CJK_REVIEWS = {
    "zh": "这部电影的摄影非常出色，每一个镜头都像一幅画。演员的表演自然而动人。"
    "可惜故事的后半段节奏拖沓。总的来说，这是一部值得一看的电影。\n",
    "ja": "映画の映像はとても美しい。俳優の演技も自然で感動的だった。"
    "しかし後半は少し長く感じた。全体としては見る価値のある作品だ。\n",
}


@pytest.mark.parametrize("language", sorted(CJK_REVIEWS))
def test_a_one_line_cjk_review_is_prose_not_a_title(
    tmp_path: Path, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / f"{language}.txt"
    path.write_text(CJK_REVIEWS[language], encoding="utf-8")
    review = read_review(path)
    assert review.text == CJK_REVIEWS[language].strip()
    assert review.language == language
    assert "word(s)" not in caplog.text  # counted by characters, not spaces


@pytest.mark.integration
def test_cjk_reviews_build_an_episode(tmp_path: Path) -> None:
    import subprocess
    import sys

    for language, text in CJK_REVIEWS.items():
        (tmp_path / f"{language}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out" / "ep.mp3"
    proc = subprocess.run(
        [sys.executable, "-m", "digest", "-q", "build", str(tmp_path), "-o", str(out),
         "--no-feed"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    chapters = out.with_suffix(".chapters.json").read_text(encoding="utf-8")
    assert chapters.count('"title"') >= 4  # intro, two reviews, outro
