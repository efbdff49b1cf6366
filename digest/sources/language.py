"""The language of a review's text, as an ISO 639-1 code ("en", "fr"), offline.

In: review text. Out: a two-letter code, or None when the text is too short or the
guess too unsure. Uses py3langid: a naive Bayes model over byte n-grams shipped
inside the wheel (no download, no pickle), with no randomness, so the same text
always gets the same answer (unlike langdetect, which samples unless seeded through
a global). The model loads once per process, on first use (about a second).
"""

import functools
from typing import Any

# Enough text to be sure; more only costs time.
SAMPLE_CHARS = 5000
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.5


@functools.cache
def _identifier() -> Any:
    """The py3langid model with normalised probabilities (loaded once)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None if too short or unsure."""
    sample = text[:SAMPLE_CHARS]
    if sum(1 for ch in sample if ch.isalpha()) < MIN_LETTERS:
        return None
    code, confidence = _identifier().classify(sample)
    if float(confidence) < MIN_CONFIDENCE or len(str(code)) != 2:
        return None
    return str(code)
