"""Stitching: :class:`Clip` files → one PCM WAV :class:`Mix` (pydub).

In: the clips in speaking order and the script's segments. Out: ``mix.wav`` in the
work folder plus the exact chapter and cue offsets, computed from frame counts (not
pydub's rounded milliseconds). Each clip loses the silence espeak leaves around the
speech (so pauses are exactly the configured ones and cues start where the voice
does), gets a few milliseconds of fade at both ends so joins never click, then is
streamed into the WAV followed by its pause: joining is linear and the episode is
never held in memory as one segment.

:func:`add_music` then lays an optional music bed under the intro and outro,
ducked under the speech, into a second WAV.
"""

import logging
import math
import sys
import warnings
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from digest.errors import SynthesisError
from digest.media.wav import WavError, WavReader, WavWriter, read_pcm
from digest.models import Chapter, Clip, Cue, Mix, Segment

FADE_MS = 6
LEAD_IN_MS = 250
# Clip edges quieter than this (about -50 dBFS) are the engine's silence; a few
# milliseconds of it are kept so fades never touch the first consonant.
SILENCE_LEVEL = 104
KEEP_MS = 12
# The episode's last word keeps more of espeak's decay and fades out over it, so
# it dies away instead of stopping at -50 dBFS; then TAIL_MS of silence close the
# episode (players and podcast apps cut or crossfade the last moments).
END_KEEP_MS = 120
END_FADE_MS = 100
TAIL_MS = 1500


