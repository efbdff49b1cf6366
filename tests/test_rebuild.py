"""Up-to-date checks, one-edit rebuilds and byte-identical rebuilds."""

import hashlib
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from digest import pipeline
from digest.config import Settings, build_settings
from digest.media.engines import Engines, EspeakInfo, FfmpegInfo
from digest.models import Episode, LineKind, Mix
from digest.pipeline import BuildResult, build_episode

from .conftest import EXAMPLES, REPO, FakeSynthesizer

ENGINES = Engines(
    EspeakInfo("test", "libtest", None), FfmpegInfo("test", Path("ff"), "1")
)


class CountingPublish:
    """Stands in for the encoder: writes a small file made from the mix."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, made: Any, settings: Settings, summaries: Any, cover: Any
    ) -> Episode:
        mix: Mix = made.mix
        self.calls += 1
        settings.output.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(mix.wav.read_bytes()).digest()
        settings.output.write_bytes(b"ID3 fake mp3 " + digest)
        return Episode(
            path=settings.output,
            title=settings.title or settings.show,
            show=settings.show,
            episode_date=settings.episode_date,
            seconds=mix.seconds,
            sample_rate=settings.sample_rate,
            bitrate_kbps=settings.bitrate_kbps,
            chapters=mix.chapters,
            reviews=len(summaries),
            loudness_lufs=-16.0,
            true_peak_dbtp=-2.0,
            cues=mix.cues,
        )


class NoUnits:
    """Stands in for the unit encoder, which the counting publish never needs."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        self.submitted = 0

    def submit(self, _span: Any) -> None:
        self.submitted += 1

    def results(self, _count: int) -> tuple[tuple[()], int]:
        return (), 0

    def close(self) -> None:
        pass


@pytest.fixture
def encoder(monkeypatch: pytest.MonkeyPatch) -> CountingPublish:
    """Count encodes without running ffmpeg."""
    fake = CountingPublish()
    monkeypatch.setattr(pipeline, "_publish", fake)
    monkeypatch.setattr(pipeline, "UnitEncoder", NoUnits)
    return fake


def _settings(out: Path, **extra: object) -> Settings:
    flags = {"output": out, "episode_date": date(2026, 11, 21), "feed": False}
    return build_settings({**flags, **extra}, env={})


def _build(
    reviews: Path, settings: Settings, synth: FakeSynthesizer, **kw: Any
) -> BuildResult:
    return build_episode([reviews], settings, synthesizer=synth, engines=ENGINES, **kw)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.iterdir()
        if p.is_file()
    }


def test_unchanged_build_does_nothing(tmp_path: Path, encoder: CountingPublish) -> None:
    out = tmp_path / "out" / "ep.mp3"
    synth = FakeSynthesizer()
    first = _build(EXAMPLES, _settings(out), synth)
    assert not first.up_to_date
    assert first.cache is not None
    assert first.cache.misses == len(synth.calls) > 0
    made, before = len(synth.calls), _snapshot(out.parent)
    second = _build(EXAMPLES, _settings(out), synth)
    assert second.up_to_date
    assert len(synth.calls) == made  # no synthesis
    assert encoder.calls == 1  # no encode
    assert _snapshot(out.parent) == before  # no file rewritten
    assert second.episode.seconds == first.episode.seconds
    assert second.episode.chapters == first.episode.chapters
    # run-only settings do not make a build stale
    third = _build(EXAMPLES, _settings(out, synth_timeout_s=5.0), synth)
    assert third.up_to_date


def test_force_rebuilds_from_the_cache(
    tmp_path: Path, encoder: CountingPublish
) -> None:
    out = tmp_path / "ep.mp3"
    synth = FakeSynthesizer()
    _build(EXAMPLES, _settings(out), synth)
    made = len(synth.calls)
    again = _build(EXAMPLES, _settings(out), synth, force=True)
    assert not again.up_to_date
    assert encoder.calls == 2
    assert len(synth.calls) == made  # every clip came from the cache
    assert again.cache is not None
    assert again.cache.misses == 0


