"""The script: summaries → intro, one segment per review, outro; text fit for speech."""

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.config import Pauses, Settings, Templates, VoiceProfile
from digest.models import Line, LineKind, Review, ReviewFacts, Summary, speech_text
from digest.options import script_options
from digest.script import (
    CLAUSE_PAUSE_MS,
    HOST,
    MAX_LINE_CHARS,
    MAX_LINE_WORDS,
    NARRATOR,
    count_words,
    estimate_timeline,
    expected_seconds,
    script_voices,
    split_for_speech,
    spoken_certificate,
    spoken_rating,
    spoken_runtime,
    write_script,
)

# Distinct pause lengths so a mix-up between kinds or speakers shows.
HOST_PAUSES = Pauses(
    sentence_ms=1, paragraph_ms=2, announce_ms=222, transition_ms=103,
    segment_ms=4, intro_ms=444,
)  # fmt: skip
NARRATOR_PAUSES = Pauses(
    sentence_ms=111, paragraph_ms=555, announce_ms=5, transition_ms=6,
    segment_ms=333, intro_ms=7,
)  # fmt: skip
ONE_TRANSITION = Templates(transitions=("Next up.",), final_transitions=())
SETTINGS = Settings(
    show="Film Talk",
    title="Episode Nine",
    episode_date=date(2024, 3, 5),  # a Tuesday
    host=VoiceProfile("host", rate=170, pauses=HOST_PAUSES),
    narrator=VoiceProfile("narrator", rate=150, pauses=NARRATOR_PAUSES),
    templates=ONE_TRANSITION,
)
OPTIONS = script_options(SETTINGS)
TRANSITIONS = set(Templates().transitions)
FINALS = set(Templates().final_transitions)


def summary(
    title: str,
    *sentences: str,
    facts: ReviewFacts = ReviewFacts(),
    paragraphs: tuple[int, ...] = (),
    **review: str,
) -> Summary:
    """A Summary of a made-up review with the given sentences."""
    source = Review(
        Path(f"{title}.txt"), title, " ".join(sentences) or "text", **review
    )
    return Summary(source, tuple(sentences), facts, paragraphs)


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
        pytest.param("wait…", "wait.", id="ellipsis-end"),
        pytest.param("It was... fine", "It was, fine", id="ellipsis-pause"),
        pytest.param("so . . . no", "so, no", id="spaced-ellipsis"),
        pytest.param("Mia (Emma Stone) sings", "Mia, Emma Stone, sings", id="aside"),
        pytest.param("(A whole aside.)", "A whole aside.", id="whole-aside"),
        pytest.param("Why (really)?", "Why, really?", id="aside-before-stop"),
        pytest.param("The remake (2016) wins", "The remake wins", id="year-aside"),
        pytest.param("A scene (pictured) here", "A scene here", id="pictured"),
        pytest.param("Stone (Dale Robinette/Lionsgate)", "Stone", id="credit-aside"),
        pytest.param("It is [sic] good", "It is good", id="sic"),
        pytest.param("He [Chazelle] wins", "He Chazelle wins", id="brackets"),
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
    script = write_script(ONE, OPTIONS)
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
    script = write_script(summaries, OPTIONS)
    assert [seg.title for seg in script.segments] == titles


@pytest.mark.parametrize(
    ("summaries", "count"),
    [([], "no reviews"), (ONE, "one review."), (THREE, "three reviews")],
)
def test_intro(summaries: list[Summary], count: str) -> None:
    intro = write_script(summaries, OPTIONS).segments[0]
    assert intro.title == "Intro"
    assert len(intro.lines) == 1
    line = intro.lines[0]
    assert (line.speaker, line.kind, line.pause_after_ms) == (HOST, LineKind.INTRO, 444)
    assert "Film Talk" in line.text
    assert "Episode Nine" in line.text
    assert "Tuesday, March 5, 2024" in line.text
    assert count in line.text


