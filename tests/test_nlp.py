"""Tests for digest.summarize.nlp: real NLTK data, the fallback, their agreement."""

import json
import os
import re
import stat
import subprocess
import sys
import warnings
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import nltk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import MissingDependencyError
from digest.summarize.nlp import TextTools, download_nltk_data, load_text_tools

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = SHARED / "nltk_data"
REVIEWS = sorted((SHARED / "reviews").glob("*.txt"))
SUMM_DEV = sorted((SHARED / "summ-dev").glob("*.jsonl"))


@pytest.fixture(scope="module")
def fallback() -> TextTools:
    """The built-in tools (reads no files)."""
    return load_text_tools(use_nltk_data=False)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- loading and status ---------------------------------------------------------


def test_real_data_is_used_when_present(real_data: Path) -> None:
    status = load_text_tools().status
    assert (status.punkt_source, status.stopwords_source) == ("nltk", "nltk")
    assert status.punkt_path == real_data / "tokenizers" / "punkt_tab" / "english"
    assert status.stopwords_path == real_data / "corpora" / "stopwords" / "english"
    assert status.problems == ()


def test_real_stopwords_come_from_the_file(real_data: Path) -> None:
    tools = load_text_tools()
    listed = (real_data / "corpora" / "stopwords" / "english").read_text().split()
    assert tools.stopwords == frozenset(listed)


def test_fallback_when_nothing_installed(no_data: Path) -> None:
    status = load_text_tools().status
    assert (status.punkt_source, status.stopwords_source) == ("fallback", "fallback")
    assert (status.punkt_path, status.stopwords_path) == (None, None)
    assert len(status.problems) == 2
    assert status.problems[0].startswith("punkt_tab not found")
    assert all("digest download-data" in p for p in status.problems)


def test_nltk_data_set_after_import_is_honoured(
    real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nltk.data, "path", [])
    status = load_text_tools().status
    assert (status.punkt_source, status.stopwords_source) == ("nltk", "nltk")


def test_incomplete_punkt_model_falls_back(real_data: Path) -> None:
    (real_data / "tokenizers" / "punkt_tab" / "english" / "ortho_context.tab").unlink()
    status = load_text_tools().status
    assert (status.punkt_source, status.stopwords_source) == ("fallback", "nltk")
    assert len(status.problems) == 1
    assert "ortho_context.tab" in status.problems[0]
    assert "digest download-data" in status.problems[0]


def test_use_nltk_data_false_ignores_real_data(real_data: Path) -> None:
    status = load_text_tools(use_nltk_data=False).status
    assert (status.punkt_source, status.stopwords_source) == ("fallback", "fallback")
    assert status.problems == ()


@pytest.mark.parametrize("action", ["always", "error"])
@pytest.mark.parametrize(
    "make_writable",
    ["tokenizers/punkt_tab", "corpora/stopwords/english", "."],
    ids=["punkt-dir", "stopwords-file", "root"],
)
def test_group_writable_data_is_refused_with_fix(
    real_data: Path, make_writable: str, action: Any
) -> None:
    target = real_data / make_writable
    target.chmod(target.stat().st_mode | stat.S_IWGRP)
    # NLTK warns before refusing; neither a shown nor an "error" warning may escape.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        tools = load_text_tools()
    assert caught == []
    status = tools.status
    refused = "punkt" if "punkt" in make_writable else "stopwords"
    sources = {"punkt": status.punkt_source, "stopwords": status.stopwords_source}
    assert sources[refused] == "fallback"
    assert any(f"chmod -R go-w {real_data}" in p for p in status.problems)
    assert tools.split_sentences("It works. It still works.") == [
        "It works.",
        "It still works.",
    ]


def test_hard_linked_data_is_refused_with_fix(real_data: Path) -> None:
    english = real_data / "corpora" / "stopwords" / "english"
    os.link(english, english.with_name("english-link"))
    status = load_text_tools().status
    assert status.stopwords_source == "fallback"
    assert any("hard-linked" in p for p in status.problems)


def test_tools_are_frozen(fallback: TextTools) -> None:
    with pytest.raises(FrozenInstanceError):
        fallback.stopwords = frozenset()  # type: ignore[misc]


def test_import_does_nothing() -> None:
    # A bare "digest" package keeps sibling modules' imports out of this check.
    package = Path(__file__).resolve().parents[1] / "digest"
    code = (
        "import sys, types, nltk.data\n"
        f"pkg = types.ModuleType('digest'); pkg.__path__ = [{str(package)!r}]\n"
        "sys.modules['digest'] = pkg\n"
        "def boom(*a, **k): raise SystemExit('lookup at import')\n"
        "nltk.data.find = nltk.data.load = nltk.download = boom\n"
        "import digest.summarize.nlp\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")


