"""Stage 1, ingest: paths, folders, URLs and stdin → :class:`~digest.models.Review` s.

:mod:`.reader` is the stage's entry point (:func:`~.reader.ingest`); beside it,
one module per kind of source:

- :mod:`.encoding`: bytes → text (BOMs, UTF-8 repair, legacy 8-bit code pages).
- :mod:`.text`: ``.txt``/``.md`` with optional YAML front matter → one review.
- :mod:`.page`: an HTML page → its article text and metadata (trafilatura).
- :mod:`.records`: JSON, JSON Lines and CSV collections → one review per record.
- :mod:`.feeds`: RSS/Atom → one review per entry (defusedxml guard, feedparser).
- :mod:`.fetch`: one bounded HTTP(S) download for a URL the user gave.
- :mod:`.language`: the language of a review's text (py3langid, offline).
- :mod:`.fields`: turning loosely typed metadata values into Review fields.
- :mod:`.options`: :class:`IngestOptions` (field mapping, download limits).

Nothing here imports a heavy library at import time; each reader imports its
engine inside the function that needs it.
"""
