"""Stage 2, summarize: a review → its chosen sentences (a Summary).

- :mod:`.clean`: the review's text without bylines, captions and fact lines.
- :mod:`.nlp`: NLTK's tools (sentence splitter, stopwords, stemmer) or the
  built-in fallbacks, loaded lazily.
- :mod:`.graph`: the sentence graph (term vectors, similarity, PageRank centrality).
- :mod:`.rank`: choosing the sentences (opinion prior, novelty, time budgets).
- :mod:`.cache`: summaries already made, kept against the summarizer's own code.
"""
