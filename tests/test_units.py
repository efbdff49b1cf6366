"""Units: levelling in numpy, dynamics, MP3 joining, the unit cache (real ffmpeg)."""

import math
import os
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from digest.config import Settings, build_settings
from digest.encode.dynamics import near_peak_share, peak_histogram
from digest.encode.episode import LIMIT_DB, encode_mix
from digest.encode.level import level, loudness
from digest.encode.mp3 import _crc16, crc_combine, read_stream
from digest.encode.units import UnitCache
from digest.media.engines import find_ffmpeg
from digest.models import Chapter, Mix
from digest.options import encoding

RATE = 22050


@pytest.fixture(scope="module")
def ffmpeg() -> Path:
    return find_ffmpeg("auto").path


EDGE_S = 0.3  # silence at both ends of every test unit, as between real segments


def speechlike(seconds: float, seed: int, level_db: float = -20.0) -> np.ndarray:
    """Noise with a pause and sharp peaks, silent at both ends: speech to a meter."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    x = rng.standard_normal(n) * 10 ** (level_db / 20)
    x[rng.integers(0, n, 40)] *= 6  # peaks the limiter has to catch
    edge = int(EDGE_S * RATE)
    x[:edge] = 0.0
    x[-edge:] = 0.0
    x[int(0.4 * n) : int(0.5 * n)] = 0.0
    return np.clip(x, -1, 32767 / 32768)


def pcm16(x: np.ndarray) -> bytes:
    return np.round(x * 32768).clip(-32768, 32767).astype("<i2").tobytes()


def ffmpeg_meter(ffmpeg: Path, path: Path) -> tuple[float, float]:
    """ffmpeg's own EBU R128 reading: integrated LUFS and true peak dBTP."""
    proc = subprocess.run(
        [str(ffmpeg), "-hide_banner", "-nostats", "-i", str(path),
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = proc.stderr[proc.stderr.rfind("Summary:") :]
    lufs = float(summary.split("I:")[1].split("LUFS")[0])
    peak = float(summary.split("Peak:")[1].split("dBFS")[0])
    return lufs, peak


def write_wav(path: Path, pcm: bytes) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm)
    return path


def test_loudness_matches_ffmpegs_meter(tmp_path: Path, ffmpeg: Path) -> None:
    pcm = pcm16(speechlike(20, seed=1))
    theirs, _peak = ffmpeg_meter(ffmpeg, write_wav(tmp_path / "a.wav", pcm))
    assert loudness(pcm, RATE) == pytest.approx(theirs, abs=0.1)


def test_level_reaches_the_goal_under_the_ceiling(tmp_path: Path, ffmpeg: Path) -> None:
    done = level(pcm16(speechlike(20, seed=2, level_db=-30)), RATE, -15.5)
    assert done.gain_db > 5  # it had to raise a quiet unit
    theirs, peak = ffmpeg_meter(ffmpeg, write_wav(tmp_path / "b.wav", done.pcm))
    assert theirs == pytest.approx(-15.5, abs=0.2)
    assert done.loudness == pytest.approx(theirs, abs=0.15)
    samples = np.frombuffer(done.pcm, dtype="<i2").astype(float) / 32768
    assert 20 * math.log10(np.abs(samples).max()) <= LIMIT_DB + 0.01
    assert peak <= LIMIT_DB + 1.0  # true peak, 4x oversampled by ffmpeg


def speechlike_syllables(seconds: float, seed: int) -> np.ndarray:
    """Bursts of 80-250 ms at levels 12 dB apart with sharp peaks: syllables."""
    rng = np.random.default_rng(seed)
    x = np.zeros(int(seconds * RATE))
    at = int(EDGE_S * RATE)
    while at < len(x) - int(EDGE_S * RATE) - RATE // 4:
        n = int(rng.uniform(0.08, 0.25) * RATE)
        burst = rng.standard_normal(n) * 10 ** (rng.uniform(-32, -20) / 20)
        burst *= np.hanning(n)
        burst[rng.integers(0, n, 3)] *= 4
        x[at : at + n] = burst
        at += n + int(rng.uniform(0.02, 0.12) * RATE)
    return np.clip(x, -1, 32767 / 32768)


def share_of(pcm: bytes) -> float:
    return near_peak_share([peak_histogram(np.frombuffer(pcm, "<i2"), RATE)])


def test_compressor_keeps_frames_off_the_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pcm = pcm16(speechlike_syllables(30, seed=5))
    gentle = level(pcm, RATE, -18.5)
    monkeypatch.setattr("digest.encode.dynamics.RATIO", 1.0)  # no compression
    hard = level(pcm, RATE, -18.5)
    assert gentle.loudness == pytest.approx(-18.5, abs=0.1)
    assert hard.loudness == pytest.approx(-18.5, abs=0.1)
    assert share_of(gentle.pcm) < share_of(hard.pcm)
    assert near_peak_share([gentle.histogram]) == share_of(gentle.pcm)


def test_near_peak_share_adds_up_over_units() -> None:
    # Whole 10 ms frames (220 samples) per unit, so the frames are the same ones.
    seconds = (4.4, 8.8, 13.2)
    parts = [pcm16(speechlike_syllables(s, seed=i)) for i, s in enumerate(seconds)]
    units = [level(p, RATE, -18.5 + i) for i, p in enumerate(parts)]
    whole = share_of(b"".join(u.pcm for u in units))
    assert near_peak_share(u.histogram for u in units) == pytest.approx(whole, abs=1e-9)
    assert near_peak_share([]) == 0.0
    assert near_peak_share([()]) == 0.0


def test_level_is_deterministic() -> None:
    pcm = pcm16(speechlike_syllables(10, seed=9))
    assert level(pcm, RATE, -18.5) == level(pcm, RATE, -18.5)


def test_silence_is_left_alone() -> None:
    done = level(b"\0\0" * RATE * 2, RATE, -16.0)
    assert done.gain_db == 0.0
    assert done.pcm == b"\0\0" * RATE * 2


def test_crc_combine_equals_the_crc_of_the_joined_bytes() -> None:
    for a_len, b_len in ((1, 1), (313, 4000), (7, 0), (0, 9), (1000, 1)):
        a, b = os.urandom(a_len), os.urandom(b_len)
        assert crc_combine(_crc16(a), _crc16(b), b_len) == _crc16(a + b)


def three_chapter_mix(tmp_path: Path, seconds: tuple[float, ...]) -> Mix:
    parts = [pcm16(speechlike(s, seed=i)) for i, s in enumerate(seconds)]
    wav = write_wav(tmp_path / "mix.wav", b"".join(parts))
    cuts, chapters, at = [], [], 0
    for i, part in enumerate(parts):
        frames = len(part) // 2
        cuts.append(at)
        chapters.append(
            Chapter(
                f"c{i}", round(at * 1000 / RATE), round((at + frames) * 1000 / RATE)
            )
        )
        at += frames
    return Mix(wav, RATE, at, tuple(chapters), (), tuple(cuts))


def test_joined_units_decode_as_one_gapless_stream(
    tmp_path: Path, ffmpeg: Path
) -> None:
    mix = three_chapter_mix(tmp_path, (6.0, 9.5, 4.2))
    spec = encoding(Settings(), ffmpeg, "test")
    out = tmp_path / "joined.mp3"
    encoded = encode_mix(mix, out, spec, jobs=2)
    info, frame = read_stream(out)
    data = out.read_bytes()
    # The Info frame describes the whole file, and its CRCs hold.
    assert info.audio_bytes == len(data) - info.header_size
    assert info.frames * 313 <= info.audio_bytes <= info.frames * 314
    assert info.music_crc == _crc16(data[info.header_size :])
    decoded = subprocess.run(
        [str(ffmpeg), "-v", "error", "-i", str(out), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    samples = len(decoded) // 2
    assert samples / 44100 == pytest.approx(encoded.placement.seconds, abs=0.001)
    # Each seam adds only the encoder's lead-in and padding: well under 0.1 s.
    assert encoded.placement.seconds - mix.seconds < 0.1 * len(mix.chapters)
    starts = [c.start_ms for c in encoded.placement.chapters]
    assert starts[0] == 0
    assert starts == sorted(starts)
    for chapter, original in zip(
        encoded.placement.chapters[1:], mix.chapters[1:], strict=True
    ):
        assert 0 <= chapter.start_ms - original.start_ms < 100
    assert encoded.placement.chapters[-1].end_ms == round(
        1000 * encoded.placement.seconds
    )
    # Audio lands where the chapters say: silence up to EDGE_S into each chapter,
    # sound right after (a chapter 20 ms off either way fails one of the two).
    pcm = np.abs(np.frombuffer(decoded, dtype="<i2").astype(float))
    for chapter in encoded.placement.chapters[1:]:
        at = chapter.start_ms * 44100 // 1000
        quiet = pcm[at - int(0.25 * 44100) : at + int((EDGE_S - 0.05) * 44100)]
        assert quiet.max() < 300, chapter
        onset = at + int(EDGE_S * 44100)
        assert pcm[onset : onset + int(0.02 * 44100)].max() > 2000, chapter


def test_unit_cache_hits_and_remakes_damaged_entries(
    tmp_path: Path, ffmpeg: Path
) -> None:
    mix = three_chapter_mix(tmp_path, (3.0, 4.0, 2.5))
    spec = encoding(Settings(), ffmpeg, "test")
    cache = UnitCache(tmp_path / "units")
    first = encode_mix(mix, tmp_path / "a.mp3", spec, cache=cache)
    assert first.encoded_units == 3
    again = encode_mix(mix, tmp_path / "b.mp3", spec, cache=cache)
    assert again.encoded_units == 0
    assert again.near_peak == first.near_peak > 0  # kept in the unit records
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()
    entry = sorted((tmp_path / "units").glob("*/*.mp3"))[1]
    entry.write_bytes(entry.read_bytes()[:-100])  # a truncated entry
    healed = encode_mix(mix, tmp_path / "c.mp3", spec, cache=cache)
    assert healed.encoded_units == 1
    assert (tmp_path / "c.mp3").read_bytes() == (tmp_path / "a.mp3").read_bytes()
    # Another encoder build never hits the old entries.
    other = encode_mix(
        mix, tmp_path / "d.mp3", encoding(Settings(), ffmpeg, "x"), cache=cache
    )
    assert other.encoded_units == 3


def test_loudness_target_is_chosen_by_settings(tmp_path: Path, ffmpeg: Path) -> None:
    mix = three_chapter_mix(tmp_path, (6.0, 5.0))
    for target in (-19.0, -16.0):
        settings = build_settings({"loudness_lufs": target}, env={})
        out = tmp_path / f"{-target:.0f}.mp3"
        encoded = encode_mix(mix, out, encoding(settings, ffmpeg, "test"))
        theirs, peak = ffmpeg_meter(ffmpeg, out)
        assert theirs == pytest.approx(target, abs=0.5)
        assert encoded.loudness_lufs == pytest.approx(theirs, abs=0.5)
        assert peak <= -1.0
    assert Settings().loudness_lufs == -19.0  # mono: the default


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs CPU affinity and at least two cores",
)
def test_each_encoder_thread_keeps_to_its_own_core() -> None:
    import threading

    from digest.run.tuning import keep_on_one_core

    cores = sorted(os.sched_getaffinity(0))
    seen: dict[int, set[int]] = {}

    def run(slot: int) -> None:
        keep_on_one_core(slot)
        seen[slot] = set(os.sched_getaffinity(0))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(cores) + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen[0] == {cores[0]}
    assert seen[1] == {cores[1]}
    assert seen[len(cores)] == {cores[0]}  # more threads than cores: round again
    assert os.sched_getaffinity(0) == set(cores)  # the calling thread is untouched