def test_intro_without_title_does_not_repeat_show_and_date() -> None:
    settings = Settings(show="Film Talk", episode_date=date(2024, 3, 5))
    text = write_script(ONE, script_options(settings)).segments[0].lines[0].text
    assert (
        text == "Welcome to Film Talk, for Tuesday, March 5, 2024. Today: one review."
    )
    assert text.count("March") == 1


def test_intro_text_is_prepared_for_speech() -> None:
    settings = Settings(show="Cut/Print — “Weekly”", title="T")
    text = write_script(ONE, script_options(settings)).segments[0].lines[0].text
    assert 'Cut and Print, "Weekly"' in text


def test_outro() -> None:
    outro = write_script(THREE, OPTIONS).segments[-1]
    assert outro.title == "Outro"
    assert len(outro.lines) == 1
    line = outro.lines[0]
    assert (line.speaker, line.kind, line.pause_after_ms) == (HOST, LineKind.OUTRO, 0)
    assert "Film Talk" in line.text


def test_single_review_segment() -> None:
    seg = write_script(ONE, OPTIONS).segments[1]
    assert seg.lines == (
        Line(HOST, "Number one of one: Arrival.", LineKind.ANNOUNCE, 222),
        Line(NARRATOR, "A quiet film.", LineKind.SENTENCE, 111),
        Line(NARRATOR, "It listens.", LineKind.SENTENCE, 333),
    )


def test_three_review_segments() -> None:
    arrival, whiplash, carol = write_script(THREE, OPTIONS).segments[1:-1]
    assert arrival.lines == (
        Line(HOST, "Number one of three: Arrival.", LineKind.ANNOUNCE, 222),
        Line(NARRATOR, "A quiet film.", LineKind.SENTENCE, 111),
        Line(NARRATOR, "It listens.", LineKind.SENTENCE, 111),
        Line(NARRATOR, "Then it speaks.", LineKind.SENTENCE, 333),
    )
    assert whiplash.lines == (
        Line(HOST, "Next up.", LineKind.TRANSITION, 103),
        Line(HOST, "Number two of three: Whiplash.", LineKind.ANNOUNCE, 222),
        Line(NARRATOR, "Loud and fast.", LineKind.SENTENCE, 333),
    )
    assert carol.lines == (
        Line(HOST, "Next up.", LineKind.TRANSITION, 103),
        Line(HOST, "Number three of three: Carol.", LineKind.ANNOUNCE, 222),
        Line(NARRATOR, "Patient.", LineKind.SENTENCE, 111),
        Line(NARRATOR, "Precise.", LineKind.SENTENCE, 333),
    )


@pytest.mark.parametrize("count", [1, 2, 3, 5, 13])
def test_review_segment_shape(count: int) -> None:
    summaries = [summary(f"Film {i}", "One.", "Two.", "Three.") for i in range(count)]
    script = write_script(summaries, OPTIONS)
    reviews = script.segments[1:-1]
    assert len(reviews) == count
    for index, seg in enumerate(reviews):
        kinds = [line.kind for line in seg.lines]
        lead = [LineKind.TRANSITION] if index else []
        assert kinds == [*lead, LineKind.ANNOUNCE, *[LineKind.SENTENCE] * 3]
        announce = seg.lines[len(lead)]
        expected = f"Number {count_words(index + 1)} of {count_words(count)}: "
        assert announce.text == f"{expected}Film {index}."
        pauses = [line.pause_after_ms for line in seg.lines[len(lead) + 1 :]]
        assert pauses == [111, 111, 333]
        for line in seg.lines:
            assert line.speaker == (
                NARRATOR if line.kind is LineKind.SENTENCE else HOST
            )


def test_sentences_are_prepared_for_speech_in_order() -> None:
    s = summary("Film", "The writer/director — “Chazelle” —  returns.", "Last one…")
    lines = write_script([s], OPTIONS).segments[1].lines
    assert [line.text for line in lines[1:]] == [
        'The writer and director, "Chazelle", returns.',
        "Last one.",
    ]


