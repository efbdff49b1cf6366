"""The sentence graph: how central each sentence is and how alike two sentences are.

In: one bag of stemmed content words per sentence and, optionally, the paragraph
group of each sentence. Out: each sentence's centrality (PageRank over the
cosine-similarity graph) and any sentence's similarity to all the others, for
:mod:`digest.summarize.rank` to choose from. Pure numpy; writes nothing.

Sentences become log-TF vectors (an IDF factor is a knob). The graph is applied
through the sparse sentence-term matrix without forming the n×n graph, so cost
grows with the number of words, not the square of the number of sentences; small
texts use the dense graph, which is faster there. Links inside one paragraph can
count less than links across paragraphs.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

# Up to this many sentences the similarity graph is held as a dense n×n array.
DENSE_LIMIT = 400
_SMALL_PRODUCT = 4_000_000

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


def _sum_by(index: Ints, values: Floats, size: int) -> Floats:
    """``out[k] = sum(values[index == k])`` for k < size."""
    return np.bincount(index, weights=values, minlength=size).astype(np.float64)


class TermMatrix:
    """Sparse, row-normalized sentence-term matrix V in coordinate form.

    Rows are sentences, columns stemmed terms; entries are stored row by row, so
    row ``i`` is ``rows[start[i]:start[i + 1]]``.
    """

    def __init__(self, bags: Sequence[Sequence[str]], idf_power: float) -> None:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[float] = []
        for row, bag in enumerate(bags):
            seen: dict[int, int] = {}
            for term in bag:
                col = vocab.setdefault(term, len(vocab))
                seen[col] = seen.get(col, 0) + 1
            for col, count in seen.items():
                rows.append(row)
                cols.append(col)
                counts.append(count)
        self.n = len(bags)
        self.terms = len(vocab)
        self.rows: Ints = np.asarray(rows, dtype=np.intp)
        self.cols: Ints = np.asarray(cols, dtype=np.intp)
        self.start: Ints = np.searchsorted(self.rows, np.arange(self.n + 1))
        tf = 1.0 + np.log(np.asarray(counts, dtype=np.float64))
        df = _sum_by(self.cols, np.ones(len(cols)), self.terms)
        idf = (np.log((1.0 + self.n) / (1.0 + df)) + 1.0) ** idf_power
        vals = tf * idf[self.cols]
        norms = np.sqrt(_sum_by(self.rows, vals * vals, self.n))
        norms[norms == 0] = 1.0
        self.vals: Floats = vals / norms[self.rows]
        # Squared row norms: 1 for a sentence with words, 0 for an empty one.
        self.self_sim = _sum_by(self.rows, self.vals * self.vals, self.n)
        self.group_key: Ints | None = None
        self.group_of_row: Ints = np.zeros(self.n, dtype=np.intp)
        self.groups = 0
        self.inside = 1.0

    def set_groups(self, group_of_row: Ints, inside: float) -> None:
        """Scale similarities between sentences of the same group by ``inside``."""
        self.group_of_row = group_of_row
        keys = group_of_row[self.rows] * self.terms + self.cols
        uniq, inverse = np.unique(keys, return_inverse=True)
        self.group_key = inverse.astype(np.intp)
        self.groups = len(uniq)
        self.inside = inside

    def times(self, x: Floats) -> Floats:
        """(V Vᵀ − diag) x: the similarity graph applied to ``x``, no self-loops.

        With groups set, similarities inside a group are scaled by ``inside``.
        """
        weighted = self.vals * x[self.rows]
        per_term = _sum_by(self.cols, weighted, self.terms)
        total = _sum_by(self.rows, self.vals * per_term[self.cols], self.n)
        total -= self.self_sim * x
        if self.group_key is not None and self.inside != 1.0:
            per_group = _sum_by(self.group_key, weighted, self.groups)
            same = _sum_by(self.rows, self.vals * per_group[self.group_key], self.n)
            total -= (1.0 - self.inside) * (same - self.self_sim * x)
        return total

    def dense(self) -> Floats:
        """The same graph as :meth:`times` as an n×n array."""
        v = np.zeros((self.n, self.terms))
        v[self.rows, self.cols] = self.vals
        # For small products a threaded BLAS call costs more than it saves.
        if self.n * self.n * self.terms <= _SMALL_PRODUCT:
            graph: Floats = np.einsum("ik,jk->ij", v, v)
        else:
            graph = v @ v.T
        if self.group_key is not None and self.inside != 1.0:
            group = self.group_of_row
            graph[group[:, None] == group[None, :]] *= self.inside
        np.fill_diagonal(graph, 0.0)
        return graph

    def similarity_to(self, i: int) -> Floats:
        """Cosine similarity of every sentence to sentence ``i``."""
        dense = np.zeros(self.terms)
        lo, hi = int(self.start[i]), int(self.start[i + 1])
        dense[self.cols[lo:hi]] = self.vals[lo:hi]
        return _sum_by(self.rows, self.vals * dense[self.cols], self.n)


def centrality(
    matrix: TermMatrix, *, damping: float, iterations: int, tolerance: float
) -> Floats:
    """PageRank over the weighted cosine graph (LexRank's continuous variant).

    Small texts use the dense n×n graph (fast for a few hundred sentences); longer
    ones apply the graph through the sparse matrix, in memory linear in the words.
    Stops after ``iterations`` or once the scores move less than ``tolerance``.
    """
    n = matrix.n
    graph = matrix.dense() if n <= DENSE_LIMIT else None
    apply = matrix.times if graph is None else graph.__matmul__
    out = apply(np.ones(n))
    out[out <= 0] = 1.0
    scores = np.full(n, 1.0 / n)
    for _ in range(iterations):
        new = (1 - damping) / n + damping * apply(scores / out)
        if float(np.abs(new - scores).sum()) < tolerance:
            return new
        scores = new
    return scores
