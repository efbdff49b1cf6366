"""The real episode, decoded: chapters where the voice starts, no dead air, loudness,
few frames at the peak, a silent tail, music ducked under the host, cover art and
track number in the tags.

Every test here builds with the real speech engine and ffmpeg and measures the MP3
it wrote; nothing is taken from the pipeline's own bookkeeping unchecked.
"""

import math
import subprocess
from array import array
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

from digest.commands import plan_episode
from digest.config import Settings, build_settings
from digest.media.engines import find_ffmpeg
from digest.models import Cue
from digest.pipeline import BuildResult, build_episode
from digest.stitch import LEAD_IN_MS, MUSIC_LEAD_MS, TAIL_MS

from .conftest import EXAMPLES, REPO, long_silences, loudness

pytestmark = pytest.mark.integration

RATE = 22050  # decode rate for the measurements
WINDOW_MS = 5
ONSET_LEVEL = 328  # RMS of a 5 ms window: -40 dBFS, far above MP3 noise in a pause
MUSIC_HZ = 660.0


@dataclass(frozen=True)
class Built:
    """One real build and its decoded samples."""

    result: BuildResult
    mp3: Path
    samples: array
    settings: Settings


def ffmpeg(*args: str) -> bytes:
    """Run the ffmpeg digest uses and return its stdout."""
    exe = str(find_ffmpeg().path)
    cmd = [exe, "-hide_banner", "-nostdin", "-v", "error", *args]
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def decode(mp3: Path) -> array:
    """The MP3 as mono 16-bit samples at RATE."""
    return array(
        "h", ffmpeg("-i", str(mp3), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-")
    )


def build(out: Path, **flags: object) -> Built:
    """Build the examples with the repository's voices and a fixed date."""
    settings = build_settings(
        {
            "output": out,
            "episode_date": date(2026, 11, 21),
            "sentences": 2,
            "use_nltk_data": False,
            **flags,
        },
        voices_dir=REPO / "voices",
        env={},
    )
    result = build_episode([EXAMPLES], settings)
    return Built(result, out, decode(out), settings)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The examples episode with a JPEG cover and a track number."""
    folder = tmp_path_factory.mktemp("plain")
    cover = folder / "cover.jpg"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "color=c=0x336699:s=1400x1400",
        "-frames:v",
        "1",
        str(cover),
    )
    return build(folder / "episode.mp3", cover=cover, track=12)


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The same episode with a generated tone + noise bed as intro/outro music."""
    folder = tmp_path_factory.mktemp("music")
    bed = folder / "bed.ogg"
    ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency={MUSIC_HZ}:duration=5",
        "-f", "lavfi", "-i", "anoisesrc=d=5:c=pink:a=0.03",
        "-filter_complex", "amix=inputs=2", "-c:a", "libvorbis", str(bed),
    )  # fmt: skip
    return build(folder / "music.mp3", music=bed)