def test_segment_title_is_the_raw_review_title() -> None:
    s = summary("“Whiplash” — Revisited", "Fast.")
    seg = write_script([s], OPTIONS).segments[1]
    assert seg.title == "“Whiplash” — Revisited"
    assert seg.lines[0].text == 'Number one of one: "Whiplash", Revisited.'


def test_reviews_of_the_same_film_get_distinct_chapters() -> None:
    summaries = [
        summary("La La Land", "One."),
        summary("La La Land", "Two."),
        summary("Carol", "Three."),
        summary("La La Land", "Four.", critic="Ana Ruiz"),
        summary("La La Land", "Five.", outlet="The Ledger"),
    ]
    script = write_script(summaries, OPTIONS)
    assert [seg.title for seg in script.segments[1:-1]] == [
        "La La Land",
        "La La Land (2)",
        "Carol",
        "La La Land (Ana Ruiz)",
        "La La Land (The Ledger)",
    ]
    timeline = estimate_timeline(script, OPTIONS.voice, lead_in_ms=0)
    assert sorted({t.segment_index for t in timeline.lines}) == list(range(7))
    # the announcement still names the film as written
    assert script.segments[2].lines[1].text == "Number two of five: La La Land."


@pytest.mark.parametrize(
    ("title", "spoken"),
    [
        ("Who Framed Roger Rabbit?", "Number one of one: Who Framed Roger Rabbit?"),
        ("Airplane!", "Number one of one: Airplane!"),
        ("Arrival.", "Number one of one: Arrival."),
        ("Wait...", "Number one of one: Wait."),
    ],
)
def test_title_punctuation_is_not_doubled(title: str, spoken: str) -> None:
    announce = write_script([summary(title, "Fine.")], OPTIONS).segments[1].lines[0]
    assert announce.text == spoken


def test_summaries_without_sentences_are_skipped() -> None:
    summaries = [
        summary("Arrival", "One.", "Two."),
        summary("Empty"),
        summary("Blank", "  ", "—"),
        summary("Carol", "Three."),
    ]
    script = write_script(summaries, OPTIONS)
    assert [seg.title for seg in script.segments] == [
        "Intro",
        "Arrival",
        "Carol",
        "Outro",
    ]
    assert "two reviews" in script.segments[0].lines[0].text
    carol = script.segments[2]
    assert carol.lines[0] == Line(HOST, "Next up.", LineKind.TRANSITION, 103)
    assert carol.lines[1].text == "Number two of two: Carol."


def test_blank_sentence_inside_a_summary_is_dropped_and_the_last_pause_kept() -> None:
    s = summary("Film", "First.", "Second.", "   ")
    lines = write_script([s], OPTIONS).segments[1].lines
    assert [(ln.text, ln.pause_after_ms) for ln in lines[1:]] == [
        ("First.", 111),
        ("Second.", 333),
    ]


def test_all_empty_summaries_leave_intro_and_outro() -> None:
    script = write_script([summary("A"), summary("B")], OPTIONS)
    assert [seg.title for seg in script.segments] == ["Intro", "Outro"]
    assert "no reviews" in script.segments[0].lines[0].text


def test_lines_flatten_segments_in_order() -> None:
    script = write_script(THREE, OPTIONS)
    flat = [line for seg in script.segments for line in seg.lines]
    assert list(script.lines) == flat
    assert isinstance(script.lines, tuple)
    assert len(script.lines) == 1 + (1 + 3) + (2 + 1) + (2 + 2) + 1
    assert script.lines[0].kind is LineKind.INTRO
    assert script.lines[-1].kind is LineKind.OUTRO


def test_every_line_has_text_and_a_known_speaker() -> None:
    for line in write_script(THREE, OPTIONS).lines:
        assert line.text.strip()
        assert line.speaker in (HOST, NARRATOR)
        assert line.pause_after_ms >= 0


# --- paragraphs ------------------------------------------------------------------


