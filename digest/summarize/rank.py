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
4. Review sense: sentences that judge (opinion words) weigh a little more; very
   short and very long sentences weigh less.
5. Selection: greedy maximal marginal relevance, so no two sentences say the same
   thing; a sentence that leans on the one before it ("It …", "But …") is held back
   unless that sentence is chosen too. Length is a number of sentences, a speaking
   time, or both; an episode's time is shared out across its reviews.

Deterministic: the same text always gives the same summary. Writes nothing.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from digest.models import Review, ReviewFacts, Summary
from digest.summarize.clean import clean_review, is_fact_line, read_facts
from digest.summarize.graph import Floats, TermMatrix, centrality

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
    inside: float = 0.3
    mmr_lambda: float = 0.7  # relevance vs. novelty in the greedy selection
    # A sentence this similar (cosine) to one already chosen says the same thing.
    max_overlap: float = 0.6
    opinion: float = 0.05  # boost for a sentence with judging words
    dependent: float = 0.9  # factor for a dependent opener without its antecedent
    long_words: int = 50  # sentences longer than this are penalized
    short_words: int = 5  # and shorter than this


DEFAULT_WEIGHTS = Weights()

# Openers that point back at a sentence the listener may not have heard.
_DEPENDENT = re.compile(
    r"^[\"'\u2018\u201c(]*(?:it|its|this|that|these|those|they|them|their|he|she|his"
    r"|her|him|but|and|or|so|also|however|still|yet|then|there|here|such|both"
    r"|instead|meanwhile|moreover|furthermore|likewise|similarly|otherwise"
    r"|nevertheless|nonetheless|thus|hence|therefore|besides|again|another|other"
    r"|the latter|the former|the same)\b",
    re.IGNORECASE,
)

# Words that carry a judgement (stems of our own list), so verdicts and their
# reasons outrank plot summary.
_OPINION_WORDS = """
good great excellent best better worst worse bad poor terrible awful superb
brilliant wonderful fantastic amazing outstanding remarkable impressive perfect
perfectly beautiful beautifully gorgeous stunning dazzling delightful charming
lovely enjoyable fun funny hilarious moving touching powerful gripping compelling
engaging exhilarating thrilling entertaining satisfying memorable refreshing
love loved loves like liked likes enjoy enjoyed recommend recommended worth
worthwhile must favorite favourite masterpiece masterful triumph success succeeds
fail fails failed failure flawed flaw flaws weak weakest strong strongest mess
messy dull boring bland tedious tiresome disappointing disappointed disappoint
disappointment forgettable predictable clumsy overlong uneven muddled confusing
cheap cheaply sturdy flimsy comfortable uncomfortable quality value price
overpriced affordable reliable unreliable durable broke broken defective waste
happy unhappy pleased satisfied unsatisfied nice pretty ugly easy difficult hard
works worked useless useful helpful problem problems issue issues highly
exuberant ambitious thoughtful nostalgic winsome exquisite sublime grand clever
smart witty sharp tense riveting haunting heartfelt sincere genuine honest
shallow hollow empty lazy derivative fresh original inventive bold daring
""".split()


def _length_factor(words: int, weights: Weights) -> float:
    if words < weights.short_words:
        return 0.6 + 0.4 * words / weights.short_words
    if words > weights.long_words:
        return max(0.3, 1.0 - (words - weights.long_words) / 40)
    return 1.0


@functools.cache
def _opinion_stems(tools: TextTools) -> frozenset[str]:
    return frozenset(tools.stem(word) for word in _OPINION_WORDS)


def _prior(
    sentences: Sequence[str],
    bags: Sequence[Sequence[str]],
    tools: TextTools,
    weights: Weights,
) -> Floats:
    """Per-sentence weight from what matters in reviews, independent of the graph."""
    opinion = _opinion_stems(tools)
    out = np.ones(len(sentences))
    for i, (sentence, bag) in enumerate(zip(sentences, bags, strict=True)):
        factor = _length_factor(len(sentence.split()), weights)
        if any(term in opinion for term in bag):
            factor *= 1.0 + weights.opinion
        out[i] = factor
    return out


