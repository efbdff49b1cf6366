"""Transcripts: the episode's timed cues → WebVTT and SubRip text.

In: the cues (who speaks which line, from when to when) and the summaries the
sentences were read from. Out: the text of ``NAME.vtt`` and ``NAME.srt``, each
summary sentence in its written form rather than as prepared for speech, cut
into captions a player can show: at most two rows of 42 characters and seven
seconds each, cut where a phrase ends when one is near (:func:`caption_cues`).
A caption's time is its share of its line's time, by characters. Writes nothing
itself: :func:`digest.publish.sidecars.write_sidecars` writes the files.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from digest.models import Cue, Summary, speech_text
from digest.publish.text import clean_text
from digest.timefmt import timestamp


def transcript_cues(
    cues: Sequence[Cue], summaries: Sequence[Summary]
) -> tuple[Cue, ...]:
    """The cues with each narrated sentence restored to its written form.

    The script reads :func:`digest.models.speech_text` of every summary sentence
    ("writer/director" becomes "writer and director"); readers should see the
    review's own words, so each cue whose text is such a prepared sentence gets
    the original back. Other lines (the host's) are shown as spoken.
    """
    originals: dict[str, str] = {}
    for summary in summaries:
        for sentence in summary.sentences:
            spoken = speech_text(sentence, summary.review.language)
            originals.setdefault(spoken, clean_text(sentence))
    shown = []
    for cue in cues:
        text = originals.get(cue.text, clean_text(cue.text))
        if text:
            shown.append(Cue(cue.speaker, text, cue.start_ms, cue.end_ms))
    return tuple(shown)


def speaker_label(speaker: str) -> str:
    """How a script speaker id is shown to readers (``host`` → ``Host``)."""
    label = clean_text(speaker.partition(".")[0])  # narrator.fr → Narrator
    return label[:1].upper() + label[1:] if label else "Speaker"


# The usual caption limits (broadcast and streaming style guides).
ROW_CHARS = 42
MAX_ROWS = 2
MAX_CAPTION_MS = 7000
# Characters that end a phrase: a caption or row is best cut after one.
# A sentence or clause ends at the first kind; a comma or dash ends a weaker phrase.
_CLAUSE_ENDS = ".;:!?…"
_PHRASE_ENDS = _CLAUSE_ENDS + ",—–"
_CLOSERS = "\"'”’)]"


@dataclass(frozen=True, slots=True)
class Caption:
    """One caption: part of a spoken line on at most two rows, for at most 7 s."""

    speaker: str
    rows: tuple[str, ...]
    start_ms: int
    end_ms: int
    opens: bool  # the first caption of its line (SubRip names the speaker there)


class _Words:
    """The words of one line as (start, end) offsets into its text."""

    def __init__(self, text: str, widest: int) -> None:
        self.text = text
        spans: list[tuple[int, int]] = []
        start = None
        for index, char in enumerate(f"{text} "):
            if char != " " and start is None:
                start = index
            elif char == " " and start is not None:
                # A word wider than a row (a URL) is cut into pieces that fit.
                spans += [
                    (a, min(a + widest, index)) for a in range(start, index, widest)
                ]
                start = None
        self.spans = spans

    def width(self, first: int, stop: int) -> int:
        """The characters from word ``first`` up to (not including) ``stop``."""
        return self.spans[stop - 1][1] - self.spans[first][0]

    def offset(self, index: int) -> int:
        """Where word ``index`` starts (the text's length past the last word)."""
        return self.spans[index][0] if index < len(self.spans) else len(self.text)

    def ends_phrase(self, index: int, ends: str = _PHRASE_ENDS) -> bool:
        """Whether word ``index`` ends a phrase ("word," "end." "—")."""
        start, end = self.spans[index]
        word = self.text[start:end].rstrip(_CLOSERS)
        return bool(word) and word[-1] in ends

    def row_break(self, first: int, stop: int, widths: tuple[int, int]) -> int | None:
        """Where to start the second row of words ``first:stop`` (``stop``: one
        row), or None when they do not fit in two rows of ``widths``."""
        if self.width(first, stop) <= widths[0]:
            return stop
        fits = [
            k
            for k in range(first + 1, stop)
            if self.width(first, k) <= widths[0] and self.width(k, stop) <= widths[1]
        ]
        if not fits:
            return None
        quarter = self.width(first, stop) / 4

        def balance(k: int) -> int:
            return max(self.width(first, k), self.width(k, stop))

        phrased = [
            k
            for k in fits
            if self.ends_phrase(k - 1)
            and min(self.width(first, k), self.width(k, stop)) >= quarter
        ]
        return min(phrased or fits, key=balance)


def _widths(number: int, first_row: int) -> tuple[int, int]:
    """The rows' widths of a line's caption ``number`` (the first one's first row
    is ``first_row`` wide)."""
    return (first_row if number == 0 else ROW_CHARS, ROW_CHARS)


def _fits(
    words: _Words, first: int, stop: int, widths: tuple[int, int], budget: int
) -> bool:
    """Whether words ``first:stop`` make one caption: two rows, ``budget`` chars."""
    within = words.offset(stop) - words.offset(first) <= budget
    return within and words.row_break(first, stop, widths) is not None


def _phrase_stop(words: _Words, first: int, stop: int) -> int:
    """``stop``, or an earlier one after the last clause end that keeps the
    caption at least a third as long, else after the last phrase end (a comma)
    that keeps it at least half as long."""
    full = words.width(first, stop)
    return next(
        (
            k + 1
            for ends, share in ((_CLAUSE_ENDS, 3), (_PHRASE_ENDS, 2))
            for k in range(stop - 1, first, -1)
            if words.ends_phrase(k, ends) and words.width(first, k + 1) * share >= full
        ),
        stop,
    )


def _caption_stops(words: _Words, first_row: int, budget: int) -> list[int]:
    """Where each caption of the line ends (word indexes).

    Each caption takes as many words as fit (:func:`_fits`), then ends at a
    phrase (:func:`_phrase_stop`); when only a few words would be left for the
    last caption, the last two share the words as evenly as they fit.
    """
    stops: list[int] = []
    first, count = 0, len(words.spans)
    while first < count:
        widths = _widths(len(stops), first_row)
        stop = first + 1
        while stop < count and _fits(words, first, stop + 1, widths, budget):
            stop += 1
        if stop < count and words.width(stop, count) < ROW_CHARS // 2:
            even = [
                k
                for k in range(first + 1, stop + 1)
                if _fits(words, k, count, (ROW_CHARS, ROW_CHARS), budget)
            ]
            stop = max(
                even,
                key=lambda k: min(words.width(first, k), words.width(k, count)),
            )
        elif stop < count:
            stop = _phrase_stop(words, first, stop)
        stops.append(stop)
        first = stop
    return stops


def caption_cues(cues: Sequence[Cue]) -> tuple[Caption, ...]:
    """Each cue cut into captions within :data:`ROW_CHARS`, :data:`MAX_ROWS` and
    :data:`MAX_CAPTION_MS`, timed by their share of the cue's characters."""
    captions: list[Caption] = []
    for cue in cues:
        # The first row of a line's first caption leaves room for "Speaker: ".
        first_row = max(ROW_CHARS // 2, ROW_CHARS - len(speaker_label(cue.speaker)) - 2)
        duration, length = cue.end_ms - cue.start_ms, len(cue.text)
        # Characters spoken in 7 s at this line's pace (a ms spare for rounding),
        # but never under half a row: a line spoken far slower than speech (a
        # long silence in it) keeps readable captions, each cut off at 7 s.
        budget = (MAX_CAPTION_MS - 1) * length // max(1, duration)
        budget = max(ROW_CHARS // 2, budget)
        words = _Words(cue.text, min(first_row, budget - 1))
        first = 0
        for number, stop in enumerate(_caption_stops(words, first_row, budget)):
            split = words.row_break(first, stop, _widths(number, first_row)) or stop
            rows = [(first, split), (split, stop)] if split < stop else [(first, stop)]
            start, end = (
                cue.start_ms + duration * words.offset(i) // max(1, length)
                for i in (first, stop)
            )
            text = tuple(
                cue.text[words.spans[a][0] : words.spans[b - 1][1]] for a, b in rows
            )
            end = min(end, start + MAX_CAPTION_MS)
            captions.append(Caption(cue.speaker, text, start, end, number == 0))
            first = stop
    return tuple(captions)


def _timing(cue: Cue | Caption, separator: str) -> str:
    # WebVTT requires a cue to end later than it starts.
    end = max(cue.end_ms, cue.start_ms + 1)
    return f"{timestamp(cue.start_ms, separator)} --> {timestamp(end, separator)}"


def _vtt_escape(text: str) -> str:
    # WebVTT cue text is markup: &, < and > must be character references.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: Sequence[Cue]) -> str:
    """A WebVTT transcript: numbered captions in ``<v Speaker>`` voice spans."""
    blocks = ["WEBVTT"]
    for number, caption in enumerate(caption_cues(cues), start=1):
        voice = _vtt_escape(speaker_label(caption.speaker))
        text = "\n".join(_vtt_escape(row) for row in caption.rows)
        blocks.append(f"{number}\n{_timing(caption, '.')}\n<v {voice}>{text}</v>")
    return "\n\n".join(blocks) + "\n"


def render_srt(cues: Sequence[Cue]) -> str:
    """A SubRip transcript: numbered captions, ``Speaker:`` where a line starts."""
    blocks = []
    for number, caption in enumerate(caption_cues(cues), start=1):
        rows = list(caption.rows)
        if caption.opens:
            rows[0] = f"{speaker_label(caption.speaker)}: {rows[0]}"
        blocks.append(f"{number}\n{_timing(caption, ',')}\n" + "\n".join(rows))
    return "\n\n".join(blocks) + "\n" if blocks else ""