def test_paragraph_change_gets_the_longer_pause() -> None:
    s = summary("Film", "A.", "B.", "C.", "D.", "E.", paragraphs=(0, 0, 2, 2, 5))
    lines = write_script([s], OPTIONS).segments[1].lines[1:]
    assert [line.pause_after_ms for line in lines] == [111, 555, 111, 555, 333]


@pytest.mark.parametrize("paragraphs", [(), (0, 1), (0, 1, 2, 3)])
def test_unknown_or_mismatched_paragraphs_are_ignored(
    paragraphs: tuple[int, ...],
) -> None:
    s = summary("Film", "A.", "B.", "C.", paragraphs=paragraphs)
    lines = write_script([s], OPTIONS).segments[1].lines[1:]
    assert [line.pause_after_ms for line in lines] == [111, 111, 333]


def test_pauses_come_from_the_speakers_profile() -> None:
    slow = replace(NARRATOR_PAUSES, sentence_ms=1700, segment_ms=1800)
    settings = replace(SETTINGS, narrator=replace(SETTINGS.narrator, pauses=slow))
    lines = write_script(ONE, script_options(settings)).segments[1].lines
    assert [line.pause_after_ms for line in lines] == [222, 1700, 1800]


# --- announcement: byline and facts ---------------------------------------------


def announcement(s: Summary, templates: Templates | None = None) -> str:
    """The announcement line of a one-review script."""
    settings = replace(SETTINGS, templates=templates or Templates())
    line = write_script([s], script_options(settings)).segments[1].lines[0]
    assert line.kind is LineKind.ANNOUNCE
    return line.text


@pytest.mark.parametrize(
    ("review", "byline"),
    [
        (
            {"critic": "Ana Ruiz", "outlet": "The Ledger"},
            " By Ana Ruiz, for The Ledger.",
        ),
        ({"critic": "Ana Ruiz"}, " By Ana Ruiz."),
        ({"outlet": "The Ledger"}, " From The Ledger."),
        ({}, ""),
    ],
)
def test_byline(review: dict[str, str], byline: str) -> None:
    s = summary("Arrival", "Quiet.", **review)
    assert announcement(s) == f"Number one of one: Arrival.{byline}"


def test_all_facts_are_announced_in_order() -> None:
    facts = ReviewFacts(certificate="PG-13", runtime_minutes=112, rating="4/5")
    s = summary("Arrival", "Quiet.", facts=facts, critic="Ana Ruiz", outlet="Ledger")
    assert announcement(s) == (
        "Number one of one: Arrival. By Ana Ruiz, for Ledger. Rated P G 13. "
        "Running time: one hour and 52 minutes. Verdict: 4 out of 5."
    )


def test_single_fact_is_announced_alone() -> None:
    s = summary("Arrival", "Quiet.", facts=ReviewFacts(runtime_minutes=95))
    assert announcement(s) == (
        "Number one of one: Arrival. Running time: one hour and 35 minutes."
    )


def test_review_rating_is_used_when_facts_have_none() -> None:
    s = summary("Arrival", "Quiet.", rating="B+")
    assert announcement(s).endswith("Verdict: B+.")
    both = summary("Arrival", "Quiet.", rating="B+", facts=ReviewFacts(rating="A"))
    assert announcement(both).endswith("Verdict: A.")


def test_empty_templates_switch_pieces_off() -> None:
    facts = ReviewFacts(certificate="R", runtime_minutes=90, rating="3 stars")
    s = summary("Arrival", "Quiet.", facts=facts, critic="Ana", outlet="Ledger")
    quiet = Templates(byline="", certificate="", runtime="", rating="")
    assert announcement(s, quiet) == "Number one of one: Arrival."


