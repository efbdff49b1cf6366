"""Extractive summaries: :class:`Review` → :class:`Summary` (NLTK).

In: review text. Out: the N most central sentences, verbatim, in document order.
Sentences are split with NLTK Punkt (real model or built-in fallback, see
:mod:`digest.nlp`), reduced to stemmed content words, weighted by TF-IDF and ranked
by TextRank-style centrality over cosine similarity; a redundancy penalty (MMR)
keeps two near-identical sentences out of one summary. Lines that are not prose
(photo captions and credits, rating or runtime lines, fragments) are never chosen.
Writes nothing.
"""

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .models import Review, Summary
from .nlp import TextTools, load_text_tools

DEFAULT_SENTENCES = 4
DAMPING = 0.85
ITERATIONS = 40
MMR_LAMBDA = 0.7
MIN_WORDS = 5

# "(Dale Robinette/Lionsgate)" style credits, alone or closing a caption.
_CREDIT = re.compile(r"\(\s*[^()]*\s*/\s*[^()]*\)\s*$")
# "PG-13.", "128 minutes.", "Rated R." style fact lines.
_FACT_LINE = re.compile(
    r"^(?:(?:rated\s+)?(?:G|PG|PG-13|R|NC-17|NR|TV-\w+|U|12A?|15|18)\b"
    r"|\d{1,3}\s*(?:min|mins|minutes)\b|running time\b|runtime\b)",
    re.IGNORECASE,
)


def _candidate(sentence: str) -> bool:
    words = sentence.split()
    if len(words) < MIN_WORDS:
        return False
    if _CREDIT.search(sentence) or _FACT_LINE.match(sentence.strip()):
        return False
    return any(ch.isalpha() for ch in sentence)


def _length_weight(words: int) -> float:
    # Spoken summaries suffer from very long sentences; fragments say little.
    if words < 8:
        return 0.6 + 0.05 * words
    if words > 45:
        return max(0.5, 1.0 - (words - 45) / 60)
    return 1.0


def _tfidf(bags: Sequence[Counter[str]]) -> list[dict[str, float]]:
    docs = len(bags)
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    vectors: list[dict[str, float]] = []
    for bag in bags:
        vec = {
            term: (1.0 + math.log(count))
            * (math.log((1 + docs) / (1 + df[term])) + 1.0)
            for term, count in bag.items()
        }
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({term: v / norm for term, v in vec.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[t] for t, v in a.items() if t in b)


def _centrality(sims: list[list[float]]) -> list[float]:
    n = len(sims)
    out_weight = [sum(row) or 1.0 for row in sims]
    scores = [1.0 / n] * n
    for _ in range(ITERATIONS):
        scores = [
            (1 - DAMPING) / n
            + DAMPING * sum(sims[j][i] * scores[j] / out_weight[j] for j in range(n))
            for i in range(n)
        ]
    return scores


def caption_lines(text: str) -> list[tuple[int, int]]:
    """Spans of lines that end in a photo or trailer credit such as "(Name/Studio)"."""
    spans: list[tuple[int, int]] = []
    start = 0
    for line in text.split("\n"):
        if _CREDIT.search(line.rstrip()):
            spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


@dataclass(frozen=True, slots=True)
class _Graph:
    """Per-sentence scores and the pairwise cosine similarities behind them."""

    scores: list[float]
    sims: list[list[float]]


def _rank(sentences: Sequence[str], tools: TextTools, skip: frozenset[int]) -> _Graph:
    bags = [Counter(tools.content_words(s)) for s in sentences]
    vectors = _tfidf(bags)
    n = len(sentences)
    sims = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            sims[i][j] = sims[j][i] = _cosine(vectors[i], vectors[j])
    central = _centrality(sims)
    scores = [
        central[i] * _length_weight(len(s.split()))
        if _candidate(s) and bags[i] and i not in skip
        else 0.0
        for i, s in enumerate(sentences)
    ]
    return _Graph(scores, sims)


def rank_sentences(
    sentences: Sequence[str], tools: TextTools, skip: frozenset[int] = frozenset()
) -> list[float]:
    """A score per sentence; non-candidates (and indices in ``skip``) get 0."""
    return _rank(sentences, tools, skip).scores


def select_sentences(
    sentences: Sequence[str],
    count: int,
    tools: TextTools,
    skip: frozenset[int] = frozenset(),
) -> list[int]:
    """Indices of the chosen sentences, in document order."""
    if count <= 0 or not sentences:
        return []
    graph = _rank(sentences, tools, skip)
    scores, sims = graph.scores, graph.sims
    pool = [i for i, score in enumerate(scores) if score > 0]
    if not pool:  # nothing prose-like: fall back to whatever has words
        pool = [i for i, s in enumerate(sentences) if any(c.isalnum() for c in s)]
        scores = [1.0] * len(sentences)
    if not pool:
        return []
    top = max(scores[i] for i in pool) or 1.0
    chosen: list[int] = []
    seen_text: set[str] = set()

    def mmr(i: int) -> float:
        overlap = max((sims[i][j] for j in chosen), default=0.0)
        return MMR_LAMBDA * scores[i] / top - (1 - MMR_LAMBDA) * overlap

    while pool and len(chosen) < count:
        best = max(pool, key=lambda i: (mmr(i), -i))
        pool.remove(best)
        key = " ".join(sentences[best].lower().split())
        if key in seen_text:
            continue
        seen_text.add(key)
        chosen.append(best)
    return sorted(chosen)


def summarize_text(
    text: str, sentences: int = DEFAULT_SENTENCES, *, tools: TextTools | None = None
) -> list[str]:
    """The ``sentences`` most central sentences of ``text``, verbatim, in order."""
    tools = tools or load_text_tools()
    spans = tools.sentence_spans(text)
    split = [text[a:b] for a, b in spans]
    captions = caption_lines(text)
    # Every sentence of a caption or trailer paragraph goes, not just its credit.
    skip = frozenset(
        i
        for i, (a, b) in enumerate(spans)
        if any(lo <= a and b <= hi for lo, hi in captions)
    )
    return [split[i] for i in select_sentences(split, sentences, tools, skip)]


def summarize(review: Review, sentences: int, tools: TextTools) -> Summary:
    """Summarize one review."""
    return Summary(review, tuple(summarize_text(review.text, sentences, tools=tools)))
