"""The language of a review's text, as an ISO 639-1 code ("en", "fr"), offline.

In: review text. Out: a two-letter code, or None when the text is too short or the
guess too unsure. Uses py3langid: a naive Bayes model over byte n-grams shipped
inside the wheel (no download, no pickle), with no randomness, so the same text
always gets the same answer (unlike langdetect, which samples unless seeded through
a global). The model loads once per process, on first use (about a second); if it
cannot load (py3langid unpacks it into a ~70 MB temporary file, which a full disk
refuses), detection is skipped with one warning and every text gets None.

Most reviews are plain English prose, and those are recognised first without the
model: when at least a fifth of a long sample's words are the commonest English
function words (about a quarter in English prose, a few percent at most in
other languages, which share few of them) and almost every letter is ASCII,
the text is English. Anything less clear-cut goes to the model.
"""

import functools
import logging
import re
from typing import Any

log = logging.getLogger("digest")

# Enough text to be sure; more only costs time.
SAMPLE_CHARS = 5000
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.5

# The quick English check: these words' share of a sample of enough words.
ENGLISH_MARKERS = frozenset(
    "the and of to a in is that it with for this was but as his her are "
    "by not its have be an from".split()
)
ENGLISH_SHARE = 0.2
ENGLISH_MIN_WORDS = 40
NON_ASCII_SHARE = 0.01
_WORD = re.compile(r"[^\W\d_]+")


def clearly_english(sample: str) -> bool:
    """True when ``sample`` is plainly English prose (no model needed)."""
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < ENGLISH_MIN_WORDS:
        return False
    letters = sum(len(w) for w in words)
    foreign = sum(1 for w in words for ch in w if not ch.isascii())
    if foreign > NON_ASCII_SHARE * letters:
        return False
    return sum(1 for w in words if w in ENGLISH_MARKERS) >= ENGLISH_SHARE * len(words)


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
    if clearly_english(sample):
        return "en"
    identifier = _identifier()
    if identifier is None:
        return None
    code, confidence = identifier.classify(sample)
    if float(confidence) < MIN_CONFIDENCE or len(str(code)) != 2:
        return None
    return str(code)
