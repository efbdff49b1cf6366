"""Extractive summaries: :class:`Review` → :class:`Summary` (NLTK + numpy).

In: review text (and, for a whole episode, the reviews and the time budget). Out:
the sentences worth hearing, verbatim, in document order, the paragraph each came
from, and the facts (certificate, runtime, rating) the review states on lines of
their own.

1. :mod:`digest.summarize.clean` drops captions, credits, trailer blurbs, bylines and
   boilerplate and pulls out fact lines; only kept paragraphs are candidates.
2. Sentences (NLTK Punkt) become bags of stemmed content words (NLTK stopwords and
   Porter stemmer, :mod:`digest.summarize.nlp`).
3. Centrality (:mod:`digest.summarize.graph`): PageRank over the sentences'
   cosine-similarity graph. Links inside one paragraph count less than links
   across paragraphs: a point a review returns to is its theme, a paragraph
   repeating itself is not.
4. Review sense (:mod:`digest.summarize.verdict`): sentences that judge weigh
   more, and the one that best states the critic's verdict is chosen first; very
   short sentences weigh less and ones over 40 words are not read whole.
5. Listening (:mod:`digest.summarize.spoken`): labels are cut off, credit lines
   dropped, long sentences cut at clause boundaries; a leading connective is left
   out when the sentence before is not read, and a sentence that points back ("his
   answer …") is only read right after its antecedent.
6. Selection: greedy maximal marginal relevance, so no two sentences say the same
   thing, within a number of sentences and/or a speaking time (an episode's is
   shared out); a review of 8+ sentences is never read past 60 % of its words.

Deterministic: the same text always gives the same summary. Writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from digest.models import Review, ReviewFacts, Summary
from digest.summarize import spoken, verdict
from digest.summarize.clean import clean_review, is_fact_line, read_facts
from digest.summarize.graph import Floats, TermMatrix, centrality
from digest.summarize.languages import word_count

if TYPE_CHECKING:
    from digest.summarize.nlp import TextTools

# What a summary is made of: the chosen sentences, their paragraph numbers and
# the facts, for (text, most sentences, word budget or None).
Chosen = tuple[list[str], list[int], ReviewFacts]
Pick = Callable[[str, int, "int | None"], Chosen]

DEFAULT_SENTENCES = 4
DEFAULT_WPM = 160
MIN_WORDS = 5
# Beyond this many sentences a "review" is a book: only its start is considered,
# which keeps time and memory bounded whatever the input.
MAX_SENTENCES = 20_000
# A review of this many sentences or more is never summarized past SHARE of its words.
SHARE_FROM_SENTENCES = 8
SHARE = 0.6


@dataclass(frozen=True, slots=True)
class Weights:
    """The summarizer's knobs; one default set is used for every kind of text."""

    damping: float = 0.85  # PageRank damping
    iterations: int = 60  # PageRank iterations at most
    tolerance: float = 1e-6  # PageRank stops when scores move less than this
    # Term weight = (1 + log tf) * idf ** idf_power. Stopwords are already gone, and
    # idf over the sentences of one text mostly penalizes the words a review keeps
    # coming back to, so plain log-tf (power 0) ranks better on every dev set.
    idf_power: float = 0.0
    # Similarity between two sentences of the same paragraph counts this much: a
    # point the review makes in several places outranks one paragraph's repetition.
    inside: float = 0.5
    mmr_lambda: float = 0.6  # relevance vs. novelty in the greedy selection
    # A sentence this similar (cosine) to one already chosen says the same thing.
    max_overlap: float = 0.6
    opinion: float = 0.5  # boost per unit of judging strength (|valence|, capped)
    opinion_cap: float = 4.0
    # Share of sentences that judge at which a text starts to be, and then fully
    # is, treated as a review: news on the dev sets sits near 0.13, reviews near 0.4.
    judging_share: tuple[float, float] = (0.15, 0.3)
    # From this much review (0..1) on, a sentence that points back is only read
    # after its antecedent.
    strict_from: float = 0.3
    dependent: float = 1.0  # factor for a sentence read with its antecedent
    lone: float = 0.9  # and for one read without it, in text that is not a review
    short_words: int = 5  # sentences shorter than this are penalized


DEFAULT_WEIGHTS = Weights()


