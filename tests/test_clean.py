"""Cleaning rules: what never reaches the summarizer, and the facts pulled out."""

from pathlib import Path

import pytest

from digest.summarize.clean import clean_review, is_fact_line, read_facts
from digest.summarize.nlp import load_text_tools
from digest.summarize.rank import choose

# A review laid out the way news sites print them; every line written for this test.
PAGE = """\
# Harbor Lights
By Priya Natarajan
Updated March 3, 2026, 9:14 AM
"Harbor Lights" is a warm, funny portrait of a fishing town that refuses to die.

Director Sam Okafor lets the townspeople talk, and what they say is worth hearing.
A trawler heads out at dawn in "Harbor Lights." (Mara Quinn/Tidewater Films)
Photo: Okafor on the set of the film.
Watch the trailer for "Harbor Lights" below.
Related: The best documentaries of the year so far
Sign up for our weekly film newsletter, delivered to your inbox.
The last twenty minutes, set during a winter storm, are the best of the film.
***
Not rated. 1 hr. 42 min. At the Roxy from Friday.
\u2605\u2605\u2605\u2605\u2606
"""


def kept(text: str) -> list[str]:
    review = clean_review(text)
    return [text[start:end] for start, end in review.paragraphs]


def test_page_keeps_only_prose() -> None:
    assert kept(PAGE) == [
        '"Harbor Lights" is a warm, funny portrait of a fishing town that refuses '
        "to die.",
        "Director Sam Okafor lets the townspeople talk, and what they say is worth "
        "hearing.",
        "The last twenty minutes, set during a winter storm, are the best of the film.",
    ]


def test_page_facts() -> None:
    facts = clean_review(PAGE).facts
    assert facts.certificate == "Not rated"
    assert facts.runtime_minutes == 102
    assert facts.rating == "4 out of 5 stars"
    assert facts.lines == (
        "Not rated. 1 hr. 42 min. At the Roxy from Friday.",
        "\u2605\u2605\u2605\u2605\u2606",
    )


def test_paragraph_numbers_count_kept_paragraphs(nltk_absent: Path) -> None:
    # A paragraph's number is its place among the kept ones: dropped lines take none.
    _, numbers, _ = choose(PAGE, load_text_tools(), sentences=3)
    assert numbers == [0, 1, 2]


@pytest.mark.parametrize(
    "line",
    [
        "Emma Stone as aspiring actress Mia. (Dale Robinette/Lionsgate)",
        "The crew at work. (Photo courtesy of Northwind)",
        "A still from the film (Courtesy of A24)",
        "Photograph: Jon Bell for the Gazette",
        "Caption: the cast at the premiere",
        "Watch the official trailer for the film here.",
        "Trailer: Orbit of Ash",
        "By Jon Bell and Ana Ruiz",
        "Reviewed by Ana Ruiz | Film Critic",
        "Related: Our interview with the director",
        "READ MORE: The year's best films",
        "More from the Arts desk",
        "Advertisement",
        "Share this article",
        "Follow Ana on Twitter for more reviews.",
        "Subscribe to our newsletter for weekly picks.",
        "Copyright 2026 The Gazette. All rights reserved.",
        "This review originally appeared in the Gazette.",
        "Filed under: Drama, Reviews",
        "## Verdict",
        "---",
    ],
)
def test_noise_lines_are_dropped(line: str) -> None:
    text = f"The film is a sharp, sad and funny story of two sisters.\n{line}\n"
    assert kept(text) == ["The film is a sharp, sad and funny story of two sisters."]
    assert clean_review(text).dropped == (line,)


@pytest.mark.parametrize(
    "line",
    [
        "By the end, the film has earned every one of its tears.",
        "Related stories rarely feel this fresh, and this one never flags.",
        "The trailer promised a thriller, but the film is a quiet character study.",
        "Rated against its rivals, the film comes out well ahead on every count.",
        "At 118 minutes the film is at least twenty minutes too long.",
        "Three stars would be generous for a sequel this lazy.",
        "Photographs of the old town fill the screen between interviews.",
    ],
)
def test_prose_that_looks_like_noise_is_kept(line: str) -> None:
    assert kept(line) == [line]
    assert not is_fact_line(line)


@pytest.mark.parametrize(
    ("line", "certificate", "minutes", "rating"),
    [
        (
            "PG-13. At area theaters. Contains some obscenity. 128 minutes.",
            "PG-13",
            128,
            None,
        ),
        ("Rated R for violence and language. 1h 52m.", "R", 112, None),
        ("Running time: 2 hours 8 minutes", None, 128, None),
        ("Runtime: 95 mins", None, 95, None),
        ("Certificate: 12A. 2 hours.", "12A", 120, None),
        ("TV-MA. Streaming on Netflix.", "TV-MA", None, None),
        ("\u2605\u2605\u2605\u00bd", None, None, "3.5 stars"),
        ("\u2605\u2605\u2606\u2606\u2606", None, None, "2 out of 5 stars"),
        ("Rating: 3 out of 4 stars", None, None, "3 out of 4 stars"),
        ("Verdict: 4/5", None, None, "4 out of 5"),
        ("Grade: B+", None, None, "grade B+"),
    ],
)
def test_fact_lines(
    line: str, certificate: str | None, minutes: int | None, rating: str | None
) -> None:
    assert is_fact_line(line)
    facts = read_facts([line])
    assert (facts.certificate, facts.runtime_minutes, facts.rating) == (
        certificate,
        minutes,
        rating,
    )
    assert kept(f"A tender, funny film about grief and cooking.\n{line}") == [
        "A tender, funny film about grief and cooking."
    ]


def test_bare_asterisks_are_not_a_rating() -> None:
    assert read_facts(["***"]).rating is None


def test_offsets_point_into_the_text() -> None:
    text = "\r\nFirst line of real prose here.\n\n  Second line, indented.  \n"
    review = clean_review(text)
    assert [text[start:end].strip() for start, end in review.paragraphs] == [
        "First line of real prose here.",
        "Second line, indented.",
    ]
