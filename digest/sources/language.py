"""The language of a review's text, as an ISO 639-1 code ("en", "fr"), offline.

In: review text. Out: a two-letter code, or None when the text is too short or the
guess too unsure. Uses py3langid: a naive Bayes model over byte n-grams shipped
inside the wheel (no download, no pickle), with no randomness, so the same text
always gets the same answer (unlike langdetect, which samples unless seeded through
a global). The model loads once per process, on first use (about a second); if it
cannot load (py3langid unpacks it into a ~70 MB temporary file, which a full disk
refuses), detection is skipped with one warning and every text gets None.
"""

import functools
import logging
from typing import Any

log = logging.getLogger("digest")

# Enough text to be sure; more only costs time.
SAMPLE_CHARS = 5000
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.5


@functools.cache
def _identifier() -> Any | None:
    """The py3langid model with normalised probabilities (loaded once), or None."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    try:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    except OSError as exc:
        log.warning(
            "language detection skipped: cannot unpack its model (%s)",
            exc.strerror or exc,
        )
        return None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None if too short or unsure."""
    sample = text[:SAMPLE_CHARS]
    if sum(1 for ch in sample if ch.isalpha()) < MIN_LETTERS:
        return None
    identifier = _identifier()
    if identifier is None:
        return None
    code, confidence = identifier.classify(sample)
    if float(confidence) < MIN_CONFIDENCE or len(str(code)) != 2:
        return None
    return str(code)
