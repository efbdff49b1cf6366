"""Text for the ear: what a line's written words sound like when a person reads them.

In: a line's text, already through :func:`digest.models.speech_text` (which turns
dashes, asides, ranges and "word/word" into pauses and words), and a pronunciation
:data:`Lexicon`. Out: the words every engine is given. Numbers, years, ratings,
certificates, runtimes, money, abbreviations and symbols are spelled out here,
once, so every engine says them the same way; the transcript keeps the written
text. Pure and deterministic.
"""

import re
from functools import lru_cache

# Written word → how to say it; sorted, a tuple so it pickles and hashes.
Lexicon = tuple[tuple[str, str], ...]

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth",
    "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip


def number_words(n: int) -> str:
    """``n`` (0 or more) in words: 135 → "one hundred thirty-five"."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    for size, name in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            tail = f" {number_words(rest)}" if rest else ""
            return f"{number_words(high)} {name}{tail}"
    raise AssertionError(n)  # pragma: no cover - every n >= 1000 has a scale


def decimal_words(text: str) -> str:
    """A written number ("1,200", "2.5") in words; digits after a point one by one."""
    whole, _, fraction = text.replace(",", "").partition(".")
    said = number_words(int(whole or "0"))
    if fraction:
        said += " point " + " ".join(_ONES[int(d)] for d in fraction)
    return said


def ordinal_words(n: int) -> str:
    """21 → "twenty-first"."""
    said = number_words(n)
    head, sep, last = said.rpartition("-" if said.rfind("-") > said.rfind(" ") else " ")
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}{sep}{last}"


def year_words(n: int) -> str:
    """A year as it is said: 1999 "nineteen ninety-nine", 2005 "two thousand five"."""
    high, low = divmod(n, 100)
    if 2000 <= n <= 2009:
        return number_words(n)
    if low == 0:
        return f"{number_words(high)} hundred"
    low_said = number_words(low) if low >= 10 else f"oh {_ONES[low]}"
    return f"{number_words(high)} {low_said}"


# --- the rules, in the order they run ------------------------------------------

_NUM = r"\d+(?:\.\d+)?"
# Abbreviations: a period that ends one is no full stop.
_ABBREVIATIONS = {
    "dr": "Doctor", "mr": "Mister", "mrs": "Missus", "ms": "Miz", "st": "Saint",
    "jr": "Junior", "sr": "Senior", "vs": "versus", "etc": "et cetera",
    "approx": "approximately", "vol": "volume", "pt": "part", "ep": "episode",
    "e.g": "for example", "i.e": "that is", "feat": "featuring",
}  # fmt: skip
_ABBREVIATION = re.compile(
    r"(?<![\w.])(e\.g|i\.e|dr|mrs?|ms|st|jr|sr|vs|etc|approx|vol|pt|ep|feat)\.",
    re.IGNORECASE,
)
_VS = re.compile(r"(?<!\w)vs(?!\w)", re.IGNORECASE)
_NUMBER_SIGN = re.compile(r"(?:\bNo\.\s?|#)(?=\d)")
# Certificates: "PG-13" is spelt, "12A" read as a number and a letter.
_CERTIFICATE = re.compile(r"\b(PG|NC|TV)-(\d\d)\b|\b(PG|TV-MA|TV-PG)\b")
_UK_CERTIFICATE = re.compile(r"\b(12|15|18)A\b")
# Ratings: "4/5", "8.5/10" are scores; "★★★☆☆" one too; "3½" and "3.5 stars" halves.
_RATING = re.compile(rf"(?<![\w/.])({_NUM})\s?/\s?(4|5|10|100)(?![\w/])")
_STARS = re.compile(r"(★+)(½?)(☆*)")
_HALF = re.compile(r"(\d*)\s?½")
_HALF_STARS = re.compile(r"\b(\d+)\.5(?=\s+stars?\b)")
_FRACTIONS = {"1/2": "one half", "1/3": "one third", "2/3": "two thirds"}
_FRACTION = re.compile(r"(?<![\w/])([12])/([23])(?![\w/])")
_GRADE = re.compile(r"(?<![\w-])([A-DF])([+-])(?=[\s,.;:!?)]|$)")
# Runtimes: "2h 15m", "2 hrs 15 mins", "135 min".
_HOURS_MINUTES = re.compile(
    r"\b(\d+)\s?h(?:rs?|ours?)?\.?\s?(\d+)\s?m(?:ins?|inutes?)?\b", re.IGNORECASE
)
_HOURS = re.compile(r"\b(\d+)\s?(?:h|hrs?)\b", re.IGNORECASE)
# Not a bare "m": "20m" is as often money or metres as minutes.
_MINUTES = re.compile(r"\b(\d+)\s?mins?\b", re.IGNORECASE)
# Money: "$20m", "£5", "€1.5bn", "$9.99".
_MONEY = re.compile(
    r"([$£€])\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(k|m|mn|bn|b|million|billion|thousand)\b)?",
    re.IGNORECASE,
)
_CURRENCIES = {"$": ("dollar", "cent"), "£": ("pound", "penny"), "€": ("euro", "cent")}
_MONEY_SCALES = {
    "k": "thousand", "thousand": "thousand", "m": "million", "mn": "million",
    "million": "million", "b": "billion", "bn": "billion", "billion": "billion",
}  # fmt: skip
_PERCENT = re.compile(rf"({_NUM})\s?%")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_DECADE = re.compile(r"(?:\b(1[1-9]|20)|'|\b)(\d)0s\b")
_YEAR = re.compile(r"(?<![\d,.$£€])\b(1[1-9]\d\d|20\d\d)\b(?![,.]\d)")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\w)")
_SYMBOLS = (
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"\s*\+\s*(?=\w)"), " plus "),
    (re.compile(r"\s*@\s*"), " at "),
    (re.compile(r"\s*/\s*"), ", "),
)
_NUMBER_SLASH = re.compile(r"(?<=\d)\s?/\s?(?=\d)")  # "24/7", "9/11"
_SPACES = re.compile(r"[ \t]+")


def _plural(n: str, word: str) -> str:
    return word if n in ("1", "1.0") else word + ("s" if word != "penny" else "")


def _money(match: re.Match[str]) -> str:
    sign, amount, scale = match.group(1), match.group(2).replace(",", ""), match[3]
    unit, small = _CURRENCIES[sign]
    if scale:
        return f"{decimal_words(amount)} {_MONEY_SCALES[scale.lower()]} {unit}s"
    whole, _, cents = amount.partition(".")
    said = f"{number_words(int(whole))} {_plural(whole, unit)}"
    if len(cents) == 2 and int(cents):
        pence = "pence" if small == "penny" and cents != "01" else _plural(cents, small)
        said += f" {number_words(int(cents))} {pence}"
    return said


def _runtime(hours: str | None, minutes: str | None) -> str:
    said = []
    if hours is not None:
        said.append(f"{number_words(int(hours))} {_plural(hours, 'hour')}")
    if minutes is not None:
        said.append(f"{number_words(int(minutes))} {_plural(minutes, 'minute')}")
    return " ".join(said)


def _certificate(match: re.Match[str]) -> str:
    if match[1]:
        return f"{' '.join(match[1])} {number_words(int(match[2]))}"
    return " ".join(ch for ch in match[3] if ch != "-")


def _stars(match: re.Match[str]) -> str:
    # "★★★½☆" is three and a half out of five: the half star fills a place.
    full, half, empty = len(match[1]), len(match[2]), len(match[3])
    said = number_words(full) + (" and a half" if half else "")
    if not empty:
        return f"{said} {'star' if full == 1 and not half else 'stars'}"
    return f"{said} out of {number_words(full + half + empty)} stars"


def _half(match: re.Match[str]) -> str:
    whole = match[1]
    return f"{number_words(int(whole))} and a half" if whole else "a half"


def _abbreviation(match: re.Match[str]) -> str:
    said = _ABBREVIATIONS[match[1].lower()]
    # "etc." may also end the sentence: keep the stop before a capital or the end.
    rest = match.string[match.end() :]
    ends = match[1].lower() in ("etc", "jr", "sr") and re.match(r"\s*(?:[A-Z]|$)", rest)
    return said + "." if ends else said


def _rating(match: re.Match[str]) -> str:
    return f"{decimal_words(match[1])} out of {number_words(int(match[2]))}"


def _number(match: re.Match[str]) -> str:
    return decimal_words(match[1] + (match[2] or ""))


def _rules(text: str) -> str:
    """Every rule but the lexicon, in order: the wider patterns first."""
    text = _ABBREVIATION.sub(_abbreviation, text)
    text = _VS.sub("versus", text)
    text = _NUMBER_SIGN.sub("number ", text)
    text = _CERTIFICATE.sub(_certificate, text)
    text = _UK_CERTIFICATE.sub(lambda m: f"{number_words(int(m[1]))} A", text)
    text = _STARS.sub(_stars, text)
    text = _HALF.sub(_half, text)
    text = _HALF_STARS.sub(lambda m: f"{number_words(int(m[1]))} and a half", text)
    text = _RATING.sub(_rating, text)
    text = _FRACTION.sub(lambda m: _FRACTIONS[f"{m[1]}/{m[2]}"], text)
    text = _GRADE.sub(lambda m: f"{m[1]} {'plus' if m[2] == '+' else 'minus'}", text)
    text = _HOURS_MINUTES.sub(lambda m: _runtime(m[1], m[2]), text)
    text = _HOURS.sub(lambda m: _runtime(m[1], None), text)
    text = _MINUTES.sub(lambda m: _runtime(None, m[1]), text)
    text = _MONEY.sub(_money, text)
    text = _PERCENT.sub(lambda m: f"{decimal_words(m[1])} percent", text)
    text = _ORDINAL.sub(lambda m: ordinal_words(int(m[1])), text)
    text = _DECADE.sub(_decade, text)
    text = _NUMBER_SLASH.sub(" ", text)
    text = _YEAR.sub(lambda m: year_words(int(m[1])), text)
    text = _NUMBER.sub(_number, text)
    for pattern, said in _SYMBOLS:
        text = pattern.sub(said, text)
    return _SPACES.sub(" ", text).strip()


def _decade(match: re.Match[str]) -> str:
    # "1990s" → "nineteen nineties", "'80s" → "eighties".
    tens = _TENS[int(match[2])] if match[2] != "0" else "hundred"
    said = tens[:-1] + "ies" if tens.endswith("y") else tens + "s"
    if match[1] is None:
        return said
    if match[1] == "20" and match[2] == "0":
        return "two thousands"
    return f"{number_words(int(match[1]))} {said}"


@lru_cache(maxsize=8)
def _lexicon_pattern(lexicon: Lexicon) -> tuple[re.Pattern[str], dict[str, str]]:
    # Longest entries first, so "Guillermo del Toro" wins over "del Toro".
    words = sorted((w for w, _ in lexicon), key=lambda w: (-len(w), w.lower()))
    alternatives = "|".join(re.escape(w) for w in words)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return pattern, {w.lower(): said for w, said in lexicon}


def apply_lexicon(text: str, lexicon: Lexicon) -> str:
    """Each lexicon word (whole words, any case) replaced by how it is said."""
    if not lexicon:
        return text
    pattern, said = _lexicon_pattern(lexicon)
    return pattern.sub(lambda m: said[m[0].lower()], text)


def for_the_ear(text: str, lexicon: Lexicon = ()) -> str:
    """``text`` as an engine should be given it: the lexicon, then the rules."""
    return _rules(apply_lexicon(text, lexicon))
