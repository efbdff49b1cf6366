"""Stitching: :class:`Clip` files → one PCM WAV :class:`Mix` (pydub).

In: the clips in speaking order and the script's segments. Out: ``mix.wav`` in the
work folder plus the exact chapter and cue offsets, computed from frame counts (not
pydub's rounded milliseconds). Each clip gets a few milliseconds of fade at both
ends so joins never click, then is streamed into the WAV followed by its pause:
joining is linear and the episode is never held in memory as one segment.
"""

import warnings
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import SynthesisError
from .models import Chapter, Clip, Cue, Mix, Segment

FADE_MS = 6
LEAD_IN_MS = 250


def _pydub() -> Any:
    """Import pydub's AudioSegment quietly, only when audio is actually joined."""
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH (jiaaro/pydub#348) and
        # Python 3.11/3.12 warn about audioop; neither matters for reading WAVs.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment
    return AudioSegment


def _load(clip: Clip, rate: int, segment_class: Any) -> Any:
    try:
        # Open the file ourselves: pydub's from_wav leaks the handle it opens.
        with clip.path.open("rb") as fh:
            audio = segment_class.from_wav(fh)
    except (OSError, EOFError, ValueError) as exc:
        raise SynthesisError(f"{clip.path.name}: unreadable clip ({exc})") from exc
    audio = audio.set_channels(1).set_sample_width(2)
    if audio.frame_rate != rate:
        audio = audio.set_frame_rate(rate)
    fade = min(FADE_MS, len(audio) // 4)
    return audio.fade_in(fade).fade_out(fade) if fade > 0 else audio


def _silence(ms: int, rate: int) -> bytes:
    return b"\x00\x00" * (rate * ms // 1000)


def stitch(clips: Sequence[Clip], segments: Sequence[Segment], out: Path) -> Mix:
    """Write every clip and pause into ``out`` and return where each piece landed."""
    if not clips:
        raise SynthesisError("nothing to stitch: the script has no lines")
    expected = sum(len(seg.lines) for seg in segments)
    if expected != len(clips):
        raise SynthesisError(f"{len(clips)} clips for {expected} script lines")
    rate = clips[0].sample_rate
    segment_class = _pydub()
    cues: list[Cue] = []
    chapters: list[Chapter] = []
    frames = 0

    def ms(frame: int) -> int:
        return round(frame * 1000 / rate)

    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        lead = _silence(LEAD_IN_MS, rate)
        wav.writeframes(lead)
        frames += len(lead) // 2
        clip_iter = iter(clips)
        for seg_index, segment in enumerate(segments):
            seg_start = 0 if seg_index == 0 else frames
            for _line in segment.lines:
                clip = next(clip_iter)
                pcm = _load(clip, rate, segment_class).raw_data
                start = frames
                wav.writeframes(pcm)
                frames += len(pcm) // 2
                cues.append(
                    Cue(clip.line.speaker, clip.line.text, ms(start), ms(frames))
                )
                gap = _silence(clip.line.pause_after_ms, rate)
                wav.writeframes(gap)
                frames += len(gap) // 2
            chapters.append(Chapter(segment.title, ms(seg_start), ms(frames)))
    return Mix(out, rate, frames, tuple(chapters), tuple(cues))
