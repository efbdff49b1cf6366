"""The extractive summarizer on both NLTK paths (real data and built-in fallback)."""

from pathlib import Path

import pytest

import digest
from digest.models import Review
from digest.nlp import load_text_tools
from digest.summarize import caption_lines, summarize, summarize_text

from .conftest import EXAMPLES

TEXT = (
    "The new thriller from director Ana Ruiz is a tense and clever ride. "
    "Its cast is strong, and the lead performance by Ellen Marsh anchors the film. "
    "The plot, however, loses its way in a muddled third act. "
    "Popcorn prices at the premiere were high. "
    "Still, the tense and clever direction by Ruiz makes the thriller worth seeing. "
    "Bring a friend."
)


@pytest.fixture(params=["real", "fallback"])
def nltk_path(request: pytest.FixtureRequest) -> str:
    """Run a test once with NLTK's real data and once with the fallback."""
    fixture = "nltk_real" if request.param == "real" else "nltk_absent"
    request.getfixturevalue(fixture)
    return str(request.param)


def test_library_function_is_exported_and_verbatim(nltk_path: str) -> None:
    chosen = digest.summarize_text(TEXT, 2)
    assert len(chosen) == 2
    positions = [TEXT.index(sentence) for sentence in chosen]
    assert positions == sorted(positions)
    assert load_text_tools().status.punkt_source == (
        "nltk" if nltk_path == "real" else "fallback"
    )


def test_central_sentences_win_over_asides(nltk_path: str) -> None:
    chosen = summarize_text(TEXT, 2)
    assert "Popcorn prices at the premiere were high." not in chosen
    assert "Bring a friend." not in chosen
    assert any("thriller" in s for s in chosen)


@pytest.mark.parametrize("count", [1, 3, 4, 10])
def test_sentence_count(count: int, nltk_absent: Path) -> None:
    chosen = summarize_text(TEXT, count)
    sentences = load_text_tools().split_sentences(TEXT)
    prose = [s for s in sentences if len(s.split()) >= 5]
    assert len(chosen) == min(count, len(prose))
    assert len(set(chosen)) == len(chosen)


@pytest.mark.parametrize("text", ["", "   \n\n  ", "!!! ??? ..."])
def test_nothing_to_say(text: str, nltk_absent: Path) -> None:
    assert summarize_text(text, 3) == []


def test_single_short_sentence_is_kept(nltk_absent: Path) -> None:
    assert summarize_text("Loved it.", 3) == ["Loved it."]


def test_duplicate_sentences_are_not_repeated(nltk_absent: Path) -> None:
    text = " ".join(["The music is wonderful and the songs stay with you."] * 3)
    text += " The dancing, sadly, is stiff and the camera never finds it."
    chosen = summarize_text(text, 3)
    assert len(chosen) == len(set(chosen)) == 2


def test_captions_and_credits_are_never_chosen(
    shared_reviews: Path, nltk_path: str
) -> None:
    for path in sorted(shared_reviews.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        captions = [text[a:b] for a, b in caption_lines(text)]
        for count in (3, 4, 8):
            for sentence in summarize_text(text, count):
                assert sentence in text
                assert not any(sentence in caption for caption in captions)
                assert "minutes." not in sentence
                assert not sentence.startswith("PG-13")


def test_caption_lines_finds_credit_paragraphs() -> None:
    text = "A real sentence here.\nStone as Mia. (Dale Robinette/Lionsgate)\nMore text."
    assert [text[a:b] for a, b in caption_lines(text)] == [
        "Stone as Mia. (Dale Robinette/Lionsgate)"
    ]


def test_examples_summaries_are_stable(nltk_absent: Path) -> None:
    tools = load_text_tools()
    for path in sorted(EXAMPLES.iterdir()):
        review = Review(path, path.stem, path.read_text(encoding="utf-8"))
        first = summarize(review, 3, tools)
        again = summarize(review, 3, tools)
        assert first == again
        assert len(first.sentences) == 3
