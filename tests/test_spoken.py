"""What a listener hears: labels, sentence length, openers, the verdict, scripts.

Covers :mod:`digest.summarize.spoken`, :mod:`digest.summarize.verdict` and the
summaries they shape, on both NLTK paths.
"""

import re

from digest.summarize.rank import summarize_text

from .conftest import in_source_order

REVIEW_WITH_LABELS = (
    "Synopsis: a retired pilot flies one last mission over the mountains.\n"
    "Starring: Ann Lee, Bo Park, Cy Diaz\n"
    "The flying scenes are thrilling and the score is wonderful.\n"
    "Note: I saw this at a festival screening.\n"
    "The dialogue is clumsy in places, but the lead is superb throughout.\n"
    "Overall this is a moving and beautifully made film.\n"
)


def test_labels_are_not_read_and_credit_lines_are_dropped(nltk_path: str) -> None:
    chosen = summarize_text(REVIEW_WITH_LABELS, 5)
    assert chosen
    assert not any(re.match(r"\s*\w+\s*:", s) for s in chosen)
    assert not any("Ann Lee" in s or "festival" in s for s in chosen)
    assert "a retired pilot flies one last mission over the mountains." in chosen


def test_a_long_sentence_is_cut_at_a_clause_boundary(nltk_path: str) -> None:
    long = (
        "The director stages the chase through the old harbour with real flair, "
        "moving the camera between rooftops and fishing boats for minutes on end; "
        "the actors, who clearly did many of their own stunts, sell every fall and "
        "every bruise, and the sound design makes each crash land in the chest."
    )
    text = f"{long}\nThe film is great fun.\nThe ending is a little weak."
    chosen = summarize_text(text, 3)
    assert all(len(s.split()) <= 40 for s in chosen)
    assert in_source_order(text, chosen)


def test_openers_connectives_and_pointers() -> None:
    from digest.summarize.spoken import opener

    assert opener("However, the script is weak.").drop == len("However, ")
    assert not opener("However, the script is weak.").points_back
    assert opener("But his answer is no.") == opener("But his answer is no.")
    assert opener("But his answer is no.").points_back
    assert opener("So much for the plot.").drop == 0
    assert not opener("This film is a delight.").points_back
    assert opener("This is where it falls apart.").points_back
    assert opener("Secondly, the pacing drags.").drop == len("Secondly, ")


def test_a_sentence_that_points_back_comes_with_its_antecedent(
    nltk_path: str,
) -> None:
    text = (
        "Director Mia Stone asked the cast what the final scene should mean.\n"
        "Her answer, in the end, is a brilliant and moving finale.\n"
        "The score is wonderful and the camera work is superb.\n"
        "The middle act is slow and a little dull.\n"
        "It is the best thriller of the year.\n"
        "The cast is excellent from top to bottom.\n"
    )
    chosen = summarize_text(text, 3)
    lines = [line for line in text.splitlines() if line]
    for sentence in chosen:
        if sentence.startswith(("Her ", "It ")):
            before = lines[lines.index(sentence) - 1]
            assert before in chosen
    assert in_source_order(text, chosen)


def test_a_dropped_connective_leaves_the_sentence_verbatim(nltk_path: str) -> None:
    text = (
        "The premise is old and the first act is slow.\n"
        "The villain is a bore and the jokes fall flat.\n"
        "However, the final chase is thrilling and beautifully shot.\n"
    )
    chosen = summarize_text(text, 1)
    assert chosen == ["the final chase is thrilling and beautifully shot."]


def test_the_verdict_is_kept_over_plot(nltk_path: str) -> None:
    plot = [
        f"In scene {n}, the crew of the freighter {name} crosses the northern sea."
        for n, name in enumerate(("Vega", "Lyra", "Orion", "Draco", "Cygnus"), 1)
    ]
    text = "\n".join(
        [*plot, "The crew of the freighter meets a storm near the northern sea."]
        + ["The storm effects are impressive, and the music is fine."]
        + ["The acting is poor and the northern sea looks cheap."]
        + ["In the end this is a dull, tedious and badly acted film; avoid it."]
    )
    chosen = summarize_text(text, 2)
    assert "In the end this is a dull, tedious and badly acted film" in " ".join(chosen)


def test_valence_negation_and_but() -> None:
    from digest.summarize.verdict import lean, valence, valences

    assert valence("A wonderful film.") > 0
    assert valence("Not a good film.") < 0
    assert valence("The cast is good, but the film is awful.") < 0
    assert valence("The cast is awful, but the film is wonderful.") > 0
    assert lean(valences(["Great actors.", "A boring, tedious mess."])) < 0


def test_no_summary_past_sixty_percent_of_a_long_review(nltk_path: str) -> None:
    text = " ".join(
        f"Scene {n} of the film is {word} and the {part} is {word} too."
        for n, (word, part) in enumerate(
            zip(
                "great dull superb weak lovely flat vivid bland".split(),
                "score cast script camera edit light sound pace".split(),
                strict=True,
            ),
            1,
        )
    )
    chosen = summarize_text(text, 8)
    assert sum(len(s.split()) for s in chosen) <= 0.6 * len(text.split())


def test_chinese_review_is_split_and_summarized(nltk_path: str) -> None:
    text = (
        "这部电影很好看。演员的表演非常出色！导演讲了一个关于家庭的故事。"
        "画面很美，音乐也很动人。但是节奏有点慢。结局让人感动。"
        "总的来说，这是一部值得一看的好电影。我推荐给大家。第二次看也很好。"
    )
    chosen = summarize_text(text, 3)
    assert len(chosen) == 3
    assert all(s.endswith(("。", "！")) for s in chosen)
    assert in_source_order(text, chosen)
