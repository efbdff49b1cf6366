"""Stitching: clips + pauses → one WAV, with exact chapter and cue offsets."""

import math
import os
import wave
from array import array
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

from digest.config import Settings, build_settings
from digest.errors import SynthesisError
from digest.models import Clip, Line, LineKind, Mix, Review, Script, Segment, Summary
from digest.options import script_options
from digest.script import write_script
from digest.stitch import (
    END_FADE_MS,
    END_KEEP_MS,
    FADE_MS,
    KEEP_MS,
    LEAD_IN_MS,
    MUSIC_BED_DB,
    MUSIC_DUCK_DB,
    MUSIC_LEAD_MS,
    MUSIC_TAIL_MS,
    add_music,
    music_envelopes,
    music_seconds,
    stitch,
)

from .conftest import FakeSynthesizer, render_clips


@dataclass(frozen=True)
class Rendered:
    """A small script, its fake clips and the stitched mix."""

    settings: Settings
    script: Script
    clips: tuple[Clip, ...]
    mix: Mix


def summary(title: str, *sentences: str) -> Summary:
    """A Summary of a made-up review."""
    return Summary(Review(Path(f"{title}.txt"), title, " ".join(sentences)), sentences)


def tone_wav(
    path: Path, seconds: float, rate: int, channels: int = 1, pitch: float = 200.0
) -> int:
    """Write a 16-bit tone WAV by hand; return its frame count."""
    frames = int(seconds * rate)
    samples = array(
        "h",
        (
            int(6000 * math.sin(2 * math.pi * pitch * (i // channels) / rate))
            for i in range(frames * channels)
        ),
    )
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return frames


def samples(path: Path) -> array:
    """All 16-bit mono samples of a WAV."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        data = array("h", wav.readframes(wav.getnframes()))
    assert data.itemsize == 2
    return data


def silence_frames(ms: int, rate: int) -> int:
    """How many frames of silence a pause of ``ms`` becomes."""
    return rate * ms // 1000


def clip_starts(clips: tuple[Clip, ...], rate: int) -> list[int]:
    """Frame offset of each clip in the mix, from the records alone."""
    starts = []
    pos = silence_frames(LEAD_IN_MS, rate)
    for clip in clips:
        starts.append(pos)
        pos += clip.frames + silence_frames(clip.line.pause_after_ms, rate)
    return starts


# Clips are joined frame-exact; only resampling (other rates) may move a frame.
SLACK = 0


def locate(mix: bytes, clip: Clip, near: int, reach: int = 100) -> int:
    """Where ``clip`` starts in ``mix`` (raw bytes): the match of an unfaded
    stretch of its middle closest to the expected frame ``near``.

    The fake tones repeat exactly every few hundred samples, so of several
    matches within ``reach`` frames the nearest one is the clip's.
    """
    source = samples(clip.path)
    skip = FADE_MS * clip.sample_rate // 1000 + 10
    probe = source[skip : skip + 200].tobytes()
    hits = []
    pos = mix.find(probe, 2 * max(0, near + skip - reach))
    while 0 <= pos <= 2 * (near + skip + reach):
        if pos % 2 == 0:
            hits.append(pos // 2 - skip)
        pos = mix.find(probe, pos + 1)
    assert hits, f"clip {clip.line.text!r} not found in the mix"
    return min(hits, key=lambda hit: abs(hit - near))


def regions(mix: array, clips: tuple[Clip, ...], total: int) -> list[tuple[int, int]]:
    """(start, end) frames of each clip's audio in the mix, found in the samples."""
    rate = clips[0].sample_rate
    raw = mix.tobytes()
    starts = [
        locate(raw, clip, near)
        for clip, near in zip(clips, clip_starts(clips, rate), strict=True)
    ]
    ends = [
        nxt - silence_frames(clip.line.pause_after_ms, rate)
        for clip, nxt in zip(clips, [*starts[1:], total], strict=True)
    ]
    return list(zip(starts, ends, strict=True))


def make_clips(
    script: Script, settings: Settings, synth: FakeSynthesizer, workdir: Path
) -> tuple[Clip, ...]:
    """Render every line of ``script`` with the fake synthesizer."""
    workdir.mkdir(exist_ok=True)
    return render_clips(
        script.lines,
        synth,
        script_options(settings).voice,
        workdir,
    )


@pytest.fixture
def rendered(tmp_path: Path, fake_synth: FakeSynthesizer) -> Rendered:
    """Two short reviews, rendered with the fake synthesizer and stitched."""
    settings = build_settings({"episode_date": date(2024, 3, 5)}, env={})
    summaries = [
        summary("Alpha", "Short one.", "A second short one."),
        summary("Beta", "Only this."),
    ]
    script = write_script(summaries, script_options(settings))
    clips = make_clips(script, settings, fake_synth, tmp_path / "clips")
    mix = stitch(clips, script.segments, tmp_path / "mix.wav")
    return Rendered(settings, script, clips, mix)


# --- length and header ---------------------------------------------------------


def expected_frames(clips: tuple[Clip, ...]) -> int:
    """Lead-in + every clip + every pause, from the records alone."""
    rate = clips[0].sample_rate
    return (
        silence_frames(LEAD_IN_MS, rate)
        + sum(clip.frames for clip in clips)
        + sum(silence_frames(clip.line.pause_after_ms, rate) for clip in clips)
    )


def test_mix_length_is_exactly_lead_in_plus_clips_plus_pauses(
    rendered: Rendered,
) -> None:
    assert rendered.mix.frames == expected_frames(rendered.clips)


def test_mix_length_is_lead_in_plus_clips_plus_pauses_within_a_few_frames(
    rendered: Rendered,
) -> None:
    clips = rendered.clips
    assert len(clips) == len(rendered.script.lines) == 8
    assert abs(rendered.mix.frames - expected_frames(clips)) <= SLACK * len(clips)
    assert rendered.mix.sample_rate == clips[0].sample_rate == 22050
    assert rendered.mix.seconds == pytest.approx(
        rendered.mix.frames / rendered.mix.sample_rate
    )


def test_wav_header_agrees_with_the_mix(rendered: Rendered, tmp_path: Path) -> None:
    mix = rendered.mix
    assert mix.wav == tmp_path / "mix.wav"
    with wave.open(str(mix.wav), "rb") as wav:
        assert wav.getnframes() == mix.frames
        assert wav.getframerate() == mix.sample_rate
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
    assert len(samples(mix.wav)) == mix.frames


def test_clips_sit_in_order_between_exact_silences(rendered: Rendered) -> None:
    rate = rendered.mix.sample_rate
    mix = samples(rendered.mix.wav)
    found = regions(mix, rendered.clips, rendered.mix.frames)
    lead = silence_frames(LEAD_IN_MS, rate)
    assert found[0][0] == lead
    assert not any(mix[:lead])
    edge = FADE_MS * rate // 1000 + 2  # leave the faded ends out
    last = END_FADE_MS * rate // 1000 + 2  # the episode's last word fades longer
    for index, (clip, (start, end)) in enumerate(
        zip(rendered.clips, found, strict=True)
    ):
        assert abs((end - start) - clip.frames) <= SLACK, clip.line.text
        source = samples(clip.path)
        faded = last if index == len(found) - 1 else edge
        middle = clip.frames - faded - SLACK
        assert mix[start + edge : start + middle] == source[edge:middle]
        gap = silence_frames(clip.line.pause_after_ms, rate)
        assert not any(mix[end : end + gap]), f"pause after {clip.line.text!r}"
    assert found[-1][1] == rendered.mix.frames  # the outro has no pause after it


# --- chapters and cues ---------------------------------------------------------


def test_one_contiguous_chapter_per_segment(rendered: Rendered) -> None:
    chapters = rendered.mix.chapters
    segments = rendered.script.segments
    assert [c.title for c in chapters] == [s.title for s in segments]
    assert [c.title for c in chapters] == ["Intro", "Alpha", "Beta", "Outro"]
    assert chapters[0].start_ms == 0
    for before, after in zip(chapters, chapters[1:], strict=False):
        assert after.start_ms == before.end_ms
    for chapter in chapters:
        assert chapter.start_ms < chapter.end_ms
    assert abs(chapters[-1].end_ms - rendered.mix.seconds * 1000) <= 1


def test_chapters_start_where_their_first_line_starts(rendered: Rendered) -> None:
    cues = iter(rendered.mix.cues)
    for index, (chapter, segment) in enumerate(
        zip(rendered.mix.chapters, rendered.script.segments, strict=True)
    ):
        seg_cues = [next(cues) for _ in segment.lines]
        if index:
            assert chapter.start_ms == seg_cues[0].start_ms
        else:
            assert seg_cues[0].start_ms == LEAD_IN_MS  # lead-in belongs to the intro
        assert seg_cues[-1].end_ms <= chapter.end_ms


def test_one_cue_per_line_in_order(rendered: Rendered) -> None:
    cues = rendered.mix.cues
    lines = rendered.script.lines
    assert [(c.speaker, c.text) for c in cues] == [
        (ln.speaker, ln.text) for ln in lines
    ]
    for cue in cues:
        assert cue.start_ms < cue.end_ms
    for before, after in zip(cues, cues[1:], strict=False):
        assert after.start_ms > before.end_ms  # every line here has a pause after it
    assert cues[-1].end_ms <= rendered.mix.chapters[-1].end_ms


def test_cues_match_where_the_clips_really_are(rendered: Rendered) -> None:
    rate = rendered.mix.sample_rate
    mix = samples(rendered.mix.wav)
    found = regions(mix, rendered.clips, rendered.mix.frames)
    for cue, clip, (start, end) in zip(
        rendered.mix.cues, rendered.clips, found, strict=True
    ):
        assert cue.start_ms == round(start * 1000 / rate)
        assert cue.end_ms == round(end * 1000 / rate)
        assert abs((cue.end_ms - cue.start_ms) - clip.seconds * 1000) <= 1


def test_pauses_between_cues_follow_the_script(rendered: Rendered) -> None:
    cues = rendered.mix.cues
    for index, clip in enumerate(rendered.clips[:-1]):
        gap = cues[index + 1].start_ms - cues[index].end_ms
        assert abs(gap - clip.line.pause_after_ms) <= 1, clip.line.kind


# --- fades ---------------------------------------------------------------------


def test_every_clip_fades_in_and_out(rendered: Rendered) -> None:
    rate = rendered.mix.sample_rate
    mix = samples(rendered.mix.wav)
    window = rate // 1000  # the first / last millisecond
    found = regions(mix, rendered.clips, rendered.mix.frames)
    for clip, (start, end) in zip(rendered.clips, found, strict=True):
        source = samples(clip.path)
        peak = max(abs(s) for s in source)
        assert peak > 1000
        head, tail = mix[start : start + window], mix[end - window : end]
        # the unfaded clip is loud right there, so the fade is what makes it quiet
        assert max(abs(s) for s in source[:window]) > 0.4 * peak
        assert max(abs(s) for s in source[-window:]) > 0.4 * peak
        assert max(abs(s) for s in head) < 0.2 * peak, f"no fade-in: {clip.line.text!r}"
        assert max(abs(s) for s in tail) < 0.2 * peak, (
            f"no fade-out: {clip.line.text!r}"
        )
        assert abs(mix[start]) < 0.05 * peak
        assert abs(mix[end - 1]) < 0.05 * peak


# --- errors --------------------------------------------------------------------


def test_fewer_clips_than_lines_is_an_error(rendered: Rendered, tmp_path: Path) -> None:
    with pytest.raises(SynthesisError, match="7 clips for 8 script lines"):
        stitch(rendered.clips[:-1], rendered.script.segments, tmp_path / "x.wav")


def test_more_clips_than_lines_is_an_error(rendered: Rendered, tmp_path: Path) -> None:
    clips = (*rendered.clips, rendered.clips[0])
    with pytest.raises(SynthesisError, match="9 clips for 8 script lines"):
        stitch(clips, rendered.script.segments, tmp_path / "x.wav")


def test_no_clips_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SynthesisError, match="nothing to stitch"):
        stitch([], [], tmp_path / "x.wav")
    segments = [Segment("Intro", (Line("host", "Hi.", LineKind.INTRO, 0),))]
    with pytest.raises(SynthesisError, match="nothing to stitch"):
        stitch([], segments, tmp_path / "x.wav")


def test_missing_clip_file_is_a_synthesis_error(tmp_path: Path) -> None:
    line = Line("host", "Hi.", LineKind.INTRO, 0)
    clip = Clip(line, tmp_path / "gone.wav", 100, 22050)
    with pytest.raises(SynthesisError, match="gone.wav: unreadable clip"):
        stitch([clip], [Segment("Intro", (line,))], tmp_path / "x.wav")


def test_corrupt_clip_is_a_synthesis_error_when_ffmpeg_is_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-ins for a system ffmpeg/ffprobe that, like the real ones, reject junk.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in [
        ("ffprobe", '#!/bin/sh\necho "{}"\nexit 1\n'),
        ("ffmpeg", "#!/bin/sh\necho 'Invalid data found' >&2\nexit 1\n"),
    ]:
        (bin_dir / name).write_text(script, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk that is no wav")
    line = Line("host", "Hi.", LineKind.INTRO, 0)
    clip = Clip(line, bad, 100, 22050)
    with pytest.raises(SynthesisError, match="bad.wav"):
        stitch([clip], [Segment("Intro", (line,))], tmp_path / "x.wav")


# --- formats -------------------------------------------------------------------


@pytest.mark.parametrize(("first_rate", "other_rate"), [(22050, 16000), (16000, 22050)])
def test_clip_at_another_rate_is_resampled_to_the_first_clips_rate(
    tmp_path: Path, first_rate: int, other_rate: int
) -> None:
    lines = [
        Line("host", "First.", LineKind.INTRO, 100),
        Line("narrator", "Second.", LineKind.SENTENCE, 200),
        Line("host", "Third.", LineKind.OUTRO, 0),
    ]
    rates = [first_rate, other_rate, first_rate]
    clips = []
    for index, (line, rate) in enumerate(zip(lines, rates, strict=True)):
        path = tmp_path / f"clip-{index}.wav"
        frames = tone_wav(path, 0.5 + 0.25 * index, rate)
        clips.append(Clip(line, path, frames, rate))
    segments = [Segment("Intro", tuple(lines[:2])), Segment("Outro", (lines[2],))]

    mix = stitch(clips, segments, tmp_path / "mix.wav")

    assert mix.sample_rate == first_rate
    with wave.open(str(mix.wav), "rb") as wav:
        assert wav.getframerate() == first_rate
        assert wav.getnframes() == mix.frames
    resampled = clips[1].frames * first_rate / other_rate
    expected = (
        silence_frames(LEAD_IN_MS, first_rate)
        + clips[0].frames
        + clips[2].frames
        + resampled
        + silence_frames(100, first_rate)
        + silence_frames(200, first_rate)
    )
    assert abs(mix.frames - expected) <= 2  # the resampler rounds once
    for cue, clip in zip(mix.cues, clips, strict=True):
        assert abs((cue.end_ms - cue.start_ms) - clip.seconds * 1000) <= 1
    assert abs(mix.chapters[-1].end_ms - mix.seconds * 1000) <= 1


def test_stereo_clip_is_mixed_down_to_mono(tmp_path: Path) -> None:
    line = Line("host", "Hi.", LineKind.OUTRO, 0)
    frames = tone_wav(tmp_path / "stereo.wav", 0.5, 22050, channels=2)
    clip = Clip(line, tmp_path / "stereo.wav", frames, 22050)
    mix = stitch([clip], [Segment("Outro", (line,))], tmp_path / "mix.wav")
    # one channel's worth of frames, not two
    assert abs(mix.frames - (silence_frames(LEAD_IN_MS, 22050) + frames)) <= SLACK
    assert len(samples(mix.wav)) == mix.frames


def test_short_clip_still_stitches_exactly(tmp_path: Path) -> None:
    """A clip too short for the full fade keeps its length."""
    line = Line("host", "Hm.", LineKind.OUTRO, 0)
    frames = tone_wav(tmp_path / "short.wav", 0.003, 22050)
    clip = Clip(line, tmp_path / "short.wav", frames, 22050)
    mix = stitch([clip], [Segment("Outro", (line,))], tmp_path / "mix.wav")
    assert mix.frames == silence_frames(LEAD_IN_MS, 22050) + frames


def test_offsets_come_from_the_audio_not_from_clip_frames(
    rendered: Rendered, tmp_path: Path
) -> None:
    """Offsets come from the audio actually read, not from Clip.frames."""
    wrong = tuple(replace(c, frames=c.frames + 1000) for c in rendered.clips)
    mix = stitch(wrong, rendered.script.segments, tmp_path / "again.wav")
    assert mix.frames == rendered.mix.frames
    assert mix.cues == rendered.mix.cues
    assert mix.chapters == rendered.mix.chapters


# --- silence around the speech ------------------------------------------------------


def padded_wav(path: Path, lead_s: float, tone_s: float, tail_s: float) -> int:
    """A tone with exact digital silence before and after it, like espeak writes."""
    rate = 22050
    tone = tone_wav(path, tone_s, rate, pitch=300.0)
    with wave.open(str(path), "rb") as wav:
        middle = wav.readframes(wav.getnframes())
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * int(lead_s * rate) + middle)
        wav.writeframes(b"\0\0" * int(tail_s * rate))
    return tone


def test_engine_silence_around_a_clip_is_trimmed_to_a_few_ms(tmp_path: Path) -> None:
    line = Line("host", "Hi.", LineKind.INTRO, 500)
    tone = padded_wav(tmp_path / "padded.wav", 0.3, 1.0, 0.4)
    clip = Clip(line, tmp_path / "padded.wav", int(1.7 * 22050), 22050)
    mix = stitch([clip], [Segment("Intro", (line,))], tmp_path / "mix.wav")
    # The episode's last word keeps END_KEEP_MS of its decay (then fades out).
    keep = silence_frames(KEEP_MS, 22050) + silence_frames(END_KEEP_MS, 22050)
    speech = tone + keep - 1  # the tone's first sample is a zero crossing
    assert abs(mix.frames - (silence_frames(LEAD_IN_MS, 22050) + speech + 11025)) <= 1
    (cue,) = mix.cues
    assert cue.start_ms == LEAD_IN_MS
    assert abs(cue.end_ms - cue.start_ms - 1000 - KEEP_MS - END_KEEP_MS) <= 1
    data = samples(mix.wav)
    first = next(i for i, v in enumerate(data) if abs(v) > 104)
    # the voice starts within a few milliseconds of its cue
    assert 0 <= first * 1000 / 22050 - cue.start_ms <= KEEP_MS + 2


def test_silent_clip_is_kept_as_it_is(tmp_path: Path) -> None:
    line = Line("host", "Hm.", LineKind.OUTRO, 0)
    path = tmp_path / "quiet.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(b"\0\0" * 2205)
    mix = stitch(
        [Clip(line, path, 2205, 22050)], [Segment("Outro", (line,))], tmp_path / "m.wav"
    )
    assert mix.frames == silence_frames(LEAD_IN_MS, 22050) + 2205


def test_lead_in_and_tail_belong_to_first_and_last_chapter(
    rendered: Rendered, tmp_path: Path
) -> None:
    mix = stitch(
        rendered.clips,
        rendered.script.segments,
        tmp_path / "framed.wav",
        lead_in_ms=3000,
        tail_ms=1500,
    )
    rate = mix.sample_rate
    extra = silence_frames(3000, rate) + silence_frames(1500, rate)
    assert mix.frames == rendered.mix.frames - silence_frames(LEAD_IN_MS, rate) + extra
    assert mix.cues[0].start_ms == 3000
    assert mix.chapters[0].start_ms == 0
    assert mix.chapters[-1].end_ms - mix.cues[-1].end_ms == 1500
    assert not any(samples(mix.wav)[-silence_frames(1500, rate) :])


# --- music under the intro and outro ----------------------------------------------

MUSIC_HZ = 1000.0  # far from the fake voices' 180-340 Hz


def music_wav(path: Path, seconds: float, rate: int = 22050, amp: int = 8000) -> Path:
    """A plain tone standing in for decoded music."""
    tone_wav(path, seconds, rate, pitch=MUSIC_HZ)
    if amp != 6000:
        data = samples(path)
        scaled = array("h", (int(v * amp / 6000) for v in data))
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(scaled.tobytes())
    return path


def level_db(data: array, rate: int, start_ms: int, end_ms: int, hz: float) -> float:
    """Level (dBFS) of the ``hz`` component between two times (Goertzel)."""
    i0, i1 = rate * start_ms // 1000, rate * end_ms // 1000
    w = 2 * math.pi * hz / rate
    re = sum(data[i0 + k] * math.cos(w * k) for k in range(i1 - i0))
    im = sum(data[i0 + k] * math.sin(w * k) for k in range(i1 - i0))
    amp = 2 * math.hypot(re, im) / (i1 - i0)
    return 20 * math.log10(max(amp, 1e-6) / 32768)


@pytest.fixture
def framed(rendered: Rendered, tmp_path: Path) -> Mix:
    """The rendered clips stitched with room for music."""
    return stitch(
        rendered.clips,
        rendered.script.segments,
        tmp_path / "framed.wav",
        lead_in_ms=MUSIC_LEAD_MS,
        tail_ms=MUSIC_TAIL_MS,
    )


def test_music_envelopes_follow_the_intro_and_outro(framed: Mix) -> None:
    intro, outro = music_envelopes(framed)
    duck = 10 ** (MUSIC_DUCK_DB / 20)
    for env in (intro, outro):
        times = [t for t, _ in env]
        assert times == sorted(times)
        assert env[0][1] == 0.0  # fades in from nothing
        assert env[-1][1] == 0.0  # and out to nothing
        assert all(0.0 <= g <= 1.0 for _, g in env)
    first_cue, last_cue = framed.cues[0], framed.cues[-1]
    assert intro[0][0] == 0
    assert (first_cue.start_ms, duck) in intro
    assert (first_cue.end_ms, duck) in intro
    assert intro[-1][0] <= framed.chapters[0].end_ms
    assert (last_cue.start_ms, duck) in outro
    assert outro[-1][0] == round(framed.seconds * 1000)
    assert outro[0][0] > framed.cues[-2].end_ms  # after the last review ends
    needed = max(intro[-1][0] - intro[0][0], outro[-1][0] - outro[0][0]) / 1000
    assert music_seconds(framed) == needed


def test_music_is_ducked_under_speech_and_absent_elsewhere(
    framed: Mix, tmp_path: Path
) -> None:
    music = music_wav(tmp_path / "music.wav", music_seconds(framed) + 1)
    mixed = add_music(framed, music, tmp_path / "with-music.wav")
    assert mixed.wav == tmp_path / "with-music.wav"
    assert (mixed.frames, mixed.chapters, mixed.cues) == (
        framed.frames,
        framed.chapters,
        framed.cues,
    )
    rate = framed.sample_rate
    data, dry = samples(mixed.wav), samples(framed.wav)
    assert len(data) == len(dry)
    intro_cue, outro_cue = framed.cues[0], framed.cues[-1]
    alone = level_db(data, rate, 1000, 2500, MUSIC_HZ)
    under = level_db(data, rate, intro_cue.start_ms + 50, intro_cue.end_ms, MUSIC_HZ)
    after = level_db(
        data, rate, outro_cue.end_ms + 600, outro_cue.end_ms + 1400, MUSIC_HZ
    )
    assert under < alone - 15  # ducked (MUSIC_DUCK_DB is -18 dB)
    assert abs(after - alone) < 1.5  # back up after the host's last word
    # the bed sits MUSIC_BED_DB under the speech level
    speech_rms = math.sqrt(
        sum(
            v * v
            for v in dry[
                rate * intro_cue.start_ms // 1000 : rate * intro_cue.end_ms // 1000
            ]
        )
        / (rate * (intro_cue.end_ms - intro_cue.start_ms) // 1000)
    )
    bed_rms_db = alone + 20 * math.log10(32768 / math.sqrt(2))  # sine: peak/sqrt(2)
    assert abs(bed_rms_db - (20 * math.log10(speech_rms) + MUSIC_BED_DB)) < 3
    # between the intro's fade and the outro's entry the episode is untouched
    intro_env, outro_env = music_envelopes(framed)
    middle = slice(rate * intro_env[-1][0] // 1000, rate * outro_env[0][0] // 1000)
    assert intro_env[-1][0] <= framed.chapters[1].start_ms
    assert outro_env[0][0] > framed.cues[-2].end_ms
    assert data[middle] == dry[middle]
    # faded in from nothing, faded out to nothing
    assert max(abs(v) for v in data[: rate // 100]) < 300
    assert max(abs(v) for v in data[-rate // 100 :]) < 300


def test_short_music_is_looped(framed: Mix, tmp_path: Path) -> None:
    music = music_wav(tmp_path / "jingle.wav", 0.5)
    mixed = add_music(framed, music, tmp_path / "looped.wav")
    data = samples(mixed.wav)
    rate = framed.sample_rate
    end = framed.cues[-1].end_ms
    assert level_db(data, rate, end + 600, end + 1400, MUSIC_HZ) > -30


def test_silent_music_leaves_the_mix_alone(
    framed: Mix, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    music = music_wav(tmp_path / "silent.wav", 2.0, amp=0)
    assert add_music(framed, music, tmp_path / "out.wav") == framed
    assert "silent" in caplog.text


def test_music_at_another_rate_is_refused(framed: Mix, tmp_path: Path) -> None:
    music = music_wav(tmp_path / "m.wav", 2.0, rate=44100)
    with pytest.raises(SynthesisError, match="not decoded to mono 22050"):
        add_music(framed, music, tmp_path / "out.wav")


# --- stitching while clips arrive ------------------------------------------------


def test_clips_arriving_out_of_order_give_the_same_mix(
    rendered: Rendered, tmp_path: Path
) -> None:
    from digest.encode.units import unit_spans
    from digest.stitch import Stitcher

    clips = rendered.clips
    stitcher = Stitcher(rendered.script.segments, tmp_path / "streamed.wav")
    order = list(range(len(clips)))[::-1]  # the last line first
    written: list[int] = []
    for index in order:
        done = stitcher.add(index, clips[index])
        written += done
        for seg in done:
            # A written segment is readable from the WAV at once, by another handle.
            start, frames = stitcher.span(seg)
            with wave.open(str(tmp_path / "streamed.wav"), "rb") as wav:
                assert wav.getnframes() >= start + frames
    # Nothing can be written before line 0 arrives; then every segment at once.
    assert written == list(range(len(rendered.script.segments)))
    mix = stitcher.finish()
    assert (tmp_path / "streamed.wav").read_bytes() == rendered.mix.wav.read_bytes()
    assert (mix.chapters, mix.cues, mix.cuts) == (
        rendered.mix.chapters,
        rendered.mix.cues,
        rendered.mix.cuts,
    )
    assert [stitcher.span(i) for i in range(len(mix.cuts))] == unit_spans(mix)


def test_a_segment_is_written_as_soon_as_its_clips_and_those_before_are_in(
    rendered: Rendered, tmp_path: Path
) -> None:
    from digest.stitch import Stitcher

    segments = rendered.script.segments
    stitcher = Stitcher(segments, tmp_path / "streamed.wav")
    first = len(segments[0].lines)
    got = [stitcher.add(i, rendered.clips[i]) for i in range(first)]
    assert got[:-1] == [[]] * (first - 1)
    assert got[-1] == [0]
    with pytest.raises(SynthesisError, match="not every clip"):
        stitcher.finish()  # the other segments never came
