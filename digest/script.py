"""The episode script: summaries → :class:`Script` of spoken lines.

In: the summaries and :class:`ScriptOptions` (templates, voice profiles). Out: segments
(intro, one per review, outro), each a run of :class:`Line` records saying who
speaks, what (prepared for speech) and how long the silence after it is; and, for
``build --dry-run``, a :class:`Timeline` estimated from each voice's words per
minute. Writes nothing and needs no engine.

A review in another language is read by the narrator profile given for that
language (see :mod:`digest.speak.narrators`); the host always announces it. The script
carries those extra profiles, and :func:`script_voices` finds any line's profile.
"""

import logging
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from digest.config import Templates, VoiceProfile
from digest.models import (
    Line,
    LineKind,
    Script,
    Segment,
    Summary,
    contents_title,
    expected_seconds,
    speech_text,
)

log = logging.getLogger("digest")

HOST = "host"
NARRATOR = "narrator"

_NUMBER_WORDS = (
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve",
)  # fmt: skip

_WORDLIKE = re.compile(r"\w")
# Longest line the engine is given: espeak gives up on an utterance of thousands
# of words, and a cue of minutes helps no reader. Longer sentences are read in
# pieces cut after a comma, semicolon or colon, else between words.
MAX_LINE_WORDS = 80
MAX_LINE_CHARS = 600
CLAUSE_PAUSE_MS = 150  # between the pieces of one cut sentence
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
# A template's full stop after a value that already ends a sentence ("Why?.").
_DOUBLE_STOP = re.compile(r"(?<=[!?])\.|(?<=[^.]\.)\.(?!\.)")


@dataclass(frozen=True, slots=True)
class ScriptOptions:
    """What the script needs of the settings: names, date, templates, voices."""

    show: str
    # The title the user gave; None: one is made from the reviews read, and the
    # intro then says the date instead.
    title: str | None
    episode_date: date
    templates: Templates
    host: VoiceProfile
    narrator: VoiceProfile

    def voice(self, speaker: str) -> VoiceProfile:
        """The profile for a script speaker: a narrator's (``narrator.fr`` too) or
        the host's."""
        name = self.narrator.name
        if speaker == name or speaker.startswith(f"{name}."):
            return self.narrator
        return self.host


def count_words(number: int) -> str:
    """Small numbers as words, for smoother speech."""
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)


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


def _episode_values(
    options: ScriptOptions, title: str, reviews: int
) -> dict[str, object]:
    day = options.episode_date
    noun = "review" if reviews == 1 else "reviews"
    return {
        "show": options.show,
        "title": title,
        "date": f"{day:%A}, {day:%B} {day.day}, {day.year}",
        "weekday": f"{day:%A}",
        "count": count_words(reviews),
        "reviews": f"{count_words(reviews)} {noun}",
    }


def _transition_start(options: ScriptOptions, title: str) -> int:
    """Where in the transition list this episode starts: fixed by its identity.

    A checksum, not a random draw: the same show, title and date always give the
    same script, while different episodes do not all open with the same phrase.
    """
    key = f"{options.show}\n{title}\n{options.episode_date}"
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


def split_for_speech(text: str) -> list[str]:
    """``text`` in lines of at most MAX_LINE_WORDS words and MAX_LINE_CHARS chars.

    Whole clauses are kept together where they fit; a word longer than a line
    (a run of letters with no space) is cut too.
    """
    if len(text) <= MAX_LINE_CHARS and len(text.split()) <= MAX_LINE_WORDS:
        return [text]
    pieces: list[list[str]] = [[]]
    for clause in _CLAUSE_END.split(text):
        words = [
            word[i : i + MAX_LINE_CHARS]
            for word in clause.split()
            for i in range(0, len(word), MAX_LINE_CHARS)
        ]
        if pieces[-1] and not _fits([*pieces[-1], *words]):
            pieces.append([])  # a clause that does not fit starts a new line
        for word in words:
            if pieces[-1] and not _fits([*pieces[-1], word]):
                pieces.append([])
            pieces[-1].append(word)
    return [" ".join(piece) for piece in pieces if piece]


