"""The script: summaries → intro, one segment per review, outro; text fit for speech."""

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.config import Pauses, Settings
from digest.models import Line, LineKind, Review, Summary
from digest.script import HOST, NARRATOR, count_words, speech_text, write_script

# Distinct pause lengths so a mix-up between them shows.
PAUSES = Pauses(sentence_ms=111, announce_ms=222, segment_ms=333, intro_ms=444)
SETTINGS = Settings(
    show="Film Talk",
    title="Episode Nine",
    episode_date=date(2024, 3, 5),  # a Tuesday
    pauses=PAUSES,
)
TRANSITIONS = {
    "Next up.",
    "On to the next review.",
    "Here is another take.",
    "And now, another review.",
}


def summary(title: str, *sentences: str) -> Summary:
    """A Summary of a made-up review with the given sentences."""
    review = Review(Path(f"{title}.txt"), title, " ".join(sentences) or "text")
    return Summary(review, tuple(sentences))


ONE = [summary("Arrival", "A quiet film.", "It listens.")]
THREE = [
    summary("Arrival", "A quiet film.", "It listens.", "Then it speaks."),
    summary("Whiplash", "Loud and fast."),
    summary("Carol", "Patient.", "Precise."),
]


# --- speech_text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        pytest.param("“La La Land” is great", '"La La Land" is great', id="dquotes"),
        pytest.param("Chazelle’s ‘best’", "Chazelle's 'best'", id="squotes"),
        pytest.param("„Low quote“", '"Low quote"', id="low-quote"),
        pytest.param(
            "writer/director Damien", "writer and director Damien", id="slash"
        ),
        pytest.param(
            "barista/aspiring actress", "barista and aspiring actress", id="sl2"
        ),
        pytest.param("rated 4/5", "rated 4/5", id="digit-slash-kept"),
        pytest.param("great — really", "great, really", id="em-spaced"),
        pytest.param("great—really", "great, really", id="em-tight"),
        pytest.param("great – really", "great, really", id="en-spaced"),
        pytest.param("great - really", "great, really", id="spaced-hyphen"),
        pytest.param("great--really", "great, really", id="double-hyphen"),
        pytest.param("a meet-cute", "a meet-cute", id="hyphen-kept"),
        pytest.param("wait…", "wait...", id="ellipsis"),
        pytest.param("a\u00a0b", "a b", id="nbsp"),
        pytest.param("  a \n\t b\r\n  c  ", "a b c", id="whitespace"),
        pytest.param("", "", id="empty"),
        pytest.param("Plain text.", "Plain text.", id="unchanged"),
    ],
)
def test_speech_text(text: str, spoken: str) -> None:
    assert speech_text(text) == spoken


WORD = re.compile(r"[A-Za-z0-9]+")
_SPEECHY = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ019 \n\t.,;:!?'\"/-")
        + ["—", "–", "“", "”", "‘", "’", "…", "\u00a0"]
    ),
    max_size=80,
)


@given(_SPEECHY)
def test_speech_text_preserves_words(text: str) -> None:
    """Only 'and' (word/word) and 'to' (number ranges) are added; nothing is lost."""
    spoken = speech_text(text)
    before = [w for w in WORD.findall(text) if w not in ("and", "to")]
    after = [w for w in WORD.findall(spoken) if w not in ("and", "to")]
    assert after == before
    assert spoken == spoken.strip()
    assert "  " not in spoken
    assert not set(spoken) & set("—–“”‘’…\u00a0\n\t")


@pytest.mark.parametrize(
    ("number", "words"),
    [(0, "no"), (1, "one"), (3, "three"), (12, "twelve"), (13, "13"), (-1, "-1")],
)
def test_count_words(number: int, words: str) -> None:
    assert count_words(number) == words


# --- structure -----------------------------------------------------------------