def _length_factor(words: int, weights: Weights) -> float:
    if words < weights.short_words:
        return 0.6 + 0.4 * words / weights.short_words
    return 1.0


def _opinionated(judged: Floats, weights: Weights) -> float:
    """0 for news-like text (few judging sentences), rising to 1 for a review."""
    share = float(np.mean(judged != 0)) if len(judged) else 0.0
    low, high = weights.judging_share
    return min(1.0, max(0.0, (share - low) / (high - low)))


def _prior(
    sentences: Sequence[str], judged: Floats, opinionated: float, weights: Weights
) -> Floats:
    """Per-sentence weight from what matters in reviews, independent of the graph."""
    strength = verdict.strength(judged, weights.opinion_cap, opinionated >= 1)
    length = [_length_factor(word_count(s), weights) for s in sentences]
    boost = weights.opinion * opinionated
    return np.asarray(length) * (1.0 + boost * strength)


def _candidates(
    sentences: Sequence[str], bags: Sequence[Sequence[str]], skip: frozenset[int]
) -> list[int]:
    """Sentences worth choosing: prose of speakable length, else anything with words."""
    usable = [i for i, s in enumerate(sentences) if i not in skip and bags[i]]
    usable = [i for i in usable if not is_fact_line(sentences[i])]
    sizes = {i: word_count(sentences[i]) for i in usable}
    for low, high in ((MIN_WORDS, spoken.LONG_WORDS), (MIN_WORDS, None), (1, None)):
        found = [
            i for i in usable if sizes[i] >= low and (high is None or sizes[i] <= high)
        ]
        if found:
            return found
    # Nothing with content words: whatever has letters or digits, in order.
    return [
        i
        for i, s in enumerate(sentences)
        if i not in skip and any(c.isalnum() for c in s) and not is_fact_line(s)
    ]