def test_custom_templates_are_used_everywhere() -> None:
    templates = Templates(
        intro="{show} on {weekday}: {count} films.",
        announce="Film {number}, {title}.",
        byline="{critic} writes in {outlet}.",
        runtime="{minutes} minutes.",
        transitions=("And film {number} of {total}.",),
        final_transitions=(),
        outro="Bye from {show}.",
    )
    facts = ReviewFacts(runtime_minutes=101)
    summaries = [
        summary("Arrival", "Quiet.", critic="Ana", outlet="Ledger", facts=facts),
        summary("Carol", "Patient."),
    ]
    script = write_script(
        summaries, script_options(replace(SETTINGS, templates=templates))
    )
    texts = [line.text for line in script.lines]
    assert texts == [
        "Film Talk on Tuesday: two films.",
        "Film one, Arrival. Ana writes in Ledger. 101 minutes.",
        "Quiet.",
        "And film two of two.",
        "Film two, Carol.",
        "Patient.",
        "Bye from Film Talk.",
    ]


@pytest.mark.parametrize(
    ("minutes", "spoken"),
    [
        (1, "one minute"),
        (45, "45 minutes"),
        (60, "one hour"),
        (61, "one hour and one minute"),
        (112, "one hour and 52 minutes"),
        (120, "two hours"),
        (200, "three hours and 20 minutes"),
    ],
)
def test_spoken_runtime(minutes: int, spoken: str) -> None:
    assert spoken_runtime(minutes) == spoken


@pytest.mark.parametrize(
    ("certificate", "spoken"),
    [
        ("PG-13", "P G 13"),
        ("PG", "P G"),
        ("R", "R"),
        ("NC-17", "N C 17"),
        ("TV-MA", "T V M A"),
        ("12A", "12 A"),
        ("15", "15"),
        ("U", "U"),
    ],
)
def test_spoken_certificate(certificate: str, spoken: str) -> None:
    assert spoken_certificate(certificate) == spoken


@pytest.mark.parametrize(
    ("rating", "spoken"),
    [
        ("4/5", "4 out of 5"),
        ("3.5 / 5", "3.5 out of 5"),
        ("★★★★", "four stars"),
        ("★★★½", "three and a half stars"),
        ("★", "one star"),
        ("3½ stars", "3 and a half stars"),
        ("B+", "B+"),
        ("4 stars", "4 stars"),
    ],
)
def test_spoken_rating(rating: str, spoken: str) -> None:
    assert spoken_rating(rating) == spoken


# --- transitions -------------------------------------------------------------------


def default_settings(title: str = "Episode Nine") -> Settings:
    """SETTINGS with the built-in templates (several transitions)."""
    return replace(SETTINGS, title=title, templates=Templates())


def transitions(script_settings: Settings, count: int) -> list[str]:
    """The transition text before each review after the first."""
    summaries = [summary(f"F{i}", "S.") for i in range(count)]
    segs = write_script(summaries, script_options(script_settings)).segments[2:-1]
    assert all(seg.lines[0].kind is LineKind.TRANSITION for seg in segs)
    return [seg.lines[0].text for seg in segs]


def test_same_input_gives_the_same_script() -> None:
    summaries = [summary(f"F{i}", "S.") for i in range(7)]
    first = write_script(summaries, script_options(default_settings()))
    again = write_script(list(summaries), script_options(default_settings()))
    assert first == again


def test_transitions_vary_and_cover_the_whole_list() -> None:
    used = transitions(default_settings(), 1 + 2 * len(TRANSITIONS) + 1)
    regular, final = used[:-1], used[-1]
    assert set(regular) == TRANSITIONS
    assert all(a != b for a, b in zip(regular, regular[1:], strict=False))
    assert final in FINALS


def test_two_reviews_get_a_regular_transition() -> None:
    assert transitions(default_settings(), 2)[0] in TRANSITIONS


def test_different_episodes_open_with_different_transitions() -> None:
    firsts = {transitions(default_settings(f"Episode {n}"), 3)[0] for n in range(12)}
    assert len(firsts) >= 3