def onset_ms(samples: array, from_ms: int) -> float:
    """Where sound first rises above ONSET_LEVEL after ``from_ms``."""
    step = RATE * WINDOW_MS // 1000
    pos = max(0, RATE * from_ms // 1000)
    while pos + step <= len(samples):
        window = samples[pos : pos + step]
        if math.sqrt(sum(v * v for v in window) / step) > ONSET_LEVEL:
            return pos * 1000 / RATE
        pos += step
    raise AssertionError(f"no sound after {from_ms} ms")


def tone_db(samples: array, start_ms: int, end_ms: int, hz: float) -> float:
    """Level (dBFS) of one frequency between two times (Goertzel)."""
    i0, i1 = RATE * start_ms // 1000, RATE * end_ms // 1000
    w = 2 * math.pi * hz / RATE
    re = sum(samples[i0 + k] * math.cos(w * k) for k in range(i1 - i0))
    im = sum(samples[i0 + k] * math.sin(w * k) for k in range(i1 - i0))
    return 20 * math.log10(max(2 * math.hypot(re, im) / (i1 - i0), 1e-6) / 32768)


def chapters(mp3: Path) -> list[tuple[str, int, int]]:
    """(title, start ms, end ms) of each CHAP frame, in CTOC order."""
    tags = ID3(str(mp3))
    (toc,) = tags.getall("CTOC")
    by_id = {c.element_id: c for c in tags.getall("CHAP")}
    return [
        (str(by_id[i].sub_frames["TIT2"]), by_id[i].start_time, by_id[i].end_time)
        for i in toc.child_element_ids
    ]


def first_cues(built: Built) -> list[Cue]:
    """The first cue of every segment."""
    cues = iter(built.result.episode.cues)
    firsts = []
    for segment in built.result.script.segments:
        seg_cues = [next(cues) for _ in segment.lines]
        firsts.append(seg_cues[0])
    return firsts


# --- chapters -------------------------------------------------------------------


def test_chapter_starts_are_where_the_speech_starts(plain: Built) -> None:
    chaps = chapters(plain.mp3)
    segments = plain.result.script.segments
    assert [c[0] for c in chaps] == [s.title for s in segments]
    assert len(chaps) == 2 + len(list(EXAMPLES.glob("*.*")))
    offsets = []
    for (title, start, _end), cue in zip(chaps, first_cues(plain), strict=True):
        if title == "Intro":
            assert start == 0  # the lead-in belongs to the first chapter
            assert cue.start_ms == LEAD_IN_MS
        else:
            assert start == cue.start_ms  # the transcript and the tags agree
        # ...and both agree with the decoded audio: the voice starts within 50 ms.
        onset = onset_ms(plain.samples, cue.start_ms - 300)
        offsets.append(onset - cue.start_ms)
        assert abs(onset - cue.start_ms) <= 50, (title, onset, cue.start_ms)
    # nothing audible in the 300 ms before any segment's first word
    assert all(offset >= 0 for offset in offsets), offsets


def test_chapters_tile_the_decoded_episode(plain: Built) -> None:
    chaps = chapters(plain.mp3)
    for before, after in zip(chaps, chaps[1:], strict=False):
        assert after[1] == before[2]
    decoded_ms = len(plain.samples) * 1000 / RATE
    assert chaps[-1][2] == pytest.approx(decoded_ms, abs=30)
    assert [c.title for c in plain.result.episode.chapters] == [c[0] for c in chaps]


def test_cues_cover_every_line_and_end_in_sound(plain: Built) -> None:
    episode = plain.result.episode
    assert [(c.speaker, c.text) for c in episode.cues] == [
        (line.speaker, line.text) for line in plain.result.script.lines
    ]
    for cue in episode.cues:
        # every cue's voice starts within 50 ms of the cue, inside the cue
        onset = onset_ms(plain.samples, cue.start_ms - 200)
        assert cue.start_ms - 50 <= onset <= cue.start_ms + 50 < cue.end_ms, cue.text


# --- silence and loudness ---------------------------------------------------------


def test_no_silence_longer_than_two_seconds(plain: Built) -> None:
    assert long_silences(plain.mp3, 2.0) == 0
    # pauses are there, though: the longest ones last about a second
    assert long_silences(plain.mp3, 1.0) >= 3


def test_longest_pauses_allowed_still_leave_no_two_second_silence(
    tmp_path: Path,
) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    longest = "\n".join(
        f"{key} = 1800"
        for key in (
            "sentence",
            "paragraph",
            "announce",
            "transition",
            "segment",
            "intro",
        )
    )
    for role in ("host", "narrator"):
        text = (REPO / "voices" / f"{role}.toml").read_text(encoding="utf-8")
        text = text.split("[pauses]")[0] + "[pauses]\n" + longest + "\n"
        (voices / f"{role}.toml").write_text(text, encoding="utf-8")
    settings = build_settings(
        {
            "output": tmp_path / "slow.mp3",
            "episode_date": date(2026, 11, 21),
            "sentences": 1,
            "use_nltk_data": False,
        },
        voices_dir=voices,
        env={},
    )
    result = build_episode([EXAMPLES / "salt-and-honey.md"], settings)
    assert all(line.pause_after_ms in (0, 1800) for line in result.script.lines)
    assert long_silences(tmp_path / "slow.mp3", 1.7) >= 3  # the pauses are long...
    assert long_silences(tmp_path / "slow.mp3", 2.0) == 0  # ...but never dead air


def ebur128(mp3: Path) -> tuple[float, float]:
    """ffmpeg's EBU R128 meter on the file: integrated LUFS, true peak dBTP."""
    exe = str(find_ffmpeg().path)
    cmd = [exe, "-hide_banner", "-nostats", "-i", str(mp3),
           "-af", "ebur128=peak=true", "-f", "null", "-"]  # fmt: skip
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    summary = text[text.rfind("Summary:") :]
    lufs = float(summary.split("I:")[1].split("LUFS")[0])
    peak = float(summary.split("Peak:")[1].split("dBFS")[0])
    return lufs, peak


def near_peak(mp3: Path) -> float:
    """Share of active 10 ms frames (RMS over -50 dBFS) within 1 dB of the peak.

    Measured on the MP3 decoded at its own rate, independently of the pipeline's
    histograms (digest/encode/dynamics.py).
    """
    raw = ffmpeg("-i", str(mp3), "-f", "s16le", "-ac", "1", "-")
    x = np.frombuffer(raw, dtype="<i2").astype(float) / 32768
    size = 441  # 10 ms at 44.1 kHz
    frames = x[: len(x) // size * size].reshape(-1, size)
    active = (frames**2).mean(axis=1) > 10 ** (-50 / 10)
    peaks = 20 * np.log10(np.abs(frames).max(axis=1) + 1e-12)
    return float((peaks[active] >= peaks.max() - 1.0).mean())


def test_loudness_meets_the_mono_convention(plain: Built) -> None:
    # Mono: -19 LUFS (+-1), true peak <= -1 dBTP, by two meters on the MP3.
    integrated, true_peak = ebur128(plain.mp3)
    assert -20.0 <= integrated <= -18.0
    assert true_peak <= -1.0
    their_integrated, their_peak = loudness(plain.mp3)
    assert -20.0 <= their_integrated <= -18.0
    assert their_peak <= -1.0
    episode = plain.result.episode
    assert episode.loudness_lufs == pytest.approx(integrated, abs=0.5)
    assert episode.true_peak_dbtp <= -1.0


def test_few_frames_sit_at_the_peak(plain: Built) -> None:
    # A hard limiter at -16 LUFS left 11-16 % of the frames within 1 dB of the peak.
    share = near_peak(plain.mp3)
    assert share <= 0.05
    reported = plain.result.episode.near_peak
    assert reported is not None
    assert reported == pytest.approx(share, abs=0.02)


def test_episode_ends_in_a_fade_then_silence(plain: Built) -> None:
    last = plain.result.episode.cues[-1]
    decoded_ms = len(plain.samples) * 1000 / RATE
    assert decoded_ms - last.end_ms == pytest.approx(TAIL_MS, abs=60)
    # Nothing audible after the last word (-50 dBFS, as silencedetect): a second
    # and more of silence ends the episode.
    quiet = 10 ** (-50 / 20) * 32768
    after = plain.samples[RATE * last.end_ms // 1000 :]
    assert max(abs(v) for v in after) < quiet
    assert len(after) / RATE >= 1.0
    # The word itself fades: its last 20 ms are far quieter than its loudest.
    word = np.abs(
        np.asarray(
            plain.samples[RATE * last.start_ms // 1000 : RATE * last.end_ms // 1000]
        )
    )
    assert word[-RATE // 50 :].max() < 0.1 * word.max()


def test_dry_run_estimate_is_close_to_the_real_length(plain: Built) -> None:
    plan = plan_episode([EXAMPLES], plain.settings)
    assert plan.script == plain.result.script
    real = plain.result.episode.seconds
    assert plan.timeline.total_ms / 1000 == pytest.approx(real, rel=0.12)
    for timed, cue in zip(plan.timeline.lines, plain.result.episode.cues, strict=True):
        assert timed.start_ms / 1000 == pytest.approx(
            cue.start_ms / 1000, rel=0.15, abs=1
        )


# --- tags -----------------------------------------------------------------------


def test_cover_and_track_are_tagged(plain: Built) -> None:
    tags = ID3(str(plain.mp3))
    (apic,) = tags.getall("APIC")
    assert apic.mime == "image/jpeg"
    assert apic.data.startswith(b"\xff\xd8\xff")
    assert str(tags["TRCK"]) == "12"
    assert str(tags["TALB"]) == "Review Digest"
    assert str(tags["TIT2"]) == plain.result.episode.title
    assert str(tags["TLEN"]) == str(round(plain.result.episode.seconds * 1000))


# --- music -----------------------------------------------------------------------


def test_music_is_ducked_under_the_host(music: Built) -> None:
    cues = music.result.episode.cues
    intro, outro = cues[0], cues[-1]
    assert intro.start_ms == MUSIC_LEAD_MS  # the music plays alone first
    alone = tone_db(music.samples, 1000, MUSIC_LEAD_MS - 400, MUSIC_HZ)
    under = tone_db(music.samples, intro.start_ms + 100, intro.end_ms - 100, MUSIC_HZ)
    middle = music.result.episode.chapters[1]
    absent = tone_db(
        music.samples, middle.start_ms + 500, middle.end_ms - 500, MUSIC_HZ
    )
    after = tone_db(music.samples, outro.end_ms + 600, outro.end_ms + 1400, MUSIC_HZ)
    assert alone > -30  # audible on its own
    assert under < alone - 12  # dips under speech
    assert absent < alone - 25  # and is gone while the reviews are read
    assert abs(after - alone) < 3  # back up once the host stops


def test_music_episode_still_meets_the_spec(music: Built) -> None:
    integrated, true_peak = ebur128(music.mp3)
    assert -20.0 <= integrated <= -18.0
    assert true_peak <= -1.0
    assert long_silences(music.mp3, 2.0) == 0
    decoded = len(music.samples) / RATE
    assert decoded == pytest.approx(music.result.episode.seconds, abs=0.05)
    chaps = chapters(music.mp3)
    for (title, start, _end), cue in zip(chaps[1:], first_cues(music)[1:], strict=True):
        assert start == cue.start_ms, title
