"""Summary benchmark: digest's summarizer beside lead-k and sumy on the dev sets.

Usage: ``python bench/summary.py [--data DIR] [--movies DIR] [--write BENCHMARKS.md]``

Beside ROUGE, the listening checks of ``bench/listen.py`` on the labelled film
reviews of ``--movies`` (verdict kept, dangling openers, long sentences, labels,
speed of ``digest.summarize_text`` against sumy LexRank).

Every method gets the same sentence split (NLTK Punkt with the real English model,
a newline always ends a sentence) and the same k per set. Scores are ROUGE-1/2/L F1
x100 from the ``rouge-score`` package with stemming, the max over a document's
references, averaged over the set. docs/s times summarization only, in this one
process. sumy and rouge-score are bench dependencies (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import listen  # bench/listen.py
import sections  # bench/sections.py: run as a script, bench/ is on sys.path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "summ-dev"
MARK_BEGIN = "<!-- bench-summary:begin -->"
MARK_END = "<!-- bench-summary:end -->"

Method = Callable[["Doc", int], list[int]]


@dataclass(frozen=True)
class Doc:
    ident: str
    sentences: tuple[str, ...]
    references: tuple[str, ...]
    # True for a sentence that begins a paragraph (a non-empty line).
    openers: tuple[bool, ...]


@dataclass(frozen=True)
class Row:
    dataset: str
    method: str
    r1: float
    r2: float
    rl: float
    docs_per_s: float


def set_sizes(data: Path) -> dict[str, int]:
    """k per set, read from the data folder's README table (``| file | ... | k |``)."""
    sizes: dict[str, int] = {}
    readme = data / "README.md"
    if readme.exists():
        for line in readme.read_text(encoding="utf-8").splitlines():
            cells = [c.strip(" `") for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2 and cells[0].endswith(".jsonl") and cells[-1].isdigit():
                sizes[cells[0].removesuffix(".jsonl")] = int(cells[-1])
    return sizes


def punkt_splitter() -> Callable[[str], list[tuple[str, bool]]]:
    """The shared split: real Punkt English model per line; flags line openers."""
    from digest.summarize.nlp import load_text_tools

    tools = load_text_tools(use_nltk_data=True)
    if tools.status.problems:
        sys.exit(
            "bench needs NLTK's real punkt_tab and stopwords: set NLTK_DATA "
            f"(e.g. ../shared/nltk_data); {'; '.join(tools.status.problems)}"
        )

    def split(text: str) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        for line in text.split("\n"):
            parts = [s.strip() for s in tools.split_sentences(line) if s.strip()]
            out.extend((s, k == 0) for k, s in enumerate(parts))
        return out

    return split


def load_docs(path: Path, split: Callable[[str], list[tuple[str, bool]]]) -> list[Doc]:
    docs = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                raw = json.loads(line)
                pieces = split(raw["text"])
                docs.append(
                    Doc(
                        raw["id"],
                        tuple(s for s, _ in pieces),
                        tuple(raw["references"]),
                        tuple(o for _, o in pieces),
                    )
                )
    return docs


def lead(doc: Doc, k: int) -> list[int]:
    return list(range(min(k, len(doc.sentences))))


def digest_method() -> Method:
    from digest.summarize.nlp import load_text_tools
    from digest.summarize.rank import select_sentences

    tools = load_text_tools(use_nltk_data=True)

    def run(doc: Doc, k: int) -> list[int]:
        return select_sentences(doc.sentences, k, tools, openers=doc.openers)

    return run


def sumy_method(name: str) -> Method:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    classes: dict[str, Any] = {
        "LexRank": LexRankSummarizer,
        "TextRank": TextRankSummarizer,
        "Luhn": LuhnSummarizer,
        "LSA": LsaSummarizer,
    }
    summarizer = classes[name](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = Tokenizer("english")

    def run(doc: Doc, k: int) -> list[int]:
        objs = [Sentence(s, tokenizer) for s in doc.sentences]
        where = {id(o): i for i, o in enumerate(objs)}
        document = ObjectDocumentModel([Paragraph(objs)])
        return sorted(where[id(s)] for s in summarizer(document, k))

    return run


def score(
    docs: Sequence[Doc], picks: Sequence[Sequence[int]]
) -> tuple[float, float, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    totals = {"rouge1": [], "rouge2": [], "rougeL": []}  # type: dict[str, list[float]]
    for doc, chosen in zip(docs, picks, strict=True):
        summary = "\n".join(doc.sentences[i] for i in chosen)
        best = dict.fromkeys(totals, 0.0)
        for ref in doc.references:
            result = scorer.score(ref, summary)
            for key in totals:
                best[key] = max(best[key], result[key].fmeasure)
        for key in totals:
            totals[key].append(best[key])
    r1, r2, rl = (
        100 * statistics.fmean(totals[k]) for k in ("rouge1", "rouge2", "rougeL")
    )
    return r1, r2, rl


def run_method(
    method: Method, docs: Sequence[Doc], k: int, repeat: int = 1
) -> tuple[list[list[int]], float]:
    """The picks, and docs/s from the fastest of ``repeat`` passes (least noise)."""
    best = math.inf
    picks: list[list[int]] = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        picks = [method(doc, k) for doc in docs]
        best = min(best, time.perf_counter() - start)
    return picks, len(docs) / best if best > 0 else math.inf


def methods(names: Sequence[str]) -> dict[str, Method]:
    out: dict[str, Method] = {}
    for name in names:
        if name == "digest":
            out["digest"] = digest_method()
        elif name == "lead-k":
            out["lead-k"] = lead
        else:
            out[f"sumy {name}"] = sumy_method(name)
    return out


def markdown(rows: Sequence[Row], sizes: dict[str, int], counts: dict[str, int]) -> str:
    lines = [
        "| set | docs | k | method | R1 | R2 | RL | docs/s |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        name = f"**{row.method}**" if row.method == "digest" else row.method
        lines.append(
            f"| {row.dataset} | {counts[row.dataset]} | {sizes[row.dataset]} | {name} "
            f"| {row.r1:.2f} | {row.r2:.2f} | {row.rl:.2f} | {row.docs_per_s:,.0f} |"
        )
    return "\n".join(lines)


def verdict(rows: Sequence[Row]) -> list[str]:
    """Per set: does digest match the best baseline on R1 and R2, and how fast is it."""
    notes = []
    for dataset in dict.fromkeys(r.dataset for r in rows):
        here = [r for r in rows if r.dataset == dataset]
        ours = next((r for r in here if r.method == "digest"), None)
        others = [r for r in here if r.method != "digest"]
        if ours is None or not others:
            continue
        best_r1 = max(others, key=lambda r: r.r1)
        best_r2 = max(others, key=lambda r: r.r2)
        lexrank = next((r for r in others if r.method == "sumy LexRank"), None)
        speed = (
            f"; {ours.docs_per_s / lexrank.docs_per_s:.1f}x the docs/s of sumy LexRank"
            if lexrank
            else ""
        )
        notes.append(
            f"- {dataset}: R1 {ours.r1:.2f} vs best baseline {best_r1.r1:.2f} "
            f"({best_r1.method}), R2 {ours.r2:.2f} vs {best_r2.r2:.2f} "
            f"({best_r2.method}){speed}."
        )
    return notes


def listening(movies: Path, k: int = 4) -> list[str]:
    """The listening checks on the film reviews in ``movies``, as Markdown lines."""
    if not any(movies.glob("*.txt")):
        return []
    rows = listen.measure(movies, k)
    ours, lexrank = rows["digest"], rows["sumy LexRank"]
    print(listen.markdown(rows, k, len(listen.load(movies))), flush=True)
    return [
        "",
        "Listening checks (`bench/listen.py`) on the labelled film reviews of",
        f"`{movies.name}`: verdict kept is the accuracy of a bag-of-words polarity",
        "classifier (trained on one half, tested on the other, both ways) on the",
        "full reviews and on each method's summaries; dangling openers and long",
        "sentences are % of summary sentences, labels % of summaries; docs/s is",
        "`digest.summarize_text` and sumy LexRank from raw text, one process.",
        "",
        listen.markdown(rows, k, len(listen.load(movies))),
        "",
        f"- film reviews: verdict kept {ours['verdict']:.1f} % vs "
        f"{rows['full review']['verdict']:.1f} % on full reviews and "
        f"{lexrank['verdict']:.1f} % with sumy LexRank; "
        f"{ours['docs/s'] / lexrank['docs/s']:.1f}x LexRank's docs/s.",
    ]


def write_section(target: Path, body: str) -> None:
    sections.write_section(target, MARK_BEGIN, MARK_END, "Summaries", body)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--write", type=Path, help="update this Markdown file")
    parser.add_argument(
        "--methods",
        default="digest,lead-k,LexRank,TextRank,Luhn,LSA",
        help="comma-separated: digest, lead-k, LexRank, TextRank, Luhn, LSA",
    )
    parser.add_argument("--movies", type=Path, default=listen.DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="first N docs per set")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timing passes per method (best counts)"
    )
    args = parser.parse_args(argv)
    if (
        "NLTK_DATA" not in os.environ
        and (REPO.parent / "shared" / "nltk_data").is_dir()
    ):
        os.environ["NLTK_DATA"] = str(REPO.parent / "shared" / "nltk_data")
    split = punkt_splitter()
    sizes = set_sizes(args.data)
    chosen = methods([m.strip() for m in args.methods.split(",") if m.strip()])
    rows: list[Row] = []
    counts: dict[str, int] = {}
    for path in sorted(args.data.glob("*.jsonl")):
        dataset = path.stem
        k = sizes.setdefault(dataset, 3)
        docs = load_docs(path, split)
        if args.limit:
            docs = docs[: args.limit]
        counts[dataset] = len(docs)
        for name, method in chosen.items():
            picks, speed = run_method(method, docs, k, args.repeat)
            r1, r2, rl = score(docs, picks)
            rows.append(Row(dataset, name, r1, r2, rl, speed))
            print(
                f"{dataset:16} {name:14} R1 {r1:6.2f}  R2 {r2:6.2f}  RL {rl:6.2f}"
                f"  {speed:8.0f} docs/s",
                flush=True,
            )
    table = markdown(rows, sizes, counts)
    heard = listening(args.movies)
    cpu = platform.processor() or platform.machine()
    body = "\n".join(
        [
            "`make bench-summary` (bench/summary.py): ROUGE F1 x100 from rouge-score",
            "with stemming, max over references, mean over documents; the same split",
            "(real NLTK Punkt model, a newline ends a sentence) and the same k for",
            "every method; docs/s is summarization only, one process, the fastest",
            f"of {args.repeat} passes.",
            f"Machine: {os.cpu_count()} cores ({cpu}), "
            f"Python {platform.python_version()}.",
            "",
            table,
            "",
            *verdict(rows),
            *heard,
        ]
    )
    print()
    print(body)
    if args.write:
        write_section(args.write, body)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
