"""The benchmark's review generator: deterministic, distinct, review-sized, usable."""

from pathlib import Path

import pytest

from bench.reviews import MAX_WORDS, MIN_WORDS, generate_reviews, write_reviews
from digest.config import build_settings
from digest.pipeline import summarize_paths


def test_same_seed_same_reviews_other_seed_others() -> None:
    assert generate_reviews(12, seed=3) == generate_reviews(12, seed=3)
    assert generate_reviews(12, seed=3) != generate_reviews(12, seed=4)
    # A longer run starts with the same reviews as a shorter one.
    assert generate_reviews(5, seed=3) == generate_reviews(12, seed=3)[:5]


def test_reviews_are_distinct_and_review_sized() -> None:
    reviews = generate_reviews(300, seed=1)
    assert len({r.title for r in reviews}) == 300
    assert len({r.text for r in reviews}) == 300
    assert len({r.name for r in reviews}) == 300
    assert all(MIN_WORDS <= r.words <= MAX_WORDS for r in reviews)
    # Several paragraphs each, and some reviews carry a fact line.
    assert all(r.text.count("\n\n") >= 4 for r in reviews)
    assert any("Rated " in r.text or "Not rated." in r.text for r in reviews)


@pytest.mark.usefixtures("nltk_absent")
def test_written_reviews_ingest_and_summarize(tmp_path: Path) -> None:
    paths = write_reviews(tmp_path / "reviews", 8, seed=2)
    assert [p.name for p in paths] == [f"review-{i:04d}.md" for i in range(1, 9)]
    expected = generate_reviews(8, seed=2)
    summaries = summarize_paths([tmp_path / "reviews"], build_settings(env={}))
    assert [s.review.title for s in summaries] == [r.title for r in expected]
    for summary in summaries:
        assert 1 <= len(summary.sentences) <= 4
        # Fact lines are facts, never summary sentences.
        assert not any(s.startswith("Rated ") for s in summary.sentences)
    last_lines = [r.text.rstrip().splitlines()[-1] for r in expected]
    with_facts = [
        s
        for s, last in zip(summaries, last_lines, strict=True)
        if last.startswith(("Rated ", "Not rated."))
    ]
    assert with_facts
    assert all(s.facts.runtime_minutes for s in with_facts)
