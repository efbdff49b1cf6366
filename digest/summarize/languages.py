"""What text in other languages needs before it can be split and compared.

In: text in any script. Out: the abbreviations of German, French and Spanish
reviews that must not end a sentence, where Chinese and Japanese sentences end
(their full-width marks, no space after), character pairs to compare text
written without spaces, its length in spoken words, NLTK's name for a language
and its stemmer (NLTK loads only when one is asked for). Pure; writes nothing.
"""

import re
from collections.abc import Iterator
from typing import Any

# Our own list of English abbreviations that are usually followed by more of the
# same sentence (lower-case, without the final period, as Punkt wants them).
ENGLISH_ABBREVIATIONS = frozenset(
    """
    mr mrs ms messrs dr prof st jr sr gen sen rep reps gov lt col capt cpl sgt maj
    adm cmdr rev hon pres supt det fr amb
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues thu thur thurs fri
    inc ltd co corp bros llc plc assn dept univ intl govt asst assoc
    etc vs e.g i.e approx no nos vol vols ch chap fig figs p pp ed eds est cf al viz
    ca ave blvd rd mt ft hwy ph.d
    """.split()
)

# Abbreviations of German, French and Spanish reviews that Punkt must not end a
# sentence at: "z. B.", "d. h.", "bzw.", "ca.", "Std.", "p. ex.", "p. ej.", "Sra."
FOREIGN_ABBREVIATIONS = frozenset(
    """
    z b d h u bzw usw vgl ggf evtl inkl bspw std min sek mio mrd nr str hr frl jh
    jhd bd ff dt engl franz span ital orig regie mme mlle mm ex env ej sra srta
    dra ud uds pág núm aprox vol ca
    """.split()
)

# Chinese and Japanese end sentences with full-width marks and no space after them,
# which Punkt never sees: cut after the marks (and any closing quote or bracket).
CJK_END = re.compile(r"[\u3002\uff01\uff1f]+[\u300d\u300f\uff09\u201d\u3011]*")
CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def char_pairs(run: str) -> list[str]:
    """The overlapping character pairs of ``run`` (the run itself if shorter)."""
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]


def cjk_cuts(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` cut after every CJK sentence mark inside it."""
    for mark in CJK_END.finditer(text, start, end):
        if mark.end() < end:
            yield start, mark.end()
            start = mark.end()
    yield start, end


# Languages NLTK has a Snowball stemmer and a stopword list for, by ISO 639-1 code,
# as NLTK names them (its punkt_tab has most of them too).
NLTK_LANGUAGES = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}


def nltk_language(code: str | None) -> str | None:
    """NLTK's name for a review language ("de-AT" → "german"); None if not covered.

    No language (not detected) is taken as English, as before languages were known.
    """
    primary = (code or "en").lower().replace("_", "-").partition("-")[0]
    return NLTK_LANGUAGES.get(primary)


# About how many CJK characters a narrator reads in the time of one English word.
CJK_CHARS_PER_WORD = 2


def word_count(text: str) -> int:
    """Spoken length in words: whitespace words, CJK characters in pairs."""
    cjk = 0 if text.isascii() else len(CJK_CHAR.findall(text))
    if not cjk:
        return len(text.split())
    rest = sum(any(c.isalnum() for c in w) for w in CJK_CHAR.sub(" ", text).split())
    return rest + -(-cjk // CJK_CHARS_PER_WORD)


def stemmer_for(name: str) -> Any:
    """Porter for English (as always), Snowball for another language NLTK covers."""
    if name == "english":
        from nltk.stem.porter import PorterStemmer

        return PorterStemmer()
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(name)
