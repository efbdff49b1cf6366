"""Parallel synthesis: batching, the spawn pool, the Dask executor, hangs, Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from digest.config import VoiceProfile
from digest.errors import ExitCode, SynthesisError, UsageError
from digest.models import Clip, Line, LineKind
from digest.run.pool import Pool, open_pool
from digest.speak.batches import SpeechJob, iter_clips
from digest.speak.cache import ClipCache
from digest.speak.worker import EngineSpec, make_batches
from digest.store.cache import CacheStats

from .conftest import EXAMPLES, REPO, FakeSynthesizer, dask_cluster

HOST = VoiceProfile("host", voice="en-us+m3", rate=170, pitch=68)
NARRATOR = VoiceProfile("narrator", voice="en-us", rate=160, pitch=40)

SENTENCES = [
    "Welcome to the show, where we read the week's reviews aloud.",
    "The film opens on a quiet harbour at dawn.",
    "Its lead gives a performance of rare patience and warmth.",
    "The second act sags under too many subplots.",
    "Still, the final ten minutes are among the best of the year.",
    "Next, a documentary about bees.",
    "It is patient, curious and often very funny.",
    "The photography alone is worth the ticket.",
    "That is all for this week.",
]


def _lines() -> list[Line]:
    out = []
    for i, text in enumerate(SENTENCES):
        speaker = "host" if i in (0, 5, 8) else "narrator"
        out.append(Line(speaker, text, LineKind.SENTENCE, 100))
    return out


def _voices(speaker: str) -> VoiceProfile:
    return HOST if speaker == "host" else NARRATOR


# --- batching (no engine) ----------------------------------------------------------


def test_batches_cover_every_line_in_order_and_ignore_jobs() -> None:
    lines = _lines()
    profiles = [_voices(line.speaker) for line in lines]
    missing = [0, 1, 2, 4, 5, 6, 8]
    batches = make_batches(missing, lines, profiles, EngineSpec(), seconds=6.0)
    assert [i for b in batches for i in b.indexes] == missing
    assert len(batches) > 1
    for batch in batches:
        assert batch.lines == tuple(lines[i] for i in batch.indexes)
        assert batch.voices == tuple(profiles[i] for i in batch.indexes)
    # The cut depends only on the lines: the same call gives the same batches.
    again = make_batches(missing, lines, profiles, EngineSpec(), seconds=6.0)
    assert again == batches
    one = make_batches(missing, lines, profiles, EngineSpec(), seconds=1e9)
    assert len(one) == 1
    assert one[0].indexes == tuple(missing)


def test_unknown_executor_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="dask://HOST:PORT"):
        open_pool("ray://somewhere", 2)
    with pytest.raises(UsageError, match="host and port"):
        open_pool("dask://", 2)


# --- the real engine in worker processes --------------------------------------------


def _render(
    tmp_path: Path,
    name: str,
    pool: Callable[[], Pool],
    cache: ClipCache | None = None,
    engine: EngineSpec | None = None,
) -> list[bytes]:
    from digest.media.engines import prepare_espeak
    from digest.speak.espeak import Pyttsx3Synthesizer

    prepare_espeak()
    local = Pyttsx3Synthesizer()
    work = tmp_path / name
    work.mkdir()
    job = SpeechJob(work, engine or EngineSpec(), local.engine_id, pool, 6.0)
    made = iter_clips(
        _lines(),
        _voices,
        job,
        engine_voice=local.check,
        cache=cache,
        stats=CacheStats(),
    )
    clips = [clip for _index, clip in sorted(made, key=lambda pair: pair[0])]
    assert [c.line for c in clips] == _lines()
    return [c.path.read_bytes() for c in clips]


@pytest.mark.integration
def test_spawn_pool_gives_the_same_audio_as_one_worker(tmp_path: Path) -> None:
    sequential = _render(tmp_path, "one", lambda: open_pool(None, 1))
    parallel = _render(tmp_path, "two", lambda: open_pool(None, 2))
    assert len(sequential) == len(SENTENCES)
    # Byte for byte: each batch runs in a fresh process, whatever --jobs is.
    assert parallel == sequential
    for data in parallel:
        assert data[:4] == b"RIFF"
        assert len(data) > 20_000


@pytest.mark.integration
def test_a_local_worker_writes_its_clips_in_place(tmp_path: Path) -> None:
    from dataclasses import replace

    from digest.speak.worker import synthesize_batch

    folder = tmp_path / "work-here"
    folder.mkdir()
    lines = _lines()[:2]
    (batch,) = make_batches(
        [0, 1], lines, [_voices(x.speaker) for x in lines], EngineSpec()
    )
    pool = open_pool(None, 1)
    assert pool.shares_disk
    try:
        result = pool.executor.submit(
            synthesize_batch, replace(batch, folder=str(folder))
        ).result()
    finally:
        pool.close()
    assert result.indexes == (0, 1)
    assert result.wavs == ()  # no audio came back through the pipe
    for name in ("clip-00000.wav", "clip-00001.wav"):
        assert (folder / name).read_bytes()[:4] == b"RIFF"
    assert sorted(p.name for p in folder.iterdir()) == [
        "clip-00000.wav",
        "clip-00001.wav",
    ]


@pytest.mark.integration
def test_cached_lines_are_not_sent_to_workers(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    first = _render(tmp_path, "a", lambda: open_pool(None, 2), cache)

    def no_pool() -> Pool:
        raise AssertionError("every line was cached: no worker may start")

    again = _render(tmp_path, "b", no_pool, cache)
    assert again == first


@pytest.mark.integration
def test_dask_executor_on_a_local_cluster(tmp_path: Path) -> None:
    with dask_cluster() as address:
        dask_clips = _render(
            tmp_path, "dask", lambda: open_pool(f"dask://{address}", 1)
        )
    local = _render(tmp_path, "local", lambda: open_pool(None, 1))
    assert len(dask_clips) == len(local)
    # A Dask worker lives on between tasks, so espeak's pitch flutter differs
    # slightly; the speech is the same length to within a few percent.
    for remote, here in zip(dask_clips, local, strict=True):
        assert abs(len(remote) - len(here)) <= 0.05 * len(here)


def _hanging_site(tmp_path: Path) -> Path:
    """A sitecustomize that makes pyttsx3's runAndWait hang in every process."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import time\n"
        "import pyttsx3.engine\n"
        "pyttsx3.engine.Engine.runAndWait = lambda self: time.sleep(3600)\n",
        encoding="utf-8",
    )
    return site