def select_sentences(
    sentences: Sequence[str],
    count: int,
    tools: TextTools,
    skip: frozenset[int] = frozenset(),
    *,
    openers: Sequence[bool] | None = None,
    budget_words: int | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[int]:
    """Indices of the chosen sentences, in document order.

    At most ``count`` sentences; with ``budget_words`` also at most that many words in
    all (always at least one sentence when any is eligible). ``openers`` marks the
    sentences that begin a paragraph; ``skip`` lists indices never to choose.
    """
    if count <= 0 or not sentences:
        return []
    bags = [tools.content_words(s) for s in sentences]
    if openers is None:
        openers = [i == 0 for i in range(len(sentences))]
    eligible = _candidates(sentences, bags, skip)
    if not eligible:
        return []
    matrix = TermMatrix(bags, weights.idf_power)
    if weights.inside != 1.0:
        matrix.set_groups(np.cumsum(np.asarray(openers, dtype=np.intp)), weights.inside)
    central = centrality(
        matrix,
        damping=weights.damping,
        iterations=weights.iterations,
        tolerance=weights.tolerance,
    )
    judged = verdict.valences(sentences)
    opinionated = _opinionated(judged, weights)
    score = central * _prior(sentences, judged, opinionated, weights)
    top = float(score[eligible].max()) or 1.0
    dependent = {i for i in eligible if spoken.opener(sentences[i]).points_back}
    if opinionated < weights.strict_from:
        # Not a review (news on the dev sets): a sentence that points back may be
        # read alone, as before, at a discount, rather than only with its antecedent.
        lone = dependent
        dependent = set()
    else:
        lone = set()
    free = [i for i in eligible if i not in dependent]
    relevance = score / top
    relevance[list(lone)] *= weights.lone
    plan = _Plan(sentences, eligible, dependent, relevance, matrix, count, budget_words)
    seed = verdict.verdict_index(sentences, judged, free) if opinionated == 1 else None
    return plan.run(weights, seed)


class _Plan:
    """Greedy maximal marginal relevance over the eligible sentences."""

    def __init__(
        self,
        sentences: Sequence[str],
        eligible: Sequence[int],
        dependent: set[int],
        relevance: Floats,
        matrix: TermMatrix,
        count: int,
        budget_words: int | None,
    ) -> None:
        self.sentences = sentences
        self.eligible = set(eligible)
        self.dependent = dependent
        self.relevance: list[float] = relevance.tolist()
        self.matrix = matrix
        self.count = count
        self.budget = budget_words
        self.pool = list(eligible)
        self.chosen: list[int] = []
        self.overlap = np.zeros(matrix.n)
        self.seen: set[str] = set()
        self.used = 0

    def group(self, i: int) -> tuple[int, ...] | None:
        """``i`` with the antecedent it needs, or None if it cannot be read."""
        if i not in self.dependent or (i - 1) in self.chosen:
            return (i,)
        before = i - 1
        if before not in self.eligible or before not in self.pool:
            return None
        if before in self.dependent and (before - 1) not in self.chosen:
            return None
        if len(self.chosen) + 2 > self.count:
            return None
        return (before, i)

    def best(self, weights: Weights) -> tuple[int, ...] | None:
        lam = weights.mmr_lambda
        overlap = self.overlap.tolist()
        relevance = self.relevance
        found, found_value = None, -math.inf
        for i in self.pool:
            if overlap[i] > weights.max_overlap:
                continue
            group = self.group(i)
            if group is None:
                continue
            if len(group) == 1:
                value = lam * relevance[i] - (1 - lam) * overlap[i]
            else:
                # Read as a pair: worth their mean, less for the slot it takes.
                mean = (relevance[i - 1] + relevance[i]) / 2 * weights.dependent
                value = lam * mean - (1 - lam) * max(overlap[i - 1], overlap[i])
            if value > found_value:
                found, found_value = group, value
        return found

    def take(self, group: tuple[int, ...]) -> None:
        for i in group:
            if i in self.pool:
                self.pool.remove(i)
        words = sum(word_count(self.sentences[i]) for i in group)
        over = self.budget is not None and self.used + words > self.budget
        if self.chosen and over:
            return  # too long for the time left; a shorter one may still fit
        keys = [" ".join(self.sentences[i].lower().split()) for i in group]
        if any(key in self.seen for key in keys):
            return
        self.seen.update(keys)
        for i in group:
            self.chosen.append(i)
            self.overlap = np.maximum(self.overlap, self.matrix.similarity_to(i))
        self.used += words

    def run(self, weights: Weights, seed: int | None) -> list[int]:
        if seed is not None:
            self.take((seed,))
        while self.pool and len(self.chosen) < self.count:
            group = self.best(weights)
            if group is None:
                break
            self.take(group)
        return sorted(self.chosen)


def words_for_seconds(seconds: float, wpm: float) -> int:
    """How many words a voice at ``wpm`` words per minute says in ``seconds``."""
    return max(1, int(seconds * wpm / 60))


def _units(
    text: str, tools: TextTools, paragraphs: Sequence[tuple[int, int]]
) -> tuple[list[str], list[int], list[bool], list[str]]:
    """The pieces to choose from (see :func:`.spoken.pieces`) and the whole sentences.

    Returns the pieces, each piece's paragraph number, whether it opens its
    paragraph, and every sentence as split (for the facts and the length cap).
    """
    units: list[str] = []
    paragraph_of: list[int] = []
    openers: list[bool] = []
    split: list[str] = []
    for number, (start, end) in enumerate(paragraphs):
        body = text[start:end]
        for a, b in tools.sentence_spans(body):
            sentence = body[a:b]
            split.append(sentence)
            for c, d in spoken.pieces(sentence):
                units.append(sentence[c:d])
                paragraph_of.append(number)
                openers.append(len(units) == 1 or paragraph_of[-2] != number)
        if len(split) >= MAX_SENTENCES:
            break
    del units[MAX_SENTENCES:], paragraph_of[MAX_SENTENCES:], openers[MAX_SENTENCES:]
    return units, paragraph_of, openers, split[:MAX_SENTENCES]


def _as_read(units: Sequence[str], picked: Sequence[int]) -> list[str]:
    """The chosen pieces as read: a leading connective goes when the one before does."""
    out = []
    for i in picked:
        drop = spoken.opener(units[i]).drop
        out.append(units[i] if (i - 1) in picked else units[i][drop:])
    return out


def _capped(budget_words: int | None, split: Sequence[str]) -> int | None:
    """The word budget, at most SHARE of a review of SHARE_FROM_SENTENCES or more."""
    if len(split) < SHARE_FROM_SENTENCES:
        return budget_words
    cap = max(1, int(SHARE * sum(word_count(s) for s in split)))
    return cap if budget_words is None else min(budget_words, cap)


def choose(
    text: str,
    tools: TextTools,
    *,
    sentences: int = DEFAULT_SENTENCES,
    budget_words: int | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> tuple[list[str], list[int], ReviewFacts]:
    """The chosen sentences of ``text``, their paragraph numbers and the facts."""
    clean = clean_review(text)
    units, paragraph_of, openers, split = _units(text, tools, clean.paragraphs)
    inline_facts = [s for s in split if is_fact_line(s)]
    facts = clean.facts
    if inline_facts:
        facts = read_facts([*clean.facts.lines, *inline_facts])
    picked = select_sentences(
        units,
        sentences,
        tools,
        openers=openers,
        budget_words=_capped(budget_words, split),
        weights=weights,
    )
    return _as_read(units, picked), [paragraph_of[i] for i in picked], facts


def summarize_text(
    text: str,
    sentences: int = DEFAULT_SENTENCES,
    *,
    tools: TextTools | None = None,
    use_nltk_data: bool = True,
) -> list[str]:
    """The ``sentences`` best sentences of ``text``, verbatim, in document order.

    Without ``tools``, the tools are loaded on the first call and kept for the next.
    """
    if tools is None:
        from digest.summarize.nlp import shared_text_tools

        tools = shared_text_tools(use_nltk_data=use_nltk_data)
    chosen, _, _ = choose(text, tools, sentences=sentences)
    return chosen


def summarize_all(
    reviews: Sequence[Review],
    tools: TextTools | None,
    *,
    sentences: int = DEFAULT_SENTENCES,
    seconds: float | None = None,
    episode_seconds: float | None = None,
    wpm: float = DEFAULT_WPM,
    pick: Pick | None = None,
    pick_for: Callable[[str | None], Pick] | None = None,
) -> tuple[Summary, ...]:
    """Summarize every review; ``episode_seconds`` is shared across them.

    Each review gets at most ``sentences`` sentences and ``seconds`` of reading.
    The episode budget (summary reading time only, not announcements) is shared
    out by water-filling: reviews whose summaries need less than an equal share
    leave the rest to the others. Results are in the order of ``reviews``.
    ``pick`` (say, one that remembers earlier results) replaces :func:`choose`
    with ``tools``; ``pick_for`` gives one per review language.
    """
    if pick_for is None:
        if pick is None:
            if tools is None:
                raise TypeError("summarize_all needs tools, pick or pick_for")
            pick = picker(tools)
        chooser = pick
        pick_for = lambda _language: chooser  # noqa: E731

    def one(review: Review, budget: int | None) -> Summary:
        by = pick_for(review.language)
        chosen, paragraphs, facts = by(review.text, sentences, budget)
        return Summary(review, tuple(chosen), facts, tuple(paragraphs))

    per_review = words_for_seconds(seconds, wpm) if seconds is not None else None
    full = [one(r, per_review) for r in reviews]
    if episode_seconds is None or not reviews:
        return tuple(full)
    need = [_spoken_words(s) for s in full]
    left = words_for_seconds(episode_seconds, wpm)
    out: list[Summary | None] = [None] * len(reviews)
    order = sorted(range(len(reviews)), key=lambda i: (need[i], i))
    for rank, i in enumerate(order):
        share = left // (len(order) - rank)
        out[i] = full[i] if need[i] <= share else one(reviews[i], max(1, share))
        left -= _spoken_words(out[i])
    return tuple(s for s in out if s is not None)


def picker(tools: TextTools) -> Pick:
    """:func:`choose` with ``tools``, as a :data:`Pick`."""

    def pick(text: str, sentences: int, budget_words: int | None) -> Chosen:
        return choose(text, tools, sentences=sentences, budget_words=budget_words)

    return pick


def _spoken_words(summary: Summary | None) -> int:
    return sum(word_count(s) for s in summary.sentences) if summary else 0


def summarize(
    review: Review,
    sentences: int,
    tools: TextTools,
    *,
    seconds: float | None = None,
    wpm: float = DEFAULT_WPM,
) -> Summary:
    """Summarize one review in at most ``sentences`` sentences (and ``seconds``)."""
    budget = words_for_seconds(seconds, wpm) if seconds is not None else None
    chosen, paragraphs, facts = choose(
        review.text, tools, sentences=sentences, budget_words=budget
    )
    return Summary(review, tuple(chosen), facts, tuple(paragraphs))