def _candidate(sentence: str, bag: Sequence[str]) -> bool:
    if len(sentence.split()) < MIN_WORDS or not bag:
        return False
    return not is_fact_line(sentence)


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
    eligible = [
        i for i, s in enumerate(sentences) if i not in skip and _candidate(s, bags[i])
    ]
    if not eligible:  # nothing prose-like: take whatever has words, in order
        eligible = [
            i
            for i, s in enumerate(sentences)
            if i not in skip and any(c.isalnum() for c in s) and not is_fact_line(s)
        ]
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
    score = central * _prior(sentences, bags, tools, weights)
    top = float(score[eligible].max()) or 1.0
    relevance = score / top
    return _greedy(sentences, eligible, relevance, matrix, count, budget_words, weights)


def _greedy(
    sentences: Sequence[str],
    eligible: Sequence[int],
    relevance: Floats,
    matrix: TermMatrix,
    count: int,
    budget_words: int | None,
    weights: Weights,
) -> list[int]:
    dependent = {i for i in eligible if _DEPENDENT.match(sentences[i])}
    pool = list(eligible)
    chosen: list[int] = []
    overlap = np.zeros(matrix.n)
    seen: set[str] = set()
    used_words = 0
    lam = weights.mmr_lambda
    while pool and len(chosen) < count:
        best, best_value = -1, -math.inf
        for i in pool:
            if overlap[i] > weights.max_overlap:
                continue
            value = relevance[i]
            if i in dependent and (i - 1) not in chosen:
                value *= weights.dependent
            value = lam * value - (1 - lam) * overlap[i]
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        pool.remove(best)
        words = len(sentences[best].split())
        if budget_words is not None and chosen and used_words + words > budget_words:
            continue  # too long for the time left; a shorter one may still fit
        key = " ".join(sentences[best].lower().split())
        if key in seen:
            continue
        seen.add(key)
        chosen.append(best)
        used_words += words
        overlap = np.maximum(overlap, matrix.similarity_to(best))
    return sorted(chosen)


def words_for_seconds(seconds: float, wpm: float) -> int:
    """How many words a voice at ``wpm`` words per minute says in ``seconds``."""
    return max(1, int(seconds * wpm / 60))


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
    split: list[str] = []
    paragraph_of: list[int] = []
    openers: list[bool] = []
    for number, (start, end) in enumerate(clean.paragraphs):
        body = text[start:end]
        for k, (a, b) in enumerate(tools.sentence_spans(body)):
            split.append(body[a:b])
            paragraph_of.append(number)
            openers.append(k == 0)
        if len(split) >= MAX_SENTENCES:
            break
    del split[MAX_SENTENCES:], paragraph_of[MAX_SENTENCES:], openers[MAX_SENTENCES:]
    inline_facts = [s for s in split if is_fact_line(s)]
    facts = clean.facts
    if inline_facts:
        facts = read_facts([*clean.facts.lines, *inline_facts])
    picked = select_sentences(
        split,
        sentences,
        tools,
        openers=openers,
        budget_words=budget_words,
        weights=weights,
    )
    return [split[i] for i in picked], [paragraph_of[i] for i in picked], facts


def summarize_text(
    text: str, sentences: int = DEFAULT_SENTENCES, *, tools: TextTools | None = None
) -> list[str]:
    """The ``sentences`` best sentences of ``text``, verbatim, in document order."""
    if tools is None:
        from digest.summarize.nlp import load_text_tools

        tools = load_text_tools()
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
) -> tuple[Summary, ...]:
    """Summarize every review; ``episode_seconds`` is shared across them.

    Each review gets at most ``sentences`` sentences and ``seconds`` of reading.
    The episode budget (summary reading time only, not announcements) is shared
    out by water-filling: reviews whose summaries need less than an equal share
    leave the rest to the others. Results are in the order of ``reviews``.
    ``pick`` (say, one that remembers earlier results) replaces :func:`choose`
    with ``tools``.
    """
    if pick is None:
        if tools is None:
            raise TypeError("summarize_all needs tools or pick")
        pick = picker(tools)
    chooser = pick

    def one(review: Review, budget: int | None) -> Summary:
        chosen, paragraphs, facts = chooser(review.text, sentences, budget)
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
    return sum(len(s.split()) for s in summary.sentences) if summary else 0


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