def _pydub() -> Any:
    """Import pydub's AudioSegment quietly, only when audio is actually joined."""
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH (jiaaro/pydub#348) and
        # Python 3.11/3.12 warn about audioop; neither matters for reading WAVs.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment
    return AudioSegment


def _load(clip: Clip, rate: int, segment_class: Any, *, last: bool = False) -> bytes:
    """A clip as 16-bit mono PCM at ``rate``, with a short fade at both ends.

    The episode's ``last`` clip keeps a longer tail and fades out over it.
    """
    try:
        # Read the WAV ourselves: pydub's from_wav leaks its file handle and, on a
        # header it dislikes, silently falls back to ffprobe/ffmpeg.
        info, pcm = read_pcm(clip.path)
    except WavError as exc:
        raise SynthesisError(f"{clip.path.name}: unreadable clip ({exc})") from exc
    audio = segment_class(
        data=pcm,
        sample_width=info.sample_width,
        frame_rate=info.sample_rate,
        channels=info.channels,
    )
    audio = audio.set_channels(1).set_sample_width(2)
    if audio.frame_rate != rate:
        audio = audio.set_frame_rate(rate)
    ramp = rate * FADE_MS // 1000
    if not last:
        return _faded(_trimmed(audio.raw_data, rate), ramp)
    trimmed = _trimmed(audio.raw_data, rate, END_KEEP_MS)
    return _faded(trimmed, ramp, rate * END_FADE_MS // 1000)


def _samples(pcm: bytes) -> "array[int]":
    """16-bit little-endian PCM as native samples."""
    samples = array("h", pcm)
    if sys.byteorder == "big":  # WAV PCM is little-endian
        samples.byteswap()
    return samples


def _pcm(samples: "array[int]") -> bytes:
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def _np() -> Any:
    import numpy

    return numpy


def _trimmed(pcm: bytes, rate: int, keep_after_ms: int = KEEP_MS) -> bytes:
    """Drop the silence around the speech, keeping ``KEEP_MS`` before it.

    ``keep_after_ms`` of it are kept after the speech. espeak pads every clip
    (about 30 ms before, 300 ms after): left in, it would lengthen every pause
    and put cues ahead of the voice.
    """
    np = _np()
    samples = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL)
    if len(loud) == 0:
        return pcm  # all quiet: leave it to the caller as it is
    keep = rate * KEEP_MS // 1000
    start = max(0, int(loud[0]) - keep)
    end = min(len(samples), int(loud[-1]) + 1 + rate * keep_after_ms // 1000)
    return pcm[2 * start : 2 * end]


def _faded(pcm: bytes, ramp: int, ramp_out: int | None = None) -> bytes:
    """Linear fade-in over ``ramp`` samples, fade-out over ``ramp_out`` (or ``ramp``).

    The length is unchanged: pydub's fades work in whole milliseconds of a
    rounded length and can add or drop a few frames; chapter offsets need exact
    frame counts. Each faded sample is truncated toward zero.
    """
    np = _np()
    samples = np.frombuffer(pcm, dtype="<i2").copy()
    ramp_in = min(ramp, len(samples) // 4)
    ramp_out = min(ramp if ramp_out is None else ramp_out, len(samples) // 4)
    if ramp_in <= 0:
        return pcm
    samples[:ramp_in] = np.trunc(samples[:ramp_in] * (np.arange(ramp_in) / ramp_in))
    down = (np.arange(ramp_out) / ramp_out)[::-1]  # ends on a zero sample
    samples[len(samples) - ramp_out :] = np.trunc(
        samples[len(samples) - ramp_out :] * down
    )
    return bytes(samples.astype("<i2").tobytes())


def _silence(ms: int, rate: int) -> bytes:
    return b"\x00\x00" * (rate * ms // 1000)


class Stitcher:
    """Writes the mix segment by segment, as the clips of each one arrive.

    Clips may come in any order (:meth:`add`); a segment is written once all of
    its clips and all earlier segments are in, and the WAV is flushed then, so
    :meth:`add` returns the segments (units) whose audio is now readable from
    ``out`` by another handle. ``lead_in_ms`` of silence open the episode
    (players clip the first moments; music needs room), ``tail_ms`` close it;
    both belong to the first and last chapter. The sample rate is that of the
    first line's clip; others are converted to it.
    """

    def __init__(
        self,
        segments: Sequence[Segment],
        out: Path,
        *,
        lead_in_ms: int = LEAD_IN_MS,
        tail_ms: int = 0,
    ) -> None:
        self.segments = tuple(segments)
        self.out = out
        self.lead_in_ms = lead_in_ms
        self.tail_ms = tail_ms
        self._first_line = [0]
        for segment in self.segments:
            self._first_line.append(self._first_line[-1] + len(segment.lines))
        self._pending: dict[int, Clip] = {}
        self._next = 0  # the next segment to write
        self._wav: WavWriter | None = None
        self._segment_class: Any = None
        self.rate = 0
        self.frames = 0
        self.cues: list[Cue] = []
        self.chapters: list[Chapter] = []
        self.cuts: list[int] = []

    @property
    def lines(self) -> int:
        """How many clips the script needs."""
        return self._first_line[-1]

    def _ms(self, frame: int) -> int:
        return round(frame * 1000 / self.rate)

    def _write(self, pcm: bytes) -> None:
        if self._wav is not None:
            self._wav.write(pcm)
        self.frames += len(pcm) // 2

    def _open(self, rate: int) -> None:
        self.rate = rate
        self._segment_class = _pydub()
        self._wav = WavWriter(self.out, rate)
        self._write(_silence(self.lead_in_ms, rate))

    def add(self, index: int, clip: Clip) -> list[int]:
        """Take line ``index``'s clip; the segments this completes, written."""
        if not 0 <= index < self.lines:
            raise SynthesisError(f"a clip for line {index + 1} of {self.lines}")
        self._pending[index] = clip
        written = []
        while self._next < len(self.segments):
            first, end = self._first_line[self._next], self._first_line[self._next + 1]
            if any(i not in self._pending for i in range(first, end)):
                break
            if self._wav is None:
                self._open(self._pending[0].sample_rate)
            self._write_segment(
                self._next, [self._pending.pop(i) for i in range(first, end)]
            )
            written.append(self._next)
            self._next += 1
        if written and self._wav is not None:
            self._wav.flush()
        return written

    def _write_segment(self, seg_index: int, clips: Sequence[Clip]) -> None:
        segment = self.segments[seg_index]
        seg_start = 0 if seg_index == 0 else self.frames
        self.cuts.append(seg_start)
        final = seg_index == len(self.segments) - 1
        for number, clip in enumerate(clips, start=1):
            last = final and number == len(clips)
            pcm = _load(clip, self.rate, self._segment_class, last=last)
            start = self.frames
            self._write(pcm)
            speaker, text = clip.line.speaker, clip.line.text
            self.cues.append(Cue(speaker, text, self._ms(start), self._ms(self.frames)))
            self._write(_silence(clip.line.pause_after_ms, self.rate))
        if final:
            self._write(_silence(self.tail_ms, self.rate))
        self.chapters.append(
            Chapter(segment.title, self._ms(seg_start), self._ms(self.frames))
        )

    def span(self, seg_index: int) -> tuple[int, int]:
        """(first frame, frame count) of a written segment in the WAV."""
        start = self.cuts[seg_index]
        end = (
            self.cuts[seg_index + 1] if seg_index + 1 < len(self.cuts) else self.frames
        )
        return start, end - start

    def finish(self) -> Mix:
        """Close the WAV once every segment is written; where everything landed."""
        if self._next < len(self.segments) or self._wav is None:
            self.close()
            title = self.segments[self._next].title if self.segments else "the episode"
            raise SynthesisError(f"not every clip of {title!r} arrived to be stitched")
        self.close()
        return Mix(
            self.out,
            self.rate,
            self.frames,
            tuple(self.chapters),
            tuple(self.cues),
            tuple(self.cuts),
        )

    def close(self) -> None:
        """Close the WAV (also when the build stops early)."""
        if self._wav is not None:
            self._wav.close()
            self._wav = None


def stitch(
    clips: Sequence[Clip],
    segments: Sequence[Segment],
    out: Path,
    *,
    lead_in_ms: int = LEAD_IN_MS,
    tail_ms: int = 0,
) -> Mix:
    """Write every clip and pause into ``out`` and return where each piece landed."""
    if not clips:
        raise SynthesisError("nothing to stitch: the script has no lines")
    expected = sum(len(seg.lines) for seg in segments)
    if expected != len(clips):
        raise SynthesisError(f"{len(clips)} clips for {expected} script lines")
    stitcher = Stitcher(segments, out, lead_in_ms=lead_in_ms, tail_ms=tail_ms)
    try:
        for index, clip in enumerate(clips):
            stitcher.add(index, clip)
        return stitcher.finish()
    finally:
        stitcher.close()


# --- music under the intro and outro -----------------------------------------------

MUSIC_LEAD_MS = 3000  # music alone before the host's first word
MUSIC_TAIL_MS = 3500  # music after the host's last word
MUSIC_BED_DB = -4.0  # music on its own, relative to the speech's RMS level
MUSIC_DUCK_DB = -18.0  # how far the music dips while someone speaks
MUSIC_FADE_IN_MS = 800
MUSIC_ATTACK_MS = 300  # the dip starts this long before the speech
MUSIC_RELEASE_MS = 500
MUSIC_ENTER_MS = 1000  # the outro music creeps in this long before the outro
MUSIC_FADE_OUT_MS = 2000

log = logging.getLogger("digest")

# (time in ms, gain relative to the bed level), joined by straight lines.
Envelope = tuple[tuple[int, float], ...]


def music_envelopes(mix: Mix) -> tuple[Envelope, Envelope]:
    """The music's gain over the intro and over the outro of ``mix``.

    Intro: fade in, full bed until just before the host speaks, ducked under the
    intro, faded out in the pause after it. Outro: creeps in ducked before the
    outro, rises when the host stops, then fades out with the episode.
    """
    duck = 10 ** (MUSIC_DUCK_DB / 20)
    first, last = mix.chapters[0], mix.chapters[-1]
    intro = [c for c in mix.cues if c.start_ms < first.end_ms]
    outro = [c for c in mix.cues if c.start_ms >= last.start_ms]
    before = [c for c in mix.cues if c.start_ms < last.start_ms]
    start, end = intro[0].start_ms, intro[-1].end_ms
    dip = max(0, start - MUSIC_ATTACK_MS)
    fade_in = min(MUSIC_FADE_IN_MS, dip)
    gone = end + max(300, first.end_ms - end)
    intro_env: Envelope = (
        (0, 0.0), (fade_in, 1.0), (dip, 1.0), (start, duck), (end, duck), (gone, 0.0)
    )  # fmt: skip
    total = round(mix.seconds * 1000)
    o_start, o_end = outro[0].start_ms, outro[-1].end_ms
    enter = max(o_start - MUSIC_ENTER_MS, before[-1].end_ms + 100, gone)
    enter = min(enter, o_start)
    rise = min(o_end + MUSIC_RELEASE_MS, total)
    fade = max(rise, total - MUSIC_FADE_OUT_MS)
    outro_env: Envelope = (
        (enter, 0.0), (o_start, duck), (o_end, duck), (rise, 1.0), (fade, 1.0),
        (total, 0.0),
    )  # fmt: skip
    return intro_env, outro_env


def framing(music: bool) -> tuple[int, int]:
    """Silence (ms) before the first and after the last word: room for music."""
    return (MUSIC_LEAD_MS, MUSIC_TAIL_MS) if music else (LEAD_IN_MS, TAIL_MS)


def music_held(segments: int) -> frozenset[int]:
    """The chapters a music bed may reach: the first two and the last two."""
    return frozenset({0, 1, segments - 2, segments - 1} & set(range(segments)))


def music_reach(mix: Mix) -> set[int]:
    """The chapters a music bed over ``mix`` touches (by index)."""
    reach = set()
    for env in music_envelopes(mix):
        first, last = env[0][0], env[-1][0]
        for index, chapter in enumerate(mix.chapters):
            if chapter.start_ms <= last and first < chapter.end_ms:
                reach.add(index)
    return reach


def music_seconds(mix: Mix) -> float:
    """How much music :func:`add_music` needs: the longer of its two sections."""
    spans = [env[-1][0] - env[0][0] for env in music_envelopes(mix)]
    return max(spans) / 1000


def _gains(env: Envelope, rate: int) -> Iterable[float]:
    """The envelope sample by sample, from its first point to its last."""
    points = [(rate * t // 1000, g) for t, g in env]
    for (f0, g0), (f1, g1) in zip(points, points[1:], strict=False):
        span = f1 - f0
        for i in range(max(0, span)):
            yield g0 + (g1 - g0) * i / span


def _rms(samples: Iterable[int]) -> float:
    total = count = 0
    for value in samples:
        total += value * value
        count += 1
    return math.sqrt(total / count) if count else 0.0


def _section_rms(src: WavReader, cues: Sequence[Cue], rate: int) -> float:
    """RMS level of the speech in ``cues`` read from the open WAV ``src``."""
    total = count = 0
    for cue in cues:
        start = rate * cue.start_ms // 1000
        src.seek(start)
        part = _samples(src.read(rate * cue.end_ms // 1000 - start))
        total += sum(v * v for v in part)
        count += len(part)
    return math.sqrt(total / count) if count else 0.0


def add_music(mix: Mix, music_wav: Path, out: Path) -> Mix:
    """Lay ``music_wav`` (mono 16-bit, ``mix``'s rate) under the intro and outro.

    The music is scaled to sit ``MUSIC_BED_DB`` below the speech on its own and
    ``MUSIC_DUCK_DB`` lower while the host speaks; the loudness pass that
    follows treats speech and music as one. Only the two music sections are
    held in memory; the rest of the episode is copied through in chunks.
    """
    rate = mix.sample_rate
    try:
        info, pcm = read_pcm(music_wav)
    except WavError as exc:
        raise SynthesisError(f"{music_wav.name}: unreadable music ({exc})") from exc
    if info.sample_rate != rate or info.channels != 1:
        raise SynthesisError(f"{music_wav.name}: music not decoded to mono {rate}")
    music = _samples(pcm)
    music_rms = _rms(music)
    if music_rms < 1.0:
        log.warning("%s: the music is silent; the episode has none", music_wav.name)
        return mix
    first, last = mix.chapters[0], mix.chapters[-1]
    hosted = [
        c for c in mix.cues if c.start_ms < first.end_ms or c.start_ms >= last.start_ms
    ]
    chunk = rate * 10  # frames copied at a time outside the music
    with WavReader(mix.wav) as src, WavWriter(out, rate) as dst:
        bed = _section_rms(src, hosted, rate) * 10 ** (MUSIC_BED_DB / 20) / music_rms
        src.seek(0)
        pos = 0
        for env in music_envelopes(mix):
            begin = max(pos, rate * env[0][0] // 1000)
            while pos < begin:  # speech only, copied as it is
                step = min(chunk, begin - pos)
                dst.write(src.read(step))
                pos += step
            skip = pos - rate * env[0][0] // 1000  # when the sections overlap
            gains = list(_gains(env, rate))[skip:]
            part = _samples(src.read(len(gains)))
            for offset, gain in enumerate(gains[: len(part)]):
                sample = music[(skip + offset) % len(music)]
                value = part[offset] + round(sample * gain * bed)
                part[offset] = max(-32768, min(32767, value))
            dst.write(_pcm(part))
            pos += len(part)
        while pos < src.frames:
            data = src.read(chunk)
            dst.write(data)
            pos += len(data) // 2
    return replace(mix, wav=out)