def test_no_transitions_configured_means_no_transition_lines() -> None:
    settings = replace(
        SETTINGS, templates=Templates(transitions=(), final_transitions=())
    )
    summaries = [summary(f"F{i}", "S.") for i in range(3)]
    kinds = [
        line.kind for line in write_script(summaries, script_options(settings)).lines
    ]
    assert LineKind.TRANSITION not in kinds


# --- timeline ----------------------------------------------------------------------


def test_timeline_follows_words_per_minute_and_pauses() -> None:
    script = write_script(THREE, OPTIONS)
    timeline = estimate_timeline(script, OPTIONS.voice, lead_in_ms=250, tail_ms=40)
    assert [t.line for t in timeline.lines] == list(script.lines)
    assert timeline.lines[0].start_ms == 250
    for timed in timeline.lines:
        rate = 150 if timed.line.speaker == NARRATOR else 170
        assert timed.speech_ms == round(1000 * expected_seconds(timed.line.text, rate))
    for before, after in zip(timeline.lines, timeline.lines[1:], strict=False):
        gap = after.start_ms - before.start_ms
        assert gap == before.speech_ms + before.line.pause_after_ms
    last = timeline.lines[-1]
    assert timeline.total_ms == last.start_ms + last.speech_ms + 40
    segments = [t.segment for t in timeline.lines]
    assert segments[0] == "Intro"
    assert segments[-1] == "Outro"
    assert segments.count("Arrival") == 4


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("abcdef abcdef abcdef abcdef abcdef abcdef abcdef", 48 / 7),  # characters
        ("Go.", 1.0),  # never below one word
        ("", 1.0),
        ("abcdef abcdef abcdef abcdef abcdef abcdef abcdef.", 49 / 7 + 0.5),
        ("abcdef, abcdef; abcdef: abcdef abcdef abcdef abcdef", 51 / 7 + 4.5),
        ("Wait... what?!", 14 / 7 + 2 * 0.5),
    ],
)
def test_expected_seconds(text: str, words: float) -> None:
    assert expected_seconds(text, 120) == pytest.approx(words / 2)
    assert expected_seconds(text, 240) == pytest.approx(words / 4)


# --- reviews in other languages ----------------------------------------------------

FRENCH_NARRATOR = replace(SETTINGS.narrator, name="narrator.fr", voice="roa/fr")
BILINGUAL = [
    summary("Arrival", "A quiet film.", "It listens."),
    summary("Amour", "Un film lent.", "Et magnifique.", language="fr"),
    summary("Solaris", "Ein stiller Film.", language="de"),
]


def test_a_french_summary_is_read_by_the_french_narrator() -> None:
    script = write_script(BILINGUAL, OPTIONS, {"fr": FRENCH_NARRATOR})
    english, french, german = script.segments[1:4]
    assert [line.speaker for line in french.lines] == [
        HOST, HOST, "narrator.fr", "narrator.fr"
    ]  # fmt: skip
    assert french.lines[1].kind is LineKind.ANNOUNCE
    assert french.lines[1].text.startswith("Number two of three: Amour")
    # Same pauses as the narrator it was derived from.
    assert [line.pause_after_ms for line in french.lines[2:]] == [111, 333]
    # No profile for German: the configured narrator reads it.
    assert [line.speaker for line in english.lines] == [HOST, NARRATOR, NARRATOR]
    assert german.lines[-1].speaker == NARRATOR
    assert script.lines[0].speaker == HOST
    assert script.lines[-1].speaker == HOST
    assert script.voices == (FRENCH_NARRATOR,)


@pytest.mark.parametrize(
    ("language", "spoken"),
    [
        (None, "writer and director, 1990 to 1995"),
        ("en", "writer and director, 1990 to 1995"),
        ("fr", "writer et director, 1990 à 1995"),
        ("de-AT", "writer und director, 1990 bis 1995"),
        ("gl", "writer and director, 1990 to 1995"),  # no words known: English
    ],
)
def test_speech_text_connectors_follow_the_language(
    language: str | None, spoken: str
) -> None:
    assert speech_text("writer/director, 1990–1995", language) == spoken