@pytest.mark.integration
def test_a_hung_engine_is_killed_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(_hanging_site(tmp_path)))
    engine = EngineSpec(timeout_s=1.0, retries=1)
    started = time.monotonic()
    with pytest.raises(SynthesisError, match="engine hung"):
        _render(tmp_path, "hang", lambda: open_pool(None, 2), engine=engine)
    assert time.monotonic() - started < 60


def _good_build(out: Path, env: dict[str, str]) -> bytes:
    proc = subprocess.run(
        [sys.executable, "-m", "digest", "build", str(EXAMPLES), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env.update(extra)
    return env


@pytest.mark.integration
def test_cli_hung_engine_exits_5_and_keeps_the_episode(tmp_path: Path) -> None:
    out = tmp_path / "out" / "episode.mp3"
    before = _good_build(out, _env())
    changed = tmp_path / "reviews"
    changed.mkdir()
    (changed / "one.txt").write_text(
        "A Hanging Matter\n\nThe engine will never finish reading this review. "
        "It is a test of patience, and of timeouts.\n",
        encoding="utf-8",
    )
    env = _env(
        PYTHONPATH=str(_hanging_site(tmp_path)),
        DIGEST_SYNTH_TIMEOUT="1",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "digest", "build", str(changed), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == ExitCode.SYNTHESIS, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1
    assert "hung" in errors[0]
    assert "Traceback" not in proc.stderr
    assert out.read_bytes() == before


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(
            line.split(":\t", 1) for line in text.splitlines() if ":\t" in line
        )
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


@pytest.mark.integration
def test_ctrl_c_mid_build_exits_130_and_keeps_the_episode(tmp_path: Path) -> None:
    out = tmp_path / "out" / "episode.mp3"
    before = _good_build(out, _env())
    # A slow engine: every line waits, so Ctrl-C lands during synthesis.
    site = tmp_path / "slow"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import time\n"
        "import pyttsx3.engine\n"
        "_run = pyttsx3.engine.Engine.runAndWait\n"
        "def _slow(self):\n"
        "    time.sleep(0.5)\n"
        "    return _run(self)\n"
        "pyttsx3.engine.Engine.runAndWait = _slow\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "build", str(EXAMPLES), "-o", str(out),
         "--no-cache", "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(PYTHONPATH=str(site)),
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _children(proc.pid):
        time.sleep(0.1)  # wait until the worker processes exist
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert [ln for ln in stderr.splitlines() if ln.startswith("Error:")] == [
        "Error: interrupted; the previous episode is untouched"
    ]
    assert out.read_bytes() == before
    leftovers = [p.name for p in out.parent.iterdir() if ".part" in p.name]
    assert leftovers == []
    time.sleep(0.5)
    assert _children(proc.pid) == []


def test_repo_has_the_dask_extra() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "dask = [" in text


# --- repeated lines and short batches (fake engine, no workers) -------------------


class FreshFake(FakeSynthesizer):
    """The fake engine, claiming (like an unused real one) to be fresh."""

    fresh = True


def _no_pool() -> Pool:
    raise AssertionError("no worker may start")


def _stream(
    tmp_path: Path, lines: list[Line], nearby: FakeSynthesizer, cache: ClipCache | None
) -> tuple[list[tuple[int, str]], CacheStats]:
    stats = CacheStats()
    job = SpeechJob(tmp_path, EngineSpec(), nearby.engine_id, _no_pool, nearby=nearby)
    got = iter_clips(
        lines, _voices, job, engine_voice=lambda _profile: "", cache=cache, stats=stats
    )
    return [(i, clip.path.name) for i, clip in got], stats


def test_repeated_lines_are_spoken_once_and_share_the_clip(tmp_path: Path) -> None:
    lines = _lines()[:3]
    lines = [*lines, lines[1], lines[2], lines[1]]  # three repeats
    synth = FreshFake()
    got, stats = _stream(tmp_path, lines, synth, ClipCache(tmp_path / "cache"))
    assert synth.calls == [line.text for line in lines[:3]]
    assert (stats.misses, stats.hits, stats.repeats) == (3, 0, 3)
    paths = dict(got)
    assert sorted(paths) == list(range(len(lines)))
    assert paths[3] == paths[5] == paths[1]
    assert paths[4] == paths[2]


def test_a_short_batch_is_spoken_here_and_cached(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    synth = FreshFake()
    _stream(tmp_path, _lines(), synth, cache)  # no worker: _no_pool would fail
    assert len(synth.calls) == len(SENTENCES)
    again = FreshFake()
    _got, stats = _stream(tmp_path, _lines(), again, cache)
    assert again.calls == []
    assert stats.hits == len(SENTENCES)


def test_an_engine_that_has_spoken_sends_the_batch_to_workers(tmp_path: Path) -> None:
    used = FakeSynthesizer()  # no "fresh": it may carry state from earlier lines
    with pytest.raises(AssertionError, match="no worker may start"):
        _stream(tmp_path, _lines(), used, None)


# --- an engine retry makes its batch be spoken again --------------------------------


class RetryingFake(FreshFake):
    """A fresh fake whose engine needs one retry on the line ``flaky``."""

    def __init__(self, flaky: str) -> None:
        super().__init__()
        self.flaky = flaky
        self.attempts = 0

    def synthesize(self, line: Line, voice: VoiceProfile, path: Path) -> Clip:
        self.attempts += 2 if line.text == self.flaky else 1
        return super().synthesize(line, voice, path)


def _thread_pool() -> Pool:
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(max_workers=2)
    return Pool(executor, executor.shutdown, "2 threads", shares_disk=True)


def test_a_batch_whose_engine_retried_is_spoken_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.speak import batches, worker

    rounds: dict[tuple[int, ...], int] = {}

    def speak(batch: worker.Batch) -> worker.BatchResult:
        rounds[batch.indexes] = rounds.get(batch.indexes, 0) + 1
        for index, line in zip(batch.indexes, batch.lines, strict=True):
            path = Path(str(batch.folder)) / worker.clip_name(index)
            FakeSynthesizer().synthesize(line, _voices(line.speaker), path)
        # The first batch retries a line the first time it is spoken only.
        retried = batch.indexes[0] == 0 and rounds[batch.indexes] == 1
        return worker.BatchResult(batch.indexes, (), "fake-1", retried)

    monkeypatch.setattr(batches, "synthesize_batch", speak)
    job = SpeechJob(tmp_path, EngineSpec(), "fake-1", _thread_pool, 6.0)
    got = list(
        iter_clips(
            _lines(),
            _voices,
            job,
            engine_voice=lambda _p: "",
            cache=None,
            stats=CacheStats(),
        )
    )
    assert sorted(i for i, _clip in got) == list(range(len(SENTENCES)))
    first = next(key for key in rounds if key[0] == 0)
    assert rounds[first] == 2
    assert all(count == 1 for key, count in rounds.items() if key != first)


def test_a_short_batch_whose_engine_retried_goes_to_a_worker(tmp_path: Path) -> None:
    synth = RetryingFake(flaky=SENTENCES[1])
    with pytest.raises(AssertionError, match="no worker may start"):
        _stream(tmp_path, _lines(), synth, None)
    clean = RetryingFake(flaky="never said")
    got, _stats = _stream(tmp_path, _lines(), clean, None)
    assert len(got) == len(SENTENCES)
