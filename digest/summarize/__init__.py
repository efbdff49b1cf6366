"""Stage 2, summarize: a review → its chosen sentences (a Summary).

- :mod:`.clean`: the review's text without bylines, captions and fact lines.
- :mod:`.nlp`: NLTK's tools (sentence splitter, stopwords, stemmer) or the
  built-in fallbacks, loaded lazily.
- :mod:`.rank`: choosing the sentences (centrality, opinion prior, budget).
"""