def test_script_metadata_comes_from_settings() -> None:
    script = write_script(ONE, SETTINGS)
    assert (script.show, script.title, script.episode_date) == (
        "Film Talk",
        "Episode Nine",
        date(2024, 3, 5),
    )


@pytest.mark.parametrize(
    ("summaries", "titles"),
    [
        ([], ["Intro", "Outro"]),
        (ONE, ["Intro", "Arrival", "Outro"]),
        (THREE, ["Intro", "Arrival", "Whiplash", "Carol", "Outro"]),
    ],
)
def test_segments(summaries: list[Summary], titles: list[str]) -> None:
    script = write_script(summaries, SETTINGS)
    assert [seg.title for seg in script.segments] == titles


@pytest.mark.parametrize(
    ("summaries", "count"),
    [([], "no reviews"), (ONE, "one review."), (THREE, "three reviews")],
)
def test_intro(summaries: list[Summary], count: str) -> None:
    intro = write_script(summaries, SETTINGS).segments[0]
    assert intro.title == "Intro"
    assert len(intro.lines) == 1
    line = intro.lines[0]
    assert (line.speaker, line.kind, line.pause_after_ms) == (HOST, LineKind.INTRO, 444)
    assert "Film Talk" in line.text
    assert "Episode Nine" in line.text
    assert "Tuesday, March 5, 2024" in line.text
    assert count in line.text


def test_intro_without_title_names_the_dated_episode() -> None:
    settings = Settings(show="Film Talk", episode_date=date(2024, 3, 5))
    text = write_script(ONE, settings).segments[0].lines[0].text
    assert "Film Talk, March 5, 2024" in text


def test_intro_text_is_prepared_for_speech() -> None:
    settings = Settings(show="Cut/Print — “Weekly”", episode_date=date(2024, 3, 5))
    text = write_script(ONE, settings).segments[0].lines[0].text
    assert 'Cut and Print, "Weekly"' in text


def test_outro() -> None:
    outro = write_script(THREE, SETTINGS).segments[-1]
    assert outro.title == "Outro"
    assert len(outro.lines) == 1
    line = outro.lines[0]
    assert (line.speaker, line.kind, line.pause_after_ms) == (HOST, LineKind.OUTRO, 0)
    assert "Film Talk" in line.text


def test_single_review_segment() -> None:
    seg = write_script(ONE, SETTINGS).segments[1]
    assert seg.lines == (
        Line(HOST, "Review one of one: Arrival.", LineKind.ANNOUNCE, 222),
        Line(NARRATOR, "A quiet film.", LineKind.SENTENCE, 111),
        Line(NARRATOR, "It listens.", LineKind.SENTENCE, 333),
    )


def test_three_review_segments() -> None:
    arrival, whiplash, carol = write_script(THREE, SETTINGS).segments[1:-1]
    assert arrival.lines == (
        Line(HOST, "Review one of three: Arrival.", LineKind.ANNOUNCE, 222),
        Line(NARRATOR, "A quiet film.", LineKind.SENTENCE, 111),
        Line(NARRATOR, "It listens.", LineKind.SENTENCE, 111),
        Line(NARRATOR, "Then it speaks.", LineKind.SENTENCE, 333),
    )
    assert whiplash.lines[0] == Line(HOST, "Next up.", LineKind.TRANSITION, 111)
    assert whiplash.lines[1:] == (
        Line(HOST, "Review two of three: Whiplash.", LineKind.ANNOUNCE, 222),
        Line(NARRATOR, "Loud and fast.", LineKind.SENTENCE, 333),
    )
    assert carol.lines[0].kind is LineKind.TRANSITION
    assert carol.lines[0].text in TRANSITIONS - {"Next up."}
    assert carol.lines[1:] == (
        Line(HOST, "Review three of three: Carol.", LineKind.ANNOUNCE, 222),
        Line(NARRATOR, "Patient.", LineKind.SENTENCE, 111),
        Line(NARRATOR, "Precise.", LineKind.SENTENCE, 333),
    )