# --- the fallback against the real model -----------------------------------------


@pytest.mark.parametrize(
    "review",
    [pytest.param(p, id=p.name) for p in REVIEWS]
    or [pytest.param(None, marks=pytest.mark.skip(reason=f"no reviews in {SHARED}"))],
)
def test_fallback_splits_reviews_like_real_punkt(
    real_data: Path, fallback: TextTools, review: Path
) -> None:
    real = load_text_tools()
    assert real.status.punkt_source == "nltk"
    text = review.read_text(encoding="utf-8")
    for line in _lines(text):
        assert fallback.split_sentences(line) == real.split_sentences(line)
    assert fallback.sentence_spans(text) == real.sentence_spans(text)


@pytest.mark.skipif(not SUMM_DEV, reason=f"no summ-dev sets in {SHARED}")
def test_fallback_agrees_with_real_punkt_on_dev_sets(
    real_data: Path, fallback: TextTools
) -> None:
    real = load_text_tools()
    same = total = 0
    for dev_set in SUMM_DEV:
        with dev_set.open(encoding="utf-8") as rows:
            for row in rows:
                for line in _lines(json.loads(row)["text"]):
                    total += 1
                    same += fallback.split_sentences(line) == real.split_sentences(line)
    assert total > 1000
    assert same / total >= 0.99


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Oscar-winner J.K. Simmons plays a boss. He is great.",
            ["The Oscar-winner J.K. Simmons plays a boss.", "He is great."],
        ),
        (
            "Dr. Smith met Mr. Jones at 5 p.m. in the U.S. capital. They left.",
            ["Dr. Smith met Mr. Jones at 5 p.m. in the U.S. capital.", "They left."],
        ),
        ("It stars Samuel L. Jackson. He shouts.", None),
        ("Songs, dances, etc. The cast sings.", None),
        ("She got an A. The class cheered.", None),
        ("Fruit, e.g. apples, is good.", ["Fruit, e.g. apples, is good."]),
    ],
)
def test_fallback_abbreviations_and_initials(
    fallback: TextTools, text: str, expected: list[str] | None
) -> None:
    got = fallback.split_sentences(text)
    if expected is None:
        assert len(got) == 2
        assert " ".join(got) == text
    else:
        assert got == expected


# --- splitting contract (fallback path) ------------------------------------------


def test_spans_are_verbatim(fallback: TextTools) -> None:
    text = "  First one.   Second  one!\tThird?\n\n  Fourth line  \r\nFifth.  "
    spans = fallback.sentence_spans(text)
    sentences = fallback.split_sentences(text)
    assert [text[s:e] for s, e in spans] == sentences
    assert sentences == [
        "First one.",
        "Second  one!",
        "Third?",
        "Fourth line",
        "Fifth.",
    ]


def test_every_newline_ends_a_sentence(fallback: TextTools) -> None:
    text = "A heading without a period\nThe body, which goes on\nand on.\n\nNext."
    assert fallback.split_sentences(text) == [
        "A heading without a period",
        "The body, which goes on",
        "and on.",
        "Next.",
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", " \t\r\n "])
def test_empty_text_has_no_sentences(fallback: TextTools, text: str) -> None:
    assert fallback.split_sentences(text) == []
    assert fallback.sentence_spans(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "  One sentence, no more.  ",
        "no punctuation at all just words",
    ],
)
def test_single_sentence(fallback: TextTools, text: str) -> None:
    assert fallback.split_sentences(text) == [text.strip()]


def test_lines_without_inner_marks_skip_punkt_with_the_same_result(
    fallback: TextTools,
) -> None:
    from digest.summarize import nlp

    text = "one line , no inner end .\nsecond line ? yes ! really .\nthird"
    fast = fallback.sentence_spans(text)
    slow_pattern = nlp._INNER_END
    try:
        nlp._INNER_END = re.compile("")  # every line goes to Punkt
        assert fallback.sentence_spans(text) == fast
    finally:
        nlp._INNER_END = slow_pattern


def test_shared_tools_are_loaded_once(no_data: Path) -> None:
    from digest.summarize.nlp import shared_text_tools

    first = shared_text_tools(use_nltk_data=True)
    assert shared_text_tools(use_nltk_data=True) is first
    assert shared_text_tools(use_nltk_data=False) is not first


