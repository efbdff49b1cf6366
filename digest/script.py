"""The episode script: summaries → :class:`Script` of spoken lines.

In: the summaries and the settings (templates, voice profiles). Out: segments
(intro, one per review, outro), each a run of :class:`Line` records saying who
speaks, what (prepared for speech) and how long the silence after it is; and, for
``build --dry-run``, a :class:`Timeline` estimated from each voice's words per
minute. Writes nothing and needs no engine.

A review in another language is read by the narrator profile given for that
language (see :mod:`digest.speak.narrators`); the host always announces it. The script
carries those extra profiles, and :func:`script_voices` finds any line's profile.
"""

import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from digest.config import Settings, Templates, VoiceProfile
from digest.models import Line, LineKind, Script, Segment, Summary

HOST = "host"
NARRATOR = "narrator"

_NUMBER_WORDS = (
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve",
)  # fmt: skip

# Characters espeak reads badly or literally, mapped to what a listener expects.
_SPEECH_CHARS = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "\u00a0": " ",
        "…": "...",
    }
)
_WORD_SLASH = re.compile(r"(?<=[A-Za-z])/(?=[A-Za-z])")
_NUMBER_RANGE = re.compile(r"(?<=\d)\s*[–—-]\s*(?=\d)")
_DOUBLE_COMMA = re.compile(r",(\s*,)+")
_DASH = re.compile(r"\s*[—–]\s*|\s+-\s+|(?<=\w)--(?=\w)")
_SPACES = re.compile(r"\s+")
_WORDLIKE = re.compile(r"\w")
# A template's full stop after a value that already ends a sentence ("Why?.").
_DOUBLE_STOP = re.compile(r"(?<=[!?])\.|(?<=[^.]\.)\.(?!\.)")


# Asides that mean nothing read aloud: editorial marks, years, picture pointers and
# "(Name/Studio)" credits. Other parentheses become commas: a spoken aside.
_EDITORIAL = re.compile(r"\s*\[(?:\.\.\.|sic|emphasis (?:added|mine))\]", re.IGNORECASE)
_BRACKETS = re.compile(r"\[([^\[\]]{1,80})\]")
_SILENT_ASIDE = re.compile(
    r"\s*\(\s*(?:(?:19|20)\d\d|pictured|above|below|left|right|center|centre"
    r"|top|bottom|see (?:above|below)|[^()]{0,60}/[^()]{0,60})\s*\)",
    re.IGNORECASE,
)
_WHOLE_ASIDE = re.compile(r"^\(([^()]+)\)$")
_ASIDE = re.compile(r"\s*\(([^()]{1,120})\)\s*")
_ELLIPSIS = re.compile(r"\s*(?:\.\s?){3,}\s*")
_COMMA_BEFORE_STOP = re.compile(r",\s*(?=[.!?;:]|$)")
# What "writer/director" and "1990–1995" are read as, by the review's language
# (a French sentence read with "and" sounds wrong); English for the rest.
_CONNECTORS: dict[str, tuple[str, str]] = {
    "en": ("and", "to"),
    "fr": ("et", "à"),
    "de": ("und", "bis"),
    "es": ("y", "a"),
    "it": ("e", "a"),
    "pt": ("e", "a"),
    "nl": ("en", "tot"),
}


def _aside(match: re.Match[str]) -> str:
    return f", {match.group(1).strip()}, "


def _ellipsis(match: re.Match[str]) -> str:
    # A trailing ellipsis ends the sentence; inside one it is a pause.
    return "." if match.end() == len(match.string) else ", "


