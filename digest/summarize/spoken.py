"""Sentences a listener can follow: no labels, speakable length, no dangling openers.

In: one sentence of a review as split. Out: the pieces of it worth offering to the
ranker, each a verbatim slice of the sentence: a leading label ("synopsis :") is
cut off, a credit or meta line ("starring :", "note :") gives none, and a
sentence over :data:`LONG_WORDS` words is cut at clause boundaries (semicolons,
dashes, colons, ", but") into pieces that fit where it can. :func:`opener` says
how a piece begins: with a connective that may be dropped when the piece is read
without the one before, and whether what follows still points back ("he",
"his answer", "this is") and so needs its antecedent. Pure; writes nothing.
"""

import re
from dataclasses import dataclass

from digest.summarize.languages import word_count

# A listener follows a sentence of up to about this many words.
LONG_WORDS = 40
# A cut is worth it only when the piece left is a clause of its own.
MIN_PIECE_WORDS = 6

_LEADING_LABEL = re.compile(
    r"^\s*[\"'(\[]*(?:the\s+)?(?P<label>[a-z][a-z' ]{0,30}?)"
    r"\s*(?:[:|]|--|-(?=\s)|\u2014)\s*",
    re.IGNORECASE,
)
# Labels whose text is prose worth hearing: only the label goes.
_PROSE_LABELS = frozenset(
    (
        "plot synopsis critique capsule review summary verdict opinion comments "
        "comment story overall conclusion strengths weaknesses pros cons premise"
    ).split()
    + [
        "bottom line",
        "capsule review",
        "mini review",
        "short review",
        "in short",
        "in brief",
        "final verdict",
        "final word",
        "final thoughts",
        "plot summary",
        "plot outline",
        "the good",
        "the bad",
    ]
)
# Labels of lines that are credits, facts or notes about the review, not review.
_META_LABELS = frozenset(
    (
        "note notes warning spoiler spoilers ingredients starring cast director "
        "directors writer writers producer producers music cinematography editor "
        "runtime rated rating ratings stars studio distributor genre country language "
        "website released release screenplay trivia credits caption photo"
    ).split()
    + [
        "spoiler warning",
        "little known facts",
        "trivial tidbit",
        "directed by",
        "written by",
        "produced by",
        "running time",
        "release date",
        "mpaa rating",
        "us distribution",
        "theatrical aspect ratio",
        "aspect ratio",
        "box office",
        "see also",
    ]
)

# Where a long sentence may be cut: after ; : and dashes, or before ", but" and kin.
_CLAUSE_CUT = re.compile(
    r"(?<=;)\s+|(?<=:)\s+|\s+(?=--\s)|(?<=--)\s+|\s*(?<=\u2014)\s*"
    r"|(?<=,)\s+(?=(?:but|yet|while|although|though|whereas)\s)|(?<=[\uff1b\u3001\uff0c])",
    re.IGNORECASE,
)
_DASH_LEAD = re.compile(r"^(?:--|\u2014)\s*")

# Connectives that tie a sentence to the one before and can be left out when that
# one is not read ("however , the script ..." is read "the script ...").
_CONNECTIVE = re.compile(
    r"[\"'\u2018\u201c]?(?:"
    # connectives whatever follows them
    r"(?:however|but|and|moreover|furthermore|nevertheless|nonetheless|additionally"
    r"|consequently|meanwhile|secondly|thirdly|lastly|likewise|similarly|hence"
    r"|thus|therefore)(?:\s*,\s*|\s+)"
    # words that are connectives only when a comma follows ("so , ..." not "so much")
    r"|(?:so|also|yet|still|then|or|besides|instead|otherwise|first|firstly|second"
    r"|third|finally|again|anyway|plus|in addition|in fact|of course|after all"
    r"|on the other hand|as a result|even so|for example|for instance|in the end"
    r"|at the same time|above all|in other words|by contrast|worse|better yet"
    r"|worse yet|sadly|unfortunately|fortunately|admittedly|granted|indeed"
    r"|ultimately|overall|now|too|though|well|oh|ok|okay|yes|no)\s*,\s*"
    r")(?=\S)",
    re.IGNORECASE,
)
# Words that point back at something the listener has not heard.
_POINTS_BACK = re.compile(
    r"^[\"'\u2018\u201c(]*(?:he|she|it|they|him|them|his|her|its|their|hers|theirs"
    r"|this|that|these|those|such|both|another|other|others|which|who|whom|whose"
    r"|the latter|the former|the same|the other|there's|here's|nor|neither"
    r"|also|too|either|as well|so|yet|then|or|besides|instead|still|again|plus"
    r"|this time|here)(?![\w-])",
    re.IGNORECASE,
)
# "this film", "that movie": the film under review, which the listener knows.
_THE_FILM = re.compile(
    r"^[\"'\u2018\u201c(]*(?:this|that)\s+(?:film|movie|picture|year|summer)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Opener:
    """How a piece begins: a connective to drop, and whether it still points back."""

    drop: int  # characters of leading connective to leave out when read alone
    points_back: bool  # needs the sentence before, connective or not


def label_cut(sentence: str) -> int | None:
    """Characters of leading label to leave out; None for a credit or meta line."""
    match = _LEADING_LABEL.match(sentence)
    if not match:
        return 0
    label = " ".join(match.group("label").lower().split())
    if label in _META_LABELS:
        return None
    if label in _PROSE_LABELS:
        return match.end()
    return 0


def _merge(clauses: list[tuple[int, int]], sentence: str) -> list[tuple[int, int]]:
    """Join neighbouring clauses while they stay within :data:`LONG_WORDS` words."""
    out: list[tuple[int, int]] = []
    for start, end in clauses:
        if out:
            merged = sentence[out[-1][0] : end]
            if word_count(merged) <= LONG_WORDS:
                out[-1] = (out[-1][0], end)
                continue
        out.append((start, end))
    return out


def pieces(sentence: str) -> list[tuple[int, int]]:
    """``(start, end)`` slices of ``sentence`` to offer as separate sentences."""
    cut = label_cut(sentence)
    if cut is None:
        return []
    start = cut
    if word_count(sentence[start:]) <= LONG_WORDS:
        return [(start, len(sentence))]
    clauses: list[tuple[int, int]] = []
    for match in _CLAUSE_CUT.finditer(sentence, start):
        if match.start() > start:
            clauses.append((start, match.start()))
        start = match.end()
    clauses.append((start, len(sentence)))
    merged = _merge(clauses, sentence)
    if any(word_count(sentence[a:b]) < MIN_PIECE_WORDS for a, b in merged):
        # A fragment is not a clause: keep the sentence whole (and long).
        return [(cut, len(sentence))]
    return [(a + _dash_lead(sentence[a:b]), b) for a, b in merged]


def _dash_lead(piece: str) -> int:
    match = _DASH_LEAD.match(piece)
    return match.end() if match else 0


def opener(piece: str) -> Opener:
    """How ``piece`` begins (see :class:`Opener`)."""
    drop = 0
    while match := _CONNECTIVE.match(piece, drop):
        drop = match.end()
    rest = piece[drop:]
    points_back = bool(_POINTS_BACK.match(rest)) and not _THE_FILM.match(rest)
    return Opener(drop, points_back)
