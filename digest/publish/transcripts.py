"""Transcripts: the episode's timed cues → WebVTT and SubRip text.

In: the cues (who speaks which line, from when to when) and the summaries the
sentences were read from. Out: the text of ``NAME.vtt`` and ``NAME.srt``, one
numbered cue per spoken line with the speaker's name, each summary sentence in
its written form rather than as prepared for speech. Writes nothing itself:
:func:`digest.publish.sidecars.write_sidecars` writes the files.
"""

from collections.abc import Sequence

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


def _timing(cue: Cue, separator: str) -> str:
    # WebVTT requires a cue to end later than it starts.
    end = max(cue.end_ms, cue.start_ms + 1)
    return f"{timestamp(cue.start_ms, separator)} --> {timestamp(end, separator)}"


def _vtt_escape(text: str) -> str:
    # WebVTT cue text is markup: &, < and > must be character references.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: Sequence[Cue]) -> str:
    """A WebVTT transcript: one numbered cue per line, ``<v Speaker>`` voice spans."""
    blocks = ["WEBVTT"]
    for number, cue in enumerate(cues, start=1):
        voice = _vtt_escape(speaker_label(cue.speaker))
        blocks.append(
            f"{number}\n{_timing(cue, '.')}\n<v {voice}>{_vtt_escape(cue.text)}</v>"
        )
    return "\n\n".join(blocks) + "\n"


def render_srt(cues: Sequence[Cue]) -> str:
    """A SubRip transcript: numbered cues, ``Speaker: text``."""
    blocks = [
        f"{number}\n{_timing(cue, ',')}\n{speaker_label(cue.speaker)}: {cue.text}"
        for number, cue in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""
