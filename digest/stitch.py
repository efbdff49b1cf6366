"""Stitching: :class:`Clip` files → one PCM WAV :class:`Mix` (pydub).

In: the clips in speaking order and the script's segments. Out: ``mix.wav`` in the
work folder plus the exact chapter and cue offsets, computed from frame counts (not
pydub's rounded milliseconds). Each clip gets a few milliseconds of fade at both
ends so joins never click, then is streamed into the WAV followed by its pause:
joining is linear and the episode is never held in memory as one segment.
"""

import sys
import warnings
import wave
from array import array
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


def _load(clip: Clip, rate: int, segment_class: Any) -> bytes:
    """A clip as 16-bit mono PCM at ``rate``, with a short fade at both ends."""
    try:
        # Read the WAV ourselves: pydub's from_wav leaks its file handle and, on a
        # header it dislikes, silently falls back to ffprobe/ffmpeg.
        with wave.open(str(clip.path), "rb") as wav:
            audio = segment_class(
                data=wav.readframes(wav.getnframes()),
                sample_width=wav.getsampwidth(),
                frame_rate=wav.getframerate(),
                channels=wav.getnchannels(),
            )
    except (OSError, EOFError, RuntimeError, wave.Error) as exc:
        # RuntimeError: Python's chunk reader on some malformed RIFF data.
        raise SynthesisError(f"{clip.path.name}: unreadable clip ({exc})") from exc
    audio = audio.set_channels(1).set_sample_width(2)
    if audio.frame_rate != rate:
        audio = audio.set_frame_rate(rate)
    return _faded(audio.raw_data, rate * FADE_MS // 1000)


def _faded(pcm: bytes, ramp: int) -> bytes:
    """Linear fade-in and fade-out over ``ramp`` samples; length is unchanged.

    pydub's fades work in whole milliseconds of a rounded length and can add or
    drop a few frames; chapter offsets need exact frame counts.
    """
    samples = array("h", pcm)
    if sys.byteorder == "big":  # WAV PCM is little-endian
        samples.byteswap()
    ramp = min(ramp, len(samples) // 4)
    last = len(samples) - 1
    for i in range(ramp):
        scale = i / ramp
        samples[i] = int(samples[i] * scale)
        samples[last - i] = int(samples[last - i] * scale)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


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
                pcm = _load(clip, rate, segment_class)
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