def _fits(words: list[str]) -> bool:
    return (
        len(words) <= MAX_LINE_WORDS
        and sum(len(w) + 1 for w in words) - 1 <= MAX_LINE_CHARS
    )


def _review_segment(
    summary: Summary,
    index: int,
    total: int,
    transition: str | None,
    options: ScriptOptions,
    narrator: VoiceProfile,
) -> Segment:
    host = options.voice(HOST)
    lines: list[Line] = []
    if transition:
        pause = host.pauses.transition_ms
        lines.append(Line(HOST, transition, LineKind.TRANSITION, pause))
    announce = _announcement(summary, index + 1, total, options.templates)
    lines.append(Line(HOST, announce, LineKind.ANNOUNCE, host.pauses.announce_ms))
    for text, pause in _sentences(summary, narrator):
        *parts, last = split_for_speech(text)
        if parts:
            log.warning(
                "%s: a sentence of %d words is read in %d parts",
                summary.review.title, len(text.split()), len(parts) + 1,
            )  # fmt: skip
        for part in parts:
            lines.append(Line(narrator.name, part, LineKind.SENTENCE, CLAUSE_PAUSE_MS))
        lines.append(Line(narrator.name, last, LineKind.SENTENCE, pause))
    return Segment(summary.review.title, tuple(lines))


def _transitions(count: int, options: ScriptOptions, title: str) -> list[str | None]:
    """The transition before each review (none before the first), deterministic."""
    templates = options.templates
    regular, final = templates.transitions, templates.final_transitions
    start = _transition_start(options, title)
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
    options: ScriptOptions,
    narrators: Mapping[str, VoiceProfile] | None = None,
) -> Script:
    """Lay out the episode: intro, one segment per review, outro.

    ``narrators`` maps a review language (``Review.language``) to the profile
    that reads its summary (:func:`digest.speak.narrators.narrators_for`); other
    reviews are read by the options' narrator.
    """
    narrators = narrators or {}
    default = options.voice(NARRATOR)
    extra: dict[str, VoiceProfile] = {}
    spoken = [s for s in summaries if any(_WORDLIKE.search(x) for x in s.sentences)]
    templates = options.templates
    host = options.voice(HOST)
    episode_title = options.title or contents_title(spoken)
    values = _episode_values(options, episode_title, len(spoken))
    greeting = templates.intro if options.title else templates.intro_dated
    intro = Line(HOST, _render(greeting, values), LineKind.INTRO, host.pauses.intro_ms)
    segments = [Segment("Intro", (intro,))]
    transitions = _transitions(len(spoken), options, episode_title)
    titles = chapter_titles(spoken)
    for index, (summary, transition, title) in enumerate(
        zip(spoken, transitions, titles, strict=True)
    ):
        language = summary.review.language
        narrator = narrators.get(language, default) if language else default
        if narrator.name not in (default.name, options.host.name):
            extra.setdefault(narrator.name, narrator)
        segment = _review_segment(
            summary, index, len(spoken), transition, options, narrator
        )
        segments.append(Segment(title, segment.lines))
    outro = Line(HOST, _render(templates.outro, values), LineKind.OUTRO, 0)
    segments.append(Segment("Outro", (outro,)))
    return Script(
        show=options.show,
        title=episode_title,
        episode_date=options.episode_date,
        segments=tuple(segments),
        voices=tuple(extra.values()),
    )


def script_voices(
    script: Script, options: ScriptOptions
) -> Callable[[str], VoiceProfile]:
    """The profile of each line's speaker: the script's own, else the options'.

    Pass it wherever a speaker's profile is looked up (synthesis, timeline).
    """
    own = {profile.name: profile for profile in script.voices}

    def voice(speaker: str) -> VoiceProfile:
        found = own.get(speaker)
        return found if found is not None else options.voice(speaker)

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