def speech_text(text: str, language: str | None = None) -> str:
    """Prepare written text for the speech engine without changing its words.

    Punctuation that reads badly becomes pauses (dashes, ellipses, parentheses) and
    asides that mean nothing aloud (years, credits, "[sic]") are left out; the
    words of the sentence itself are never changed or reordered. ``language``
    (the review's ISO 639-1 code) picks the words said for "/" and number ranges.
    """
    primary = (language or "en").lower().replace("_", "-").partition("-")[0]
    and_word, to_word = _CONNECTORS.get(primary, _CONNECTORS["en"])
    text = text.translate(_SPEECH_CHARS).strip()
    text = _EDITORIAL.sub("", text)
    text = _BRACKETS.sub(r"\1", text)
    text = _SILENT_ASIDE.sub("", text)
    text = _WHOLE_ASIDE.sub(r"\1", text)
    text = _ASIDE.sub(_aside, text)
    text = _ELLIPSIS.sub(_ellipsis, text)
    text = text.replace("and/or", "and or")
    # "writer/director" is not "writer slash director"; "1990–1995" is a range.
    text = _WORD_SLASH.sub(f" {and_word} ", text)
    text = _NUMBER_RANGE.sub(f" {to_word} ", text)
    text = _DASH.sub(", ", text)
    text = _DOUBLE_COMMA.sub(",", text)
    text = _SPACES.sub(" ", text).strip()
    return _COMMA_BEFORE_STOP.sub("", text).strip(" ,")


def count_words(number: int) -> str:
    """Small numbers as words, for smoother speech."""
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)


_BREATHS = re.compile(r"[,;:]")
_STOPS = re.compile(r"[.!?]+")


def expected_seconds(text: str, rate_wpm: int) -> float:
    """The spoken duration of ``text`` at ``rate_wpm`` words per minute, estimated.

    Counts "words" of seven characters (space included) plus the pause espeak
    makes at each comma (1.5 words) and full stop (0.5): on espeak-ng 1.52 at
    160-170 wpm that is within 8 % per line on average (a plain word count: 12 %,
    and 40 % on lines of long words).
    """
    text = text.strip()
    breaths = len(_BREATHS.findall(text))
    stops = len(_STOPS.findall(text))
    words = max(1.0, len(text) / 7 + 1.5 * breaths + 0.5 * stops)
    return words * 60.0 / rate_wpm


# --- facts read out with the announcement ------------------------------------------


