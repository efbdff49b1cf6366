"""Shared fixtures: isolated paths, the shared data folder, a fake synthesizer."""

import contextlib
import json
import math
import shutil
import subprocess
import wave
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from digest.config import VoiceProfile
from digest.media.engines import find_ffmpeg
from digest.models import Clip, Line, expected_seconds
from digest.speak.espeak import Synthesizer

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"
SHARED_REVIEWS = SHARED / "reviews"
SHARED_NLTK = SHARED / "nltk_data"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in its own folder with a private HOME and no DIGEST_* env."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in list(__import__("os").environ):
        if name.startswith("DIGEST_"):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def shared_reviews() -> Path:
    """The real reviews in ../shared/reviews (skipped when absent)."""
    if not SHARED_REVIEWS.is_dir():
        pytest.skip(f"{SHARED_REVIEWS} is absent: real-review tests need ../shared")
    return SHARED_REVIEWS


@pytest.fixture
def nltk_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private, go-w copy of ../shared/nltk_data that NLTK will accept."""
    if not SHARED_NLTK.is_dir():
        pytest.skip(f"{SHARED_NLTK} is absent: real NLTK data tests need ../shared")
    import nltk

    root = tmp_path / "nltk_data"
    shutil.copytree(SHARED_NLTK, root)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    monkeypatch.setenv("NLTK_DATA", str(root))
    monkeypatch.setattr(nltk.data, "path", [str(root)])
    return root


@pytest.fixture
def nltk_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No NLTK data anywhere NLTK looks: forces the built-in fallback."""
    import nltk

    empty = tmp_path / "no_nltk_data"
    empty.mkdir()
    monkeypatch.setenv("NLTK_DATA", str(empty))
    monkeypatch.setattr(nltk.data, "path", [str(empty)])
    return empty


class FakeSynthesizer:
    """Writes a quiet tone as long as the line would take to say; no engine."""

    engine_id = "fake-1"

    def __init__(self, rate: int = 22050) -> None:
        self.rate = rate
        self.calls: list[str] = []

    def synthesize(self, line: Line, voice: VoiceProfile, path: Path) -> Clip:
        """Write a tone whose length follows the word count and voice rate."""
        self.calls.append(line.text)
        frames = int(expected_seconds(line.text, voice.rate) * self.rate)
        pitch = 180.0 + 40.0 * (len(self.calls) % 5)
        phase = 2 * math.pi * pitch * np.arange(frames) / self.rate
        samples = np.trunc(6000 * np.sin(phase)).astype("<i2")
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(self.rate)
            wav.writeframes(samples.tobytes())
        return Clip(line, path, frames, self.rate)


@pytest.fixture
def fake_synth() -> FakeSynthesizer:
    """A fast stand-in synthesizer for unit tests."""
    return FakeSynthesizer()


def _ffmpeg(
    mp3: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run the real ffmpeg (as digest finds it) on ``mp3`` with output ``args``."""
    ffmpeg = find_ffmpeg().path
    base = [str(ffmpeg), "-hide_banner", "-nostdin", "-i", str(mp3)]
    return subprocess.run([*base, *args], capture_output=True, check=check)


def decoded_seconds(mp3: Path, rate: int = 44100) -> float:
    """Decode an MP3 with the real ffmpeg and return its duration from the samples."""
    proc = _ffmpeg(
        mp3, "-loglevel", "error", "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"
    )
    return len(proc.stdout) / 2 / rate


def stream_info(mp3: Path) -> str:
    """ffmpeg's own description of the first audio stream (e.g. '44100 Hz, mono')."""
    stderr = _ffmpeg(mp3, check=False).stderr.decode()
    return next(line for line in stderr.splitlines() if "Audio:" in line)


def loudness(mp3: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) by ffmpeg's loudnorm analysis."""
    text = _ffmpeg(mp3, "-af", "loudnorm=print_format=json", "-f", "null", "-").stderr
    stats = json.loads(text[text.rfind(b"{") : text.rfind(b"}") + 1])
    return float(stats["input_i"]), float(stats["input_tp"])


def long_silences(mp3: Path, seconds: float = 2.0) -> int:
    """How many stretches of silence (below -50 dB) last longer than ``seconds``."""
    detect = f"silencedetect=n=-50dB:d={seconds}"
    return _ffmpeg(mp3, "-af", detect, "-f", "null", "-").stderr.count(b"silence_start")


def render_clips(
    lines: Sequence[Line],
    synth: Synthesizer,
    voices: Callable[[str], VoiceProfile],
    workdir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Clip, ...]:
    """Every line spoken into ``workdir`` in order; one clip per line."""
    clips: list[Clip] = []
    for index, line in enumerate(lines):
        path = workdir / f"clip-{index:05d}.wav"
        clips.append(synth.synthesize(line, voices(line.speaker), path))
        if progress is not None:
            progress(index + 1, len(lines))
    return tuple(clips)


@pytest.fixture
def real_data(nltk_real: Path) -> Path:
    """A private, go-w copy of the shared NLTK data as the only data root."""
    return nltk_real


@pytest.fixture
def no_data(nltk_absent: Path) -> Path:
    """An empty data root, so no real data can be found anywhere."""
    return nltk_absent


@pytest.fixture(params=["real", "fallback"])
def nltk_path(request: pytest.FixtureRequest) -> str:
    """Run a test once with NLTK's real data and once with the fallback."""
    fixture = "nltk_real" if request.param == "real" else "nltk_absent"
    request.getfixturevalue(fixture)
    return str(request.param)


def in_source_order(text: str, chosen: list[str]) -> bool:
    """Every sentence occurs verbatim in ``text``, each after the one before."""
    position = 0
    for sentence in chosen:
        found = text.find(sentence, position)
        if found < 0:
            return False
        position = found + len(sentence)
    return True


@contextlib.contextmanager
def dask_cluster() -> Iterator[str]:
    """A one-worker, one-thread Dask cluster on the loopback address: its
    ``HOST:PORT`` for ``--executor dask://`` (skipped without the dask extra)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address.removeprefix("tcp://")
