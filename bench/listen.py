"""Listening checks on film reviews: verdict kept, dangling openers, length, labels.

Usage: ``python bench/listen.py [--data DIR] [--k 4]``

On the labelled film reviews of ``../shared/movie-dev`` (``pos_*``/``neg_*``):

- verdict kept: a bag-of-words logistic regression (numpy) is trained on one half
  of the reviews and tested on the other, then the other way round; its accuracy
  on the full reviews, on digest's summaries and on lead-k and sumy LexRank
  summaries with as many sentences;
- dangling openers: summary sentences that open with a connective or a pronoun
  pointing back, while the review's sentence before it is not read just before;
- long sentences: summary sentences over 40 words;
- labels: summaries that read a label ("synopsis :", "review :", "rating :");
- speed: ``digest.summarize_text`` against sumy LexRank (parsing included), docs/s.

The checks here are the bench's own lists, kept apart from the summarizer's.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "movie-dev"
LONG_WORDS = 40

# Connectives and back-pointing words a listener cannot resolve without the
# sentence before; "this film"/"this movie" name the film under review and pass.
_CONNECTIVES = """
however but and or so also yet still then thus hence therefore moreover
furthermore besides meanwhile instead nevertheless nonetheless otherwise
likewise similarly secondly thirdly lastly finally additionally again
consequently accordingly anyway plus nor
""".split()
_POINTERS = """
he she it they him them his her its their hers theirs this that these those
such both another other latter former there's here's
""".split()
_OPENER = re.compile(r"^[\s\"'`(\[\u2018\u201c-]*([a-z']+)", re.IGNORECASE)
_FILM = re.compile(r"^\W*(?:this|that)\s+(?:film|movie|picture|year|summer)\b", re.I)
_LABEL = re.compile(
    r"^\W*(?:synopsis|review|capsule|note|notes|rating|summary|verdict|bottom line"
    r"|the bottom line|plot|starring|cast|director|directed by|written by|credits?"
    r"|screenplay|running time|caption|photo|spoilers?|warning)\s*[:\-]\s",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class Film:
    name: str
    positive: bool
    text: str
    lines: tuple[str, ...]


def load(data: Path) -> list[Film]:
    out = []
    for path in sorted(data.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        lines = tuple(x.strip() for x in text.splitlines() if x.strip())
        out.append(Film(path.stem, path.name.startswith("pos_"), text, lines))
    return out


def dangling(sentence: str, previous_read: bool) -> bool:
    """Does ``sentence`` open by pointing back at something not heard?"""
    if previous_read or _FILM.match(sentence):
        return False
    match = _OPENER.match(sentence)
    if not match:
        return False
    word = match.group(1).lower()
    return word in _CONNECTIVES or word in _POINTERS or word.split("'")[0] in _POINTERS


def line_of(film: Film, sentence: str) -> int:
    """The review line a summary sentence comes from (-1 if none holds it)."""
    needle = " ".join(sentence.split())
    for i, line in enumerate(film.lines):
        if needle in line:
            return i
    return -1


def sentence_checks(
    films: Sequence[Film], summaries: Sequence[Sequence[str]]
) -> dict[str, float]:
    """Dangling openers and long sentences (% of sentences), labels (% of summaries)."""
    total = hanging = long = labelled = 0
    for film, summary in zip(films, summaries, strict=True):
        lines = [line_of(film, s) for s in summary]
        labelled += any(_LABEL.match(s) for s in summary)
        for k, sentence in enumerate(summary):
            total += 1
            long += len(sentence.split()) > LONG_WORDS
            before = k > 0 and lines[k] >= 0 and lines[k - 1] == lines[k] - 1
            # A sentence starting mid-line follows its own line's start.
            same = k > 0 and lines[k] >= 0 and lines[k - 1] == lines[k]
            hanging += dangling(sentence, before or same)
    return {
        "dangling": 100 * hanging / max(total, 1),
        "long": 100 * long / max(total, 1),
        "labels": 100 * labelled / max(len(films), 1),
    }


def _bag(text: str, vocab: dict[str, int]) -> np.ndarray:
    row = np.zeros(len(vocab) + 1)
    for token in set(_TOKEN.findall(text.lower())):
        col = vocab.get(token)
        if col is not None:
            row[col] = 1.0
    row[-1] = 1.0  # bias
    return row


def train(texts: Sequence[str], labels: Sequence[bool]) -> Callable[[str], bool]:
    """Logistic regression on binary bag-of-words, L2, plain gradient descent."""
    counts: dict[str, int] = {}
    for text in texts:
        for token in set(_TOKEN.findall(text.lower())):
            counts[token] = counts.get(token, 0) + 1
    vocab = {w: i for i, w in enumerate(sorted(w for w, c in counts.items() if c >= 2))}
    x = np.stack([_bag(t, vocab) for t in texts])
    y = np.asarray(labels, dtype=np.float64)
    w = np.zeros(x.shape[1])
    for _ in range(300):
        p = 1 / (1 + np.exp(-(x @ w)))
        w -= 0.5 * (x.T @ (p - y) / len(y) + 1e-3 * w)

    def predict(text: str) -> bool:
        # Mean bag, not the sum: a summary has fewer words than a review.
        return bool(_bag(text, vocab) @ w > 0)

    return predict


def accuracy(films: Sequence[Film], texts: Sequence[str]) -> float:
    """Two-fold: train on even reviews, test odd, and the reverse; % correct."""
    right = 0
    for fold in (0, 1):
        train_idx = [i for i in range(len(films)) if i % 2 == fold]
        test_idx = [i for i in range(len(films)) if i % 2 != fold]
        predict = train(
            [films[i].text for i in train_idx], [films[i].positive for i in train_idx]
        )
        right += sum(predict(texts[i]) == films[i].positive for i in test_idx)
    return 100 * right / len(films)


REPEAT = 2  # timing passes; the fastest counts (least disturbed by other work)


def timed(
    run: Callable[[Film], list[str]], films: Sequence[Film]
) -> tuple[list[list[str]], float]:
    """Every film's summary, and docs/s from the fastest of REPEAT passes."""
    best = float("inf")
    out: list[list[str]] = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        out = [run(f) for f in films]
        best = min(best, time.perf_counter() - start)
    return out, len(films) / best