def test_non_english_text(fallback: TextTools) -> None:
    text = "Der Film ist gut. Die Musik ist schön. Фильм хороший. Музыка тоже."
    assert fallback.split_sentences(text) == [
        "Der Film ist gut.",
        "Die Musik ist schön.",
        "Фильм хороший.",
        "Музыка тоже.",
    ]


_PUNCTUATED = st.text(alphabet="aA bB.!?…\"')(\n\r\t-:;,\u00a0")


@settings(max_examples=300, deadline=None)  # timing is the benchmark's, not a test's
@given(st.one_of(st.text(), _PUNCTUATED))
def test_split_never_raises_and_spans_are_ordered(
    fallback: TextTools, text: str
) -> None:
    spans = fallback.sentence_spans(text)
    sentences = fallback.split_sentences(text)
    assert len(spans) == len(sentences)
    previous_end = 0
    for (start, end), sentence in zip(spans, sentences, strict=True):
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == sentence == sentence.strip()
        previous_end = end


# --- words, stopwords, stems -----------------------------------------------------


def test_words_are_lowercase_alphanumeric(fallback: TextTools) -> None:
    words = fallback.words("Don't stop—it's J.K.'s 2nd film_night, OK?")
    assert words == "don t stop it s j k s 2nd film night ok".split()


def test_content_words_drop_stopwords_and_stem(fallback: TextTools) -> None:
    got = fallback.content_words("The actors were dancing beautifully, didn't they?")
    assert got == ["actor", "danc", "beauti"]


def test_fallback_stopwords(fallback: TextTools) -> None:
    words = fallback.stopwords
    assert 150 <= len(words) <= 180
    assert {"the", "and", "s", "t", "don", "didn"} <= words
    assert "film" not in words
    assert all(w == w.lower() and w.isalpha() for w in words)


def test_real_and_fallback_content_words_agree_on_plain_text(
    real_data: Path, fallback: TextTools
) -> None:
    real = load_text_tools()
    sentence = "Gosling and Stone are dancing through the streets of Los Angeles."
    assert real.content_words(sentence) == fallback.content_words(sentence)


# --- download (never touches the network) ----------------------------------------


def test_download_offline_raises_missing_dependency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def offline(package: str, **kwargs: Any) -> bool:
        calls.append({"package": package, **kwargs})
        kwargs["print_error_to"].write("[nltk_data] Error loading x: <urlopen error>\n")
        return False

    monkeypatch.setattr(nltk, "download", offline)
    with pytest.raises(MissingDependencyError) as raised:
        download_nltk_data(tmp_path / "data")
    message = str(raised.value)
    assert "\n" not in message
    assert "punkt_tab" in message
    assert "urlopen error" in message
    assert calls[0]["download_dir"] == str(tmp_path / "data")
    assert calls[0]["print_error_to"] is not sys.stderr


def test_download_error_is_wrapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(package: str, **kwargs: Any) -> bool:
        raise ValueError(f"Error loading {package}: no validated address\nmore")

    monkeypatch.setattr(nltk, "download", refused)
    with pytest.raises(MissingDependencyError, match="no validated address$"):
        download_nltk_data(tmp_path)


# --- the data fingerprint (for the summary cache) ---------------------------------


def test_default_roots_match_nltks_search_path(
    no_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.summarize.nlp import default_data_roots

    # nltk reads NLTK_DATA at import; compare with the defaults it builds then.
    monkeypatch.delenv("NLTK_DATA", raising=False)
    code = "import nltk; print('\\n'.join(nltk.data.path))"
    env = {k: v for k, v in os.environ.items() if k != "NLTK_DATA"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    assert [str(p) for p in default_data_roots()] == out


def test_fingerprint_tells_data_from_fallback(
    real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.summarize.nlp import data_fingerprint

    with_data = data_fingerprint()
    assert data_fingerprint() == with_data
    assert data_fingerprint(use_nltk_data=False) != with_data
    empty = tmp_path / "empty-root"
    empty.mkdir()
    monkeypatch.setenv("NLTK_DATA", str(empty))
    assert data_fingerprint() != with_data


def test_fingerprint_changes_when_data_becomes_unusable(real_data: Path) -> None:
    from digest.summarize.nlp import data_fingerprint

    before = data_fingerprint()
    stopwords = real_data / "corpora" / "stopwords" / "english"
    stopwords.chmod(stopwords.stat().st_mode | stat.S_IWOTH)  # NLTK refuses it now
    assert data_fingerprint() != before


def test_importing_the_text_tools_does_not_load_nltk() -> None:
    code = (
        "import sys, digest.summarize.nlp, digest.summarize.rank, "
        "digest.summarize.cache; "
        "print(any(m == 'nltk' or m.startswith('nltk.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
