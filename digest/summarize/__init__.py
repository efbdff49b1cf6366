"""Stage 2, summarize: a review → its chosen sentences (a Summary).

- :mod:`.clean`: the review's text without bylines, captions and fact lines.
- :mod:`.nlp`: NLTK's tools (sentence splitter, stopwords, stemmer) or the
  built-in fallbacks, loaded lazily.
- :mod:`.graph`: the sentence graph (term vectors, similarity, PageRank centrality).
- :mod:`.languages`: abbreviations of other languages, CJK sentence marks and
  character pairs, spoken length.
- :mod:`.spoken`: what a listener can follow (labels cut, long sentences cut at
  clauses, connectives dropped, sentences that point back kept with their antecedent).
- :mod:`.verdict`: how much each sentence judges and which states the verdict.
- :mod:`.rank`: choosing the sentences (verdict first, novelty, time budgets).
- :mod:`.cache`: summaries already made, kept against the summarizer's own code.
"""