def digest_summaries(films: Sequence[Film], k: int) -> tuple[list[list[str]], float]:
    import digest

    return timed(lambda f: digest.summarize_text(f.text, k), films)


def lexrank_summaries(films: Sequence[Film], k: int) -> tuple[list[list[str]], float]:
    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = Tokenizer("english")

    def run(film: Film) -> list[str]:
        parsed = PlaintextParser.from_string(film.text, tokenizer)
        return [str(s) for s in summarizer(parsed.document, k)]

    return timed(run, films)


def measure(data: Path, k: int) -> dict[str, dict[str, float]]:
    films = load(data)
    ours, our_speed = digest_summaries(films, k)
    lex, lex_speed = lexrank_summaries(films, k)
    lead = [list(f.lines[:k]) for f in films]
    rows: dict[str, dict[str, float]] = {
        "full review": {"verdict": accuracy(films, [f.text for f in films])},
    }
    for name, summaries, speed in (
        ("digest", ours, our_speed),
        ("lead-k", lead, 0.0),
        ("sumy LexRank", lex, lex_speed),
    ):
        row = {"verdict": accuracy(films, ["\n".join(s) for s in summaries])}
        row.update(sentence_checks(films, summaries))
        row["docs/s"] = speed
        rows[name] = row
    return rows


def markdown(rows: dict[str, dict[str, float]], k: int, count: int) -> str:
    lines = [
        f"| method ({count} film reviews, k={k}) | verdict kept % | dangling openers % "
        f"| over {LONG_WORDS} words % | labels read % | docs/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in rows.items():
        cells = [f"{row['verdict']:.1f}"]
        for key in ("dangling", "long", "labels"):
            cells.append(f"{row[key]:.1f}" if key in row else "–")
        speed = row.get("docs/s", 0.0)
        cells.append(f"{speed:,.0f}" if speed else "–")
        label = f"**{name}**" if name == "digest" else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--k", type=int, default=4)
    args = parser.parse_args(argv)
    rows = measure(args.data, args.k)
    print(markdown(rows, args.k, len(load(args.data))))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