def spoken_runtime(minutes: int) -> str:
    """112 → "one hour and 52 minutes"; 45 → "45 minutes"."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{count_words(hours)} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{count_words(rest)} minute{'s' if rest != 1 else ''}")
    return " and ".join(parts)


_CAPS = re.compile(r"\b[A-Z]{2,4}\b")
_CERT_PARTS = re.compile(r"(?<=[A-Za-z])-(?=\d)|(?<=\d)(?=[A-Za-z])")


def spoken_certificate(certificate: str) -> str:
    """Spell age ratings letter by letter: "PG-13" → "P G 13", "TV-MA" → "T V M A".

    espeak reads "MA" as a word and "NC-17" with a pause; spaced capitals and
    numbers are read the way a presenter would say them.
    """
    text = _CERT_PARTS.sub(" ", certificate.strip()).replace("-", " ")
    return _CAPS.sub(lambda m: " ".join(m.group(0)), text)


_FRACTION = re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(\d+)")


def spoken_rating(rating: str) -> str:
    """Ratings as said aloud: "4/5" → "4 out of 5", "★★★½" → "3 and a half stars"."""
    text = rating.strip()
    stars = text.count("★")
    if stars:
        half = " and a half" if "½" in text else ""
        return f"{count_words(stars)}{half} star{'s' if stars > 1 or half else ''}"
    text = text.replace("½", " and a half")
    return _FRACTION.sub(r"\1 out of \2", text)


# --- rendering ----------------------------------------------------------------------


def _render(template: str, values: Mapping[str, object]) -> str:
    """Fill a template (checked when loaded) and prepare it for speech."""
    if not template.strip():
        return ""
    return _DOUBLE_STOP.sub("", speech_text(template.format_map(values)))


def _episode_values(settings: Settings, reviews: int) -> dict[str, object]:
    day = settings.episode_date
    noun = "review" if reviews == 1 else "reviews"
    return {
        "show": settings.show,
        "title": settings.episode_title,
        "date": f"{day:%A}, {day:%B} {day.day}, {day.year}",
        "weekday": f"{day:%A}",
        "count": count_words(reviews),
        "reviews": f"{count_words(reviews)} {noun}",
    }


def _transition_start(settings: Settings) -> int:
    """Where in the transition list this episode starts: fixed by its identity.

    A checksum, not a random draw: the same show, title and date always give the
    same script, while different episodes do not all open with the same phrase.
    """
    key = f"{settings.show}\n{settings.episode_title}\n{settings.episode_date}"
    return zlib.crc32(key.encode("utf-8"))


def _announcement(
    summary: Summary, number: int, total: int, templates: Templates
) -> str:
    review, facts = summary.review, summary.facts
    parts = [
        _render(
            templates.announce,
            {
                "number": count_words(number),
                "total": count_words(total),
                "title": review.title,
            },
        )
    ]
    critic, outlet = review.critic, review.outlet
    if critic and outlet:
        parts.append(_render(templates.byline, {"critic": critic, "outlet": outlet}))
    elif critic:
        parts.append(_render(templates.byline_critic, {"critic": critic}))
    elif outlet:
        parts.append(_render(templates.byline_outlet, {"outlet": outlet}))
    if facts.certificate:
        cert = spoken_certificate(facts.certificate)
        parts.append(_render(templates.certificate, {"certificate": cert}))
    if facts.runtime_minutes:
        minutes = facts.runtime_minutes
        values = {"runtime": spoken_runtime(minutes), "minutes": minutes}
        parts.append(_render(templates.runtime, values))
    rating = facts.rating or review.rating
    if rating:
        parts.append(_render(templates.rating, {"rating": spoken_rating(rating)}))
    return " ".join(part for part in parts if part)


def _sentences(summary: Summary, voice: VoiceProfile) -> list[tuple[str, int]]:
    """Each summary sentence as spoken, with the pause after it.

    The pause is longer where the review changes paragraph (when the summarizer
    says where its paragraphs are) and longest after the last sentence.
    """
    pauses = voice.pauses
    known = len(summary.paragraphs) == len(summary.sentences)
    language = summary.review.language
    kept = [
        (text, summary.paragraphs[pos] if known else 0)
        for pos, text in enumerate(speech_text(s, language) for s in summary.sentences)
        if _WORDLIKE.search(text)
    ]
    out = []
    for pos, (text, paragraph) in enumerate(kept):
        if pos == len(kept) - 1:
            pause = pauses.segment_ms
        elif kept[pos + 1][1] != paragraph:
            pause = pauses.paragraph_ms
        else:
            pause = pauses.sentence_ms
        out.append((text, pause))
    return out


def _review_segment(
    summary: Summary,
    index: int,
    total: int,
    transition: str | None,
    settings: Settings,
    narrator: VoiceProfile,
) -> Segment:
    host = settings.voice(HOST)
    lines: list[Line] = []
    if transition:
        pause = host.pauses.transition_ms
        lines.append(Line(HOST, transition, LineKind.TRANSITION, pause))
    announce = _announcement(summary, index + 1, total, settings.templates)
    lines.append(Line(HOST, announce, LineKind.ANNOUNCE, host.pauses.announce_ms))
    for text, pause in _sentences(summary, narrator):
        lines.append(Line(narrator.name, text, LineKind.SENTENCE, pause))
    return Segment(summary.review.title, tuple(lines))


def _transitions(count: int, settings: Settings) -> list[str | None]:
    """The transition before each review (none before the first), deterministic."""
    templates = settings.templates
    regular, final = templates.transitions, templates.final_transitions
    start = _transition_start(settings)
    out: list[str | None] = [None]
    for index in range(1, count):
        values = {"number": count_words(index + 1), "total": count_words(count)}
        if index == count - 1 and count > 2 and final:
            phrase = final[start % len(final)]
        elif regular:
            phrase = regular[(start + index - 1) % len(regular)]
        else:
            out.append(None)
            continue
        out.append(_render(phrase, values) or None)
    return out[:count]


def chapter_titles(summaries: Sequence[Summary]) -> list[str]:
    """Each review's chapter title: its own, told apart when two are the same.

    Two reviews of one film would give two identical chapters; the critic (or
    outlet) is added to each, or a number to those without one.
    """
    titles = [s.review.title for s in summaries]
    out: list[str] = []
    seen: dict[str, int] = {}
    for summary, title in zip(summaries, titles, strict=True):
        seen[title] = seen.get(title, 0) + 1
        if titles.count(title) == 1:
            out.append(title)
            continue
        review = summary.review
        who = review.critic or review.outlet
        if who:
            out.append(f"{title} ({who})")
        else:
            out.append(title if seen[title] == 1 else f"{title} ({seen[title]})")
    return out


def write_script(
    summaries: Sequence[Summary],
    settings: Settings,
    narrators: Mapping[str, VoiceProfile] | None = None,
) -> Script:
    """Lay out the episode: intro, one segment per review, outro.

    ``narrators`` maps a review language (``Review.language``) to the profile
    that reads its summary (:func:`digest.speak.narrators.narrators_for`); other
    reviews are read by the settings' narrator.
    """
    narrators = narrators or {}
    default = settings.voice(NARRATOR)
    extra: dict[str, VoiceProfile] = {}
    spoken = [s for s in summaries if any(_WORDLIKE.search(x) for x in s.sentences)]
    templates = settings.templates
    host = settings.voice(HOST)
    values = _episode_values(settings, len(spoken))
    greeting = templates.intro if settings.title else templates.intro_dated
    intro = Line(HOST, _render(greeting, values), LineKind.INTRO, host.pauses.intro_ms)
    segments = [Segment("Intro", (intro,))]
    transitions = _transitions(len(spoken), settings)
    titles = chapter_titles(spoken)
    for index, (summary, transition, title) in enumerate(
        zip(spoken, transitions, titles, strict=True)
    ):
        language = summary.review.language
        narrator = narrators.get(language, default) if language else default
        if narrator.name not in (default.name, settings.host.name):
            extra.setdefault(narrator.name, narrator)
        segment = _review_segment(
            summary, index, len(spoken), transition, settings, narrator
        )
        segments.append(Segment(title, segment.lines))
    outro = Line(HOST, _render(templates.outro, values), LineKind.OUTRO, 0)
    segments.append(Segment("Outro", (outro,)))
    return Script(
        show=settings.show,
        title=settings.episode_title,
        episode_date=settings.episode_date,
        segments=tuple(segments),
        voices=tuple(extra.values()),
    )


def script_voices(script: Script, settings: Settings) -> Callable[[str], VoiceProfile]:
    """The profile of each line's speaker: the script's own, else the settings'.

    Pass it wherever ``settings.voice`` was the lookup (synthesis, timeline).
    """
    own = {profile.name: profile for profile in script.voices}

    def voice(speaker: str) -> VoiceProfile:
        found = own.get(speaker)
        return found if found is not None else settings.voice(speaker)

    return voice


# --- the timeline a dry run prints ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimedLine:
    """A line with its estimated place in the episode (milliseconds)."""

    segment: str
    segment_index: int
    line: Line
    start_ms: int
    speech_ms: int


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every line's estimated start and length, and the episode's total length."""

    lines: tuple[TimedLine, ...]
    total_ms: int


def estimate_timeline(
    script: Script,
    voice_for: Callable[[str], VoiceProfile],
    lead_in_ms: int,
    tail_ms: int = 0,
) -> Timeline:
    """Where each line would start, from word counts and each voice's rate."""
    timed: list[TimedLine] = []
    clock = lead_in_ms
    for index, segment in enumerate(script.segments):
        for line in segment.lines:
            speech = round(
                1000 * expected_seconds(line.text, voice_for(line.speaker).rate)
            )
            timed.append(TimedLine(segment.title, index, line, clock, speech))
            clock += speech + line.pause_after_ms
    return Timeline(tuple(timed), clock + tail_ms)