@pytest.mark.parametrize("count", [1, 2, 3, 5, 13])
def test_review_segment_shape(count: int) -> None:
    summaries = [summary(f"Film {i}", "One.", "Two.", "Three.") for i in range(count)]
    script = write_script(summaries, SETTINGS)
    reviews = script.segments[1:-1]
    assert len(reviews) == count
    for index, seg in enumerate(reviews):
        kinds = [line.kind for line in seg.lines]
        lead = [LineKind.TRANSITION] if index else []
        assert kinds == [*lead, LineKind.ANNOUNCE, *[LineKind.SENTENCE] * 3]
        announce = seg.lines[len(lead)]
        expected = f"Review {count_words(index + 1)} of {count_words(count)}: "
        assert announce.text == f"{expected}Film {index}."
        assert [line.pause_after_ms for line in seg.lines[len(lead) + 1 :]] == [
            111,
            111,
            333,
        ]
        for line in seg.lines:
            assert line.speaker == (
                NARRATOR if line.kind is LineKind.SENTENCE else HOST
            )


def test_transitions_cycle_through_all_phrases() -> None:
    summaries = [summary(f"F{i}", "S.") for i in range(9)]
    segs = write_script(summaries, SETTINGS).segments[2:-1]
    used = [seg.lines[0].text for seg in segs]
    assert set(used) == TRANSITIONS
    assert used[:4] == used[4:]  # the cycle repeats after four
    assert all(a != b for a, b in zip(used, used[1:], strict=False))


def test_sentences_are_prepared_for_speech_in_order() -> None:
    s = summary("Film", "The writer/director — “Chazelle” —  returns.", "Last one…")
    lines = write_script([s], SETTINGS).segments[1].lines
    assert [line.text for line in lines[1:]] == [
        'The writer and director, "Chazelle", returns.',
        "Last one...",
    ]


def test_segment_title_is_the_raw_review_title() -> None:
    s = summary("“Whiplash” — Revisited", "Fast.")
    seg = write_script([s], SETTINGS).segments[1]
    assert seg.title == "“Whiplash” — Revisited"
    assert seg.lines[0].text == 'Review one of one: "Whiplash", Revisited.'


def test_summaries_without_sentences_are_skipped() -> None:
    summaries = [
        summary("Arrival", "One.", "Two."),
        summary("Empty"),
        summary("Carol", "Three."),
    ]
    script = write_script(summaries, SETTINGS)
    assert [seg.title for seg in script.segments] == [
        "Intro",
        "Arrival",
        "Carol",
        "Outro",
    ]
    assert "two reviews" in script.segments[0].lines[0].text
    carol = script.segments[2]
    assert carol.lines[0] == Line(HOST, "Next up.", LineKind.TRANSITION, 111)
    assert carol.lines[1].text == "Review two of two: Carol."


def test_all_empty_summaries_leave_intro_and_outro() -> None:
    script = write_script([summary("A"), summary("B")], SETTINGS)
    assert [seg.title for seg in script.segments] == ["Intro", "Outro"]
    assert "no reviews" in script.segments[0].lines[0].text


def test_lines_flatten_segments_in_order() -> None:
    script = write_script(THREE, SETTINGS)
    flat = [line for seg in script.segments for line in seg.lines]
    assert list(script.lines) == flat
    assert isinstance(script.lines, tuple)
    assert len(script.lines) == 1 + (1 + 3) + (2 + 1) + (2 + 2) + 1
    assert script.lines[0].kind is LineKind.INTRO
    assert script.lines[-1].kind is LineKind.OUTRO


def test_every_line_has_text_and_a_known_speaker() -> None:
    for line in write_script(THREE, SETTINGS).lines:
        assert line.text.strip()
        assert line.speaker in (HOST, NARRATOR)
        assert line.pause_after_ms >= 0
