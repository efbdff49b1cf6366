"""Summaries in other languages: abbreviations, CJK sentences, per-language tools."""

from pathlib import Path

import pytest

from digest.summarize.languages import word_count
from digest.summarize.nlp import TextTools, load_text_tools


@pytest.fixture(scope="module")
def fallback() -> TextTools:
    """The built-in tools (reads no files)."""
    return load_text_tools(use_nltk_data=False)


def test_word_count_reads_cjk_in_pairs() -> None:
    assert word_count("two words") == 2
    assert word_count("电影很好。") == 2
    assert word_count("Film 电影") == 2


def test_chinese_and_japanese_split_on_their_own_marks(fallback: TextTools) -> None:
    assert fallback.split_sentences("映画はとても良かった。音楽も素晴らしい") == [
        "映画はとても良かった。",
        "音楽も素晴らしい",
    ]
    text = "这部电影很好看！你看过吗？「真的」。最后一句"
    assert fallback.split_sentences(text) == [
        "这部电影很好看！",
        "你看过吗？",
        "「真的」。",
        "最后一句",
    ]


def test_cjk_content_words_are_character_pairs(fallback: TextTools) -> None:
    assert fallback.content_words("电影很好。") == ["电影", "影很", "很好"]
    assert fallback.content_words("好") == ["好"]


GERMAN = "Der Film dauert ca. 2 Std. und ist z. B. für Kinder geeignet, bzw. für alle."
FRENCH = "Il y a des scènes, p. ex. une poursuite. Le Dr. Martin joue bien."


@pytest.mark.parametrize("use_real", [True, False])
def test_foreign_abbreviations_never_end_a_sentence(
    real_data: Path, use_real: bool
) -> None:
    tools = load_text_tools(use_nltk_data=use_real)
    assert tools.split_sentences(GERMAN) == [GERMAN]
    assert tools.split_sentences(FRENCH) == [
        "Il y a des scènes, p. ex. une poursuite.",
        "Le Dr. Martin joue bien.",
    ]


def test_language_names() -> None:
    from digest.summarize.languages import nltk_language

    assert nltk_language("de-AT") == "german"
    assert nltk_language("pt_BR") == "portuguese"
    assert nltk_language(None) == "english"
    assert nltk_language("ja") is None


def test_german_tools_use_german_stopwords_and_stemmer(real_data: Path) -> None:
    tools = load_text_tools(language="de")
    assert tools.status.stopwords_source == "nltk"
    assert "und" in tools.stopwords
    assert "the" not in tools.stopwords
    assert tools.stem("filme") == tools.stem("film")
    assert tools.content_words("Die Filme und die Musik") == ["film", "musik"]
    # No German punkt_tab in the shared data: our Punkt, and abbreviations hold.
    assert tools.split_sentences(GERMAN) == [GERMAN]


def test_other_languages_without_data_fall_back_cleanly(no_data: Path) -> None:
    tools = load_text_tools(language="es")
    assert tools.status.stopwords_source == "fallback"
    assert tools.stopwords == frozenset()
    assert tools.stem("películas") == tools.stem("película")
    english = load_text_tools(language="ja")  # not covered: English tools
    assert "the" in english.stopwords


def test_each_review_is_summarized_with_its_language(
    no_data: Path, tmp_path: Path
) -> None:
    from digest.models import Review
    from digest.summarize.cache import SummaryCache
    from digest.summarize.reviews import SummaryOptions, summarize_reviews

    german = "Der Film ist gut. Die Musik ist schön. Die Filme sind lang."
    reviews = [
        Review(source=tmp_path / "de.txt", title="De", text=german, language="de"),
        Review(source=tmp_path / "en.txt", title="En", text=german, language="en"),
    ]
    cache = SummaryCache(tmp_path / "s", "fp")
    out = summarize_reviews(reviews, SummaryOptions(sentences=2), cache=cache)
    assert all(s.sentences for s in out)
    assert cache.misses == 2  # the same text in two languages: two entries
    assert cache.key("x", 2, None, "english") == cache.key("x", 2, None)
    assert cache.key("x", 2, None, "german") != cache.key("x", 2, None)