@pytest.mark.parametrize("name", ["ep.mp3", "ep.vtt", "ep.md", "ep.cover.png"])
@pytest.mark.parametrize("how", ["changed", "missing"])
def test_touched_output_rebuilds(
    tmp_path: Path, encoder: CountingPublish, name: str, how: str
) -> None:
    out = tmp_path / "ep.mp3"
    synth = FakeSynthesizer()
    _build(EXAMPLES, _settings(out), synth)
    target = tmp_path / name
    if how == "missing":
        target.unlink()
    else:
        data = bytearray(target.read_bytes())
        data[-1] ^= 1  # same size, different bytes
        target.write_bytes(bytes(data))
    again = _build(EXAMPLES, _settings(out), synth)
    assert not again.up_to_date
    assert encoder.calls == 2
    assert target.is_file()


def test_changed_setting_rebuilds(tmp_path: Path, encoder: CountingPublish) -> None:
    out = tmp_path / "ep.mp3"
    synth = FakeSynthesizer()
    _build(EXAMPLES, _settings(out), synth)
    again = _build(EXAMPLES, _settings(out, title="Another title"), synth)
    assert not again.up_to_date
    assert encoder.calls == 2


def test_no_cache_synthesizes_everything(
    tmp_path: Path, encoder: CountingPublish
) -> None:
    out = tmp_path / "ep.mp3"
    synth = FakeSynthesizer()
    _build(EXAMPLES, _settings(out, use_cache=False), synth)
    made = len(synth.calls)
    result = _build(EXAMPLES, _settings(out, use_cache=False), synth, force=True)
    assert len(synth.calls) == 2 * made
    assert result.cache is None
    assert not (tmp_path / ".cache" / "clips").exists()


def test_one_edited_review_resynthesizes_only_its_lines(
    tmp_path: Path, encoder: CountingPublish
) -> None:
    reviews = tmp_path / "reviews"
    shutil.copytree(EXAMPLES, reviews)
    out = tmp_path / "out" / "ep.mp3"
    synth = FakeSynthesizer()
    first = _build(reviews, _settings(out), synth)
    # Change one word of a sentence the summary reads from the second review.
    edited = first.summaries[1]
    sentence = edited.sentences[0]
    words = sentence.split()
    changed = sentence.replace(words[-1], "remarkably " + words[-1], 1)
    path = edited.review.source
    text = path.read_text(encoding="utf-8")
    assert sentence in text
    path.write_text(text.replace(sentence, changed, 1), encoding="utf-8")
    made = len(synth.calls)
    second = _build(reviews, _settings(out), synth)
    new_calls = synth.calls[made:]
    assert new_calls, "the edited sentence must be spoken again"
    segment = next(
        seg for seg in second.script.segments if seg.title == edited.review.title
    )
    own = {line.text for line in segment.lines if line.kind is LineKind.SENTENCE}
    assert set(new_calls) <= own
    assert len(new_calls) < len(second.script.lines) // 4


# --- real engines ------------------------------------------------------------------


def _digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.mark.integration
def test_rebuilds_are_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("build", str(EXAMPLES), "-o", str(out / "ep.mp3"), "-n", "2")
    args += ("--date", "2026-11-21")
    first = _digest(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Wrote ")
    built = _hashes(out)
    assert set(built) == {
        "ep.mp3", "ep.vtt", "ep.srt", "ep.chapters.json", "ep.md", "ep.html",
        "ep.cover.png", "feed.xml", "show-cover.png",
    }  # fmt: skip
    # unchanged: nothing is rebuilt
    again = _digest(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Up to date: ")
    assert "0 synthesized" not in again.stderr  # no clip was even looked at
    assert _hashes(out) == built
    # from scratch, cache cleared: the same bytes
    shutil.rmtree(out)
    cold = _digest(*args, cwd=tmp_path)
    assert cold.returncode == 0, cold.stderr
    assert _hashes(out) == built
    # outputs gone, clips cached: the same bytes, no clip synthesized
    for path in out.iterdir():
        if path.is_file():
            path.unlink()
    warm = _digest(*args, cwd=tmp_path)
    assert warm.returncode == 0, warm.stderr
    assert " 0 synthesized" in warm.stderr
    assert _hashes(out) == built
