"""The listening benchmark's own measures: WER, normalization, squash, VTT, TOML."""

from pathlib import Path

import numpy as np
import pytest

from bench.wer import (
    DEL,
    INS,
    MATCH,
    SUB,
    align,
    edit_profile,
    merge,
    normalize,
    number_words,
    read_turns,
    read_vtt,
    reference,
    score,
    squash,
    wer,
)


def test_wer_counts_substitutions_deletions_and_insertions() -> None:
    ref = "the cat sat on the mat".split()
    assert wer(ref, ref) == 0.0
    assert wer(ref, "the cat sat on a mat".split()) == pytest.approx(1 / 6)
    assert wer(ref, "the cat on the mat".split()) == pytest.approx(1 / 6)
    assert wer(ref, "the big cat sat on the mat".split()) == pytest.approx(1 / 6)
    assert wer(ref, []) == 1.0
    assert wer(ref, ["x"] * 12) == pytest.approx(12 / 6)  # can pass 1
    assert wer([], []) == 0.0
    assert wer([], ["a"]) == 1.0


def test_wer_is_the_minimum_edit_distance() -> None:
    # kitten -> sitting, as words: 3 edits (2 substitutions, 1 insertion).
    assert wer(list("kitten"), list("sitting")) == pytest.approx(3 / 6)
    # A shifted sequence costs one deletion and one insertion, not n substitutions.
    assert wer(list("abcdef"), list("bcdefg")) == pytest.approx(2 / 6)


def test_alignment_walks_both_sequences_in_order() -> None:
    ref, hyp = "a b c d".split(), "a x c d e".split()
    path = align(ref, hyp)
    assert [op for op, _, _ in path] == [MATCH, SUB, MATCH, MATCH, INS]
    assert [i for _, i, _ in path if i >= 0] == [0, 1, 2, 3]
    assert [j for _, _, j in path if j >= 0] == [0, 1, 2, 3, 4]
    assert [op for op, _, _ in align(["a", "b"], ["b"])] == [DEL, MATCH]


def test_errors_go_to_the_speaker_of_the_reference_word() -> None:
    ref = "welcome to the show a fine film indeed".split()
    who = ["host"] * 4 + ["narrator"] * 4
    hyp = "welcome to the snow extra a fine indeed".split()
    result = score(ref, who, hyp)
    # host: show -> snow, plus "extra" inserted after "show"; narrator: "film" lost.
    assert result.errors == {"host": 2, "narrator": 1}
    assert result.rate("host") == pytest.approx(2 / 4)
    assert result.rate("narrator") == pytest.approx(1 / 4)
    assert result.rate() == pytest.approx(3 / 8)
    # "show" heard as "snow" or "extra": the same cost either way.
    assert [ref for ref, _ in result.heard] == ["show"]
    assert result.missed == {"show": 1, "film": 1}
    assert result.seen["the"] == 1
    assert result.who_missed == {("host", "show"): 1, ("narrator", "film"): 1}
    assert result.who_seen[("narrator", "film")] == 1


def test_normalize_words_punctuation_apostrophes_case() -> None:
    assert normalize("It’s “La La Land” (Lionsgate) — writer/director!") == [
        "its", "la", "la", "land", "lionsgate", "writer", "director",
    ]  # fmt: skip
    assert normalize("i didn't , frankly .") == ["i", "didnt", "frankly"]
    assert normalize("Rock & roll: 50%") == [
        "rock", "and", "roll", "fifty", "percent",
    ]  # fmt: skip
    assert normalize("") == []


def test_normalize_spells_numbers_the_same_both_sides() -> None:
    assert normalize("June 1, 2024.") == "june one two thousand twenty four".split()
    assert normalize("Rated PG-13, 128 minutes") == (
        "rated pg thirteen one hundred twenty eight minutes".split()
    )
    assert (
        normalize("1,500,000 fans") == "one million five hundred thousand fans".split()
    )
    assert normalize("3.5 stars") == "three point five stars".split()
    assert normalize("twelve reviews") == normalize("12 reviews")
    assert number_words(0) == ["zero"]
    assert number_words(90) == ["ninety"]
    assert number_words(1001) == ["one", "thousand", "one"]


