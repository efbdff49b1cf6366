"""Text for the neural voice: a line cut into the pieces Piper is given.

In: a line's text as every engine gets it. Out: :class:`Piece` s, one per
sentence, and a long sentence cut at its clauses (or between words) so that no
call holds more than :data:`MAX_WORDS` words: Piper's memory grows with the
length of one call (≈ 24 MB per second of speech). Pure text, no engine.
"""

import re
from dataclasses import dataclass

# Longest piece of a sentence sent to Piper in one call: 18 words ≈ 6.5 s of speech
# ≈ 300 MB peak; MAX_CHARS catches runs of long words.
MAX_WORDS = 18
MAX_CHARS = 120
# Silence put between the pieces of a cut sentence, replacing the pieces' own edge
# silence: after a clause mark it matches Piper's pause at a comma, between bare
# words it is a short breath.
CLAUSE_GAP_MS = 180
WORD_GAP_MS = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SPACES = re.compile(r"\s+")
# Piper reads ``[[ ... ]]`` as raw phonemes; review text must never do that.
_BRACKETS = re.compile(r"\[{2,}|\]{2,}")
_DASHES = re.compile(r"\s*[—–]\s*")
# A sentence ends at . ! ? … (and closing quotes or brackets) before a space, but
# not after an initial ("J.K.") or a common abbreviation.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_NOT_AN_END = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|etc|No|Vol))\.$")
_CLAUSE_MARKS = (",", ";", ":")
_DASH_TOKENS = ("—", "–")
# Words a cut between bare words prefers to start the next piece with: first
# those opening a clause, then those that often join a pair ("singing and dancing").
_STRONG_JOINERS = frozenset(
    "because while although though which who whose whom when where whereas "
    "unless until since but yet so".split()
)
_WEAK_JOINERS = frozenset("and or nor with without for from into than then as".split())


def clean_text(text: str) -> str:
    """Text safe for Piper: no control characters, no raw-phoneme ``[[``, one space."""
    text = _CONTROL.sub(" ", text)
    text = _BRACKETS.sub(lambda m: m.group(0)[0], text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class Piece:
    """Text for one Piper call and the silence before it (None: a new sentence)."""

    text: str
    gap_ms: int | None


def _too_long(words: list[str], max_words: int, max_chars: int) -> bool:
    return len(words) > max_words or len(" ".join(words)) > max_chars


def _balanced(cuts: list[int], size: int) -> int:
    return min(cuts, key=lambda i: (abs(i - size / 2), i))


def _cut_at(words: list[str], max_words: int, max_chars: int) -> tuple[int, bool]:
    """Where to cut an over-long sentence: (index of the first word after, clause?).

    A clause mark that leaves both sides short enough wins, then any clause mark,
    then a word opening a clause near the middle, then the middle itself.
    """
    size = len(words)
    clauses = [
        i + 1
        for i, word in enumerate(words[:-1])
        if word.endswith(_CLAUSE_MARKS) or words[i + 1] in _DASH_TOKENS
    ]
    fitting = [
        i
        for i in clauses
        if not _too_long(words[:i], max_words, max_chars)
        and not _too_long(words[i:], max_words, max_chars)
    ]
    if fitting or clauses:
        return _balanced(fitting or clauses, size), True
    for joiners in (_STRONG_JOINERS, _WEAK_JOINERS):
        near = [
            i
            for i in range(2, size - 1)
            if abs(i - size / 2) <= size / 4
            and words[i].lower().strip("\"'“‘(") in joiners
        ]
        if near:
            return _balanced(near, size), False
    return max(1, size // 2), False


def _split_words(words: list[str], max_words: int, max_chars: int) -> list[Piece]:
    """Cut a sentence's words into pieces that each fit one call."""
    if len(words) <= 1 or not _too_long(words, max_words, max_chars):
        return [Piece(" ".join(words), None)]
    cut, clause = _cut_at(words, max_words, max_chars)
    left, right = words[:cut], words[cut:]
    if right and right[0] in _DASH_TOKENS:
        right = right[1:]
        left = [*left[:-1], left[-1] + ","]  # a dash spoken as a clause break
    head = _split_words(left, max_words, max_chars)
    tail = _split_words(right, max_words, max_chars) if right else []
    if tail:
        tail[0] = Piece(tail[0].text, CLAUSE_GAP_MS if clause else WORD_GAP_MS)
    return head + tail


def split_for_piper(
    text: str, max_words: int = MAX_WORDS, max_chars: int = MAX_CHARS
) -> list[Piece]:
    """A line's text as Piper calls: one per sentence, long sentences cut up.

    The first piece of each sentence has ``gap_ms`` None (Piper's own sentence
    edges are kept); later pieces carry the silence to put before them.
    """
    text = _DASHES.sub(" — ", clean_text(text))
    pieces: list[Piece] = []
    for sentence in _sentences(text):
        pieces.extend(_split_words(sentence.split(), max_words, max_chars))
    return pieces


def _sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end (punctuation and quotes kept)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if _NOT_AN_END.search(text[start : match.start() + 1]):
            continue
        out.append(text[start : match.end()].strip())
        start = match.end()
    out.append(text[start:].strip())
    return [sentence for sentence in out if sentence]