def test_french_sentences_are_prepared_in_french() -> None:
    amour = summary("Amour", "Scénariste/réalisateur, 1990–1995.", language="fr")
    script = write_script([amour], OPTIONS, {"fr": FRENCH_NARRATOR})
    line = script.segments[1].lines[-1]
    assert line.text == "Scénariste et réalisateur, 1990 à 1995."


def test_script_voices_finds_every_speaker() -> None:
    script = write_script(BILINGUAL, OPTIONS, {"fr": FRENCH_NARRATOR})
    voice = script_voices(script, OPTIONS)
    assert voice("narrator.fr") == FRENCH_NARRATOR
    assert voice(NARRATOR) == SETTINGS.narrator
    assert voice(HOST) == SETTINGS.host
    for line in script.lines:
        assert voice(line.speaker).name == line.speaker


def test_no_narrators_given_keeps_the_script_as_before() -> None:
    assert write_script(BILINGUAL, OPTIONS, {}) == write_script(BILINGUAL, OPTIONS)
    script = write_script(BILINGUAL, OPTIONS)
    assert script.voices == ()
    assert {line.speaker for line in script.lines} == {HOST, NARRATOR}


def test_unused_narrators_are_not_carried() -> None:
    spanish = replace(FRENCH_NARRATOR, name="narrator.es", voice="roa/es")
    script = write_script(BILINGUAL, OPTIONS, {"fr": FRENCH_NARRATOR, "es": spanish})
    assert script.voices == (FRENCH_NARRATOR,)


def test_timeline_uses_the_derived_narrators_rate() -> None:
    fast = replace(FRENCH_NARRATOR, rate=300)
    script = write_script(BILINGUAL, OPTIONS, {"fr": fast})
    timeline = estimate_timeline(script, script_voices(script, OPTIONS), 0)
    for timed in timeline.lines:
        rate = {HOST: 170, NARRATOR: 150, "narrator.fr": 300}[timed.line.speaker]
        assert timed.speech_ms == round(1000 * expected_seconds(timed.line.text, rate))


# --- over-long sentences (issue 19) ------------------------------------------------


def test_a_short_sentence_is_one_line() -> None:
    assert split_for_speech("A quiet film, and a kind one.") == [
        "A quiet film, and a kind one."
    ]


@given(
    st.lists(
        st.sampled_from(["film", "slow,", "grey;", "city:", "x" * 700, "and", "a"]),
        min_size=1,
        max_size=600,
    )
)
def test_split_keeps_every_word_in_order_within_the_limits(words: list[str]) -> None:
    text = " ".join(words)
    pieces = split_for_speech(text)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())
    for piece in pieces:
        assert len(piece.split()) <= MAX_LINE_WORDS
        assert len(piece) <= MAX_LINE_CHARS


def test_split_prefers_clause_boundaries() -> None:
    clause = " ".join(["word"] * 30) + ","
    pieces = split_for_speech(" ".join([clause] * 5))
    assert all(piece.endswith(",") for piece in pieces)
    assert [len(p.split()) for p in pieces] == [60, 60, 30]


def test_a_20000_word_sentence_is_read_in_lines_the_engine_can_say() -> None:
    long = " ".join(["end"] * 20_000) + "."
    script = write_script([summary("Long", long, "Short.")], OPTIONS)
    lines = script.segments[1].lines
    said = [line for line in lines if line.kind is LineKind.SENTENCE]
    assert len(said) == 20_000 // MAX_LINE_WORDS + 1
    assert all(len(line.text.split()) <= MAX_LINE_WORDS for line in said)
    # pieces of one sentence are joined by a short pause, sentences by their own
    assert {line.pause_after_ms for line in said[:-2]} == {CLAUSE_PAUSE_MS}
    assert said[-2].pause_after_ms == NARRATOR_PAUSES.sentence_ms
    assert " ".join(line.text for line in said[:-1]).split() == long.split()
