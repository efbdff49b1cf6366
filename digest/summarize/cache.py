"""The summary cache: summaries already made, kept so a rebuild need not make them.

In: a folder (``<cache>/summaries``), the NLTK data fingerprint, and a
:data:`~digest.summarize.rank.Pick` to make what is not kept. Out: a ``Pick`` that
answers from the cache where it can. Files: one entry per summary request in a
:class:`~digest.store.cache.VerifiedStore` (``KEY[:2]/KEY.summary``, JSON, and its
record); deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from digest.models import ReviewFacts
from digest.store.cache import VerifiedStore
from digest.store.files import Digest, sha256_hex
from digest.store.layout import SUMMARIES_DIR

if TYPE_CHECKING:
    # Only for types: the cache must not load numpy when every summary is kept.
    from digest.summarize.rank import Chosen, Pick

SUMMARY_FORMAT = 1
# The modules whose code decides a summary: a change to any of them is a new key.
_SUMMARIZER_SOURCES = (
    "rank.py",
    "graph.py",
    "clean.py",
    "nlp.py",
    "reviews.py",
    "spoken.py",
    "verdict.py",
    "languages.py",
)


@functools.cache
def _summarizer_id() -> str:
    digest = Digest(f"summary-v{SUMMARY_FORMAT}".encode())
    here = Path(__file__).parent
    for name in _SUMMARIZER_SOURCES:
        with contextlib.suppress(OSError):
            digest.update((here / name).read_bytes())
    return digest.hexdigest()


class SummaryCache:
    """Summaries already made, by review text, length settings and NLTK data.

    A review whose text is unchanged is not summarized again, and when every
    review is found, NLTK is not even loaded: an edit to one review of fifty
    costs one summary. The key covers the text, the sentence count and word
    budget, the language, :func:`digest.summarize.nlp.data_fingerprint` (which
    data, or the fallback) and the summarizer's own code.
    """

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.entries = VerifiedStore(
            folder, ".summary", SUMMARY_FORMAT, "summary cache"
        )
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0

    @classmethod
    def beside(cls, folder: Path, *, use_nltk_data: bool) -> SummaryCache:
        """The summary cache inside the cache folder ``folder``."""
        from digest.summarize.nlp import data_fingerprint

        fingerprint = data_fingerprint(use_nltk_data=use_nltk_data)
        return cls(folder / SUMMARIES_DIR, fingerprint)

    def key(
        self, text: str, sentences: int, budget: int | None, language: str = ""
    ) -> str:
        """The entry's key for one summary request (``language``: NLTK's name)."""
        parts = [_summarizer_id(), self.fingerprint, sentences, budget, text]
        if language and language != "english":
            parts.append(language)  # English (and unknown) keys stay as they were
        blob = json.dumps(parts, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return sha256_hex(blob)

    def pick(self, make: Callable[[], Pick], language: str = "") -> Pick:
        """A :data:`~.rank.Pick` answering from here, else from ``make()``'s.

        ``language`` (NLTK's name) is the language ``make`` summarizes.
        """
        made: list[Pick] = []

        def pick(text: str, sentences: int, budget: int | None) -> Chosen:
            key = self.key(text, sentences, budget, language)
            found = self._read(key)
            if found is not None:
                self.hits += 1
                return found
            if not made:
                made.append(make())
            chosen = made[0](text, sentences, budget)
            self.misses += 1
            self._write(key, chosen)
            return chosen

        return pick

    def _read(self, key: str) -> Chosen | None:
        found = self.entries.read(key)
        if found is None:
            return None
        try:
            data = json.loads(found[1].decode("utf-8", "surrogatepass"))
            facts = data["facts"]
            return (
                [str(x) for x in data["sentences"]],
                [int(x) for x in data["paragraphs"]],
                ReviewFacts(
                    facts["certificate"],
                    facts["runtime_minutes"],
                    facts["rating"],
                    tuple(str(x) for x in facts["lines"]),
                ),
            )
        except (ValueError, KeyError, TypeError):
            self.entries.discard(key, "damaged")
            return None

    def _write(self, key: str, chosen: Chosen) -> None:
        sentences, paragraphs, facts = chosen
        data = {
            "sentences": sentences,
            "paragraphs": paragraphs,
            "facts": {
                "certificate": facts.certificate,
                "runtime_minutes": facts.runtime_minutes,
                "rating": facts.rating,
                "lines": list(facts.lines),
            },
        }
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        self.entries.write(key, text.encode("utf-8", "surrogatepass"))
