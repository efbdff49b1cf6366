"""The summarize stage's entry: reviews → summaries, through the summary cache.

In: the ingested :class:`~digest.models.Review` s, :class:`SummaryOptions` and
optionally a :class:`~digest.summarize.cache.SummaryCache`. Out: one
:class:`~digest.models.Summary` per review, in order. NLTK and numpy are loaded
only when some review is not in the cache, so an edit to one review of fifty
costs one summary and an unchanged rebuild loads neither.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.models import Review, Summary
from digest.summarize.cache import SummaryCache

if TYPE_CHECKING:
    from digest.summarize.nlp import TextTools

log = logging.getLogger("digest")


@dataclass(frozen=True, slots=True)
class SummaryOptions:
    """How long summaries are and which NLP data may be used."""

    sentences: int = 4
    seconds: float | None = None  # reading time per review
    episode_seconds: float | None = None  # shared by the whole episode
    wpm: int = 160  # the narrator's rate, to turn seconds into words
    use_nltk_data: bool = True


def summarize_reviews(
    reviews: Sequence[Review],
    options: SummaryOptions,
    tools: "TextTools | None" = None,
    *,
    cache: SummaryCache | None = None,
) -> tuple[Summary, ...]:
    """Summarize every review; with a ``cache``, only those not summarized before.

    Each review language NLTK covers gets its own tools (stopwords, stemmer,
    sentence splitter), loaded at its first review not in the cache; ``tools``,
    when given, serve every language.
    """
    from digest.summarize.languages import nltk_language
    from digest.summarize.rank import Pick, picker, summarize_all

    def make_tools(language: str | None) -> "TextTools":
        from digest.summarize.nlp import load_text_tools

        made = tools or load_text_tools(
            use_nltk_data=options.use_nltk_data, language=language
        )
        if made.status.problems:
            log.info(
                "NLTK data not usable (%s); using the built-in fallback",
                "; ".join(made.status.problems),
            )
        return made

    picks: dict[str, Pick] = {}

    def pick_for(language: str | None) -> Pick:
        name = nltk_language(language) or "english"
        if name not in picks:

            def make() -> Pick:
                return picker(make_tools(language))

            picks[name] = cache.pick(make, name) if cache is not None else make()
        return picks[name]

    summaries = summarize_all(
        reviews,
        None,
        sentences=options.sentences,
        seconds=options.seconds,
        episode_seconds=options.episode_seconds,
        wpm=options.wpm,
        pick_for=pick_for,
    )
    if cache is not None and cache.hits:
        log.info("summaries: %d from the cache, %d made", cache.hits, cache.misses)
    for summary in summaries:
        if not summary.sentences:
            log.warning("%s: no sentences to read, skipped", summary.review.source)
    return summaries