def test_squash_counts_frames_near_the_peak() -> None:
    rate = 1000  # 10 samples per 10 ms frame
    frames = np.zeros((100, 10))
    frames[:20] = 0.5  # 20 frames at the peak
    frames[20:60] = 0.1  # 40 quieter active frames (-20 dBFS)
    # The last 40 frames are silent: not active.
    share, par = squash(frames.ravel(), rate)
    assert share == pytest.approx(20 / 60)
    rms = np.sqrt((20 * 0.25 + 40 * 0.01) / 60)
    assert par == pytest.approx(20 * np.log10(0.5 / rms))


def test_squash_of_a_clipped_sine_is_high_and_of_silence_zero() -> None:
    rate = 16000
    t = np.arange(rate) / rate
    sine = 0.5 * np.sin(2 * np.pi * 220 * t)
    clipped = np.clip(4 * sine, -0.5, 0.5)
    share_sine, par_sine = squash(sine, rate)
    share_clip, par_clip = squash(clipped, rate)
    assert share_sine == pytest.approx(1.0)  # every frame holds a full-scale peak
    assert par_sine == pytest.approx(3.01, abs=0.05)  # a sine's crest factor
    assert par_clip < par_sine
    assert squash(np.zeros(rate), rate) == (0.0, 0.0)
    assert squash(np.zeros(3), rate) == (0.0, 0.0)
    # A spike above steady speech: nothing else is near the peak.
    speech = 0.1 * np.sin(2 * np.pi * 200 * t)
    speech[5000] = 0.9
    share, _ = squash(speech, rate)
    assert share == pytest.approx(1 / 100)


def test_read_vtt_keeps_speakers_and_joins_rows(tmp_path: Path) -> None:
    vtt = tmp_path / "e.vtt"
    vtt.write_text(
        "WEBVTT\n\n1\n00:00:00.250 --> 00:00:03.574\n<v Host>Welcome to Review "
        "Digest,\nfor Saturday,</v>\n\n2\n00:00:03.574 --> 00:00:06.566\n<v Narrator>"
        "It runs 128 minutes.</v>\n",
        encoding="utf-8",
    )
    cues = read_vtt(vtt)
    assert cues == [
        ("Host", "Welcome to Review Digest, for Saturday,"),
        ("Narrator", "It runs 128 minutes."),
    ]
    words, speakers = reference(cues)
    assert words[:3] == ["welcome", "to", "review"]
    assert speakers == ["host"] * 6 + ["narrator"] * 7


def test_edit_profile_sets_adds_and_deletes_top_level_keys() -> None:
    text = 'language = "en-us"\nvariant = "m3"\nrate = 170\n\n[pauses]\nrate = 1\n'
    edited = edit_profile(text, {"rate": 160, "variant": None, "pitch": 50})
    assert edited == (
        'language = "en-us"\nrate = 160\npitch = 50\n\n[pauses]\nrate = 1\n'
    )
    assert 'variant = "f2"' in edit_profile(text, {"variant": "f2"})


def test_turns_join_a_speakers_cues_with_their_times(tmp_path: Path) -> None:
    vtt = tmp_path / "episode.vtt"
    vtt.write_text(
        "WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.000\n<v Host>Welcome.</v>\n\n"
        "2\n00:00:02.000 --> 00:00:05.250\n<v Narrator>A fine film.</v>\n\n"
        "3\n00:00:05.250 --> 00:01:07.000\n<v Narrator>It runs\nlong.</v>\n\n"
        "4\n00:01:07.000 --> 00:01:08.000\n<v Host>Next.</v>\n",
        encoding="utf-8",
    )
    assert read_turns(vtt) == [
        (0.5, 2.0, "Host", "Welcome."),
        (2.0, 67.0, "Narrator", "A fine film. It runs long."),
        (67.0, 68.0, "Host", "Next."),
    ]


def test_scores_of_turns_add_up() -> None:
    one = score(["a", "b"], ["host", "host"], ["a", "c"])
    two = score(["c", "d", "e"], ["narrator"] * 3, ["c", "d", "e"])
    total = merge([one, two])
    assert total.words == {"host": 2, "narrator": 3}
    assert total.errors == {"host": 1}
    assert total.rate() == pytest.approx(1 / 5)
