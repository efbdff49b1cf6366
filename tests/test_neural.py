"""The neural voice set (`--voices neural`): Piper narrator, espeak host.

Real builds with the real Piper engine and model (skipped without the `neural`
extra), and what a user gets without the extra: one line naming the install
command, exit 4.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest import cli
from digest.config import VoiceProfile, build_settings, bundled_voices
from digest.config.profiles import load_voice_profile
from digest.errors import ConfigError, ExitCode
from digest.models import Line, LineKind
from digest.speak.narrators import derive_narrator
from digest.speak.worker import EngineSpec, make_batches

from .conftest import dask_cluster, decoded_seconds, loudness

runner = CliRunner()

REVIEWS = {
    "lantern.md": (
        "# The Lantern Keeper\n\n"
        "The Lantern Keeper is a quiet film about a woman who tends a lighthouse "
        "on a storm-battered island. Its director lets long scenes breathe, and the "
        "sea becomes a character of its own. The lead performance is restrained and "
        "precise. By the final act the film earns every one of its silences. It is "
        "the best small drama of the year, and I recommend it without reservation.\n"
    ),
    "engine.md": (
        "# Engine Room\n\n"
        "Engine Room wants to be a thriller about a sabotaged cargo ship, but it "
        "never finds its rhythm. The plot leans on coincidences that a careful "
        "viewer will spot early. Two supporting actors do their best with thin "
        "material. The score is loud where it should be tense. In the end it is "
        "a forgettable voyage that runs twenty minutes too long.\n"
    ),
}


def _reviews(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in REVIEWS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _digest(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


# --- without the extra --------------------------------------------------------------


def _without_piper(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``import piper`` fails, as without the extra."""
    shadow = tmp_path / "shadow"
    (shadow / "piper").mkdir(parents=True)
    (shadow / "piper" / "__init__.py").write_text(
        "raise ImportError('piper is not installed')\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(shadow), str(Path(__file__).resolve().parents[1])]
    )
    return env


def test_neural_without_the_extra_names_the_install_command(tmp_path: Path) -> None:
    reviews = _reviews(tmp_path / "reviews")
    out = tmp_path / "out" / "ep.mp3"
    done = _digest(
        "build", str(reviews), "--voices", "neural", "-o", str(out),
        env=_without_piper(tmp_path),
    )  # fmt: skip
    assert done.returncode == ExitCode.MISSING_DEPENDENCY, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("Error:"), done.stderr
    assert "pip install 'review-digest[neural]'" in errors[0]
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_voices_listing_says_the_extra_is_missing(tmp_path: Path) -> None:
    done = _digest(
        "voices", "--voices", "neural", "--json", env=_without_piper(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert listing["neural"]["installed"] is False
    narrator = next(p for p in listing["profiles"] if p["name"] == "narrator")
    assert narrator["engine"] == "piper"
    assert "review-digest[neural]" in narrator["engine_voice"]


# --- the voice set and profiles -----------------------------------------------------


def test_neural_is_a_bundled_set_with_an_espeak_host(tmp_path: Path) -> None:
    settings = build_settings(voices_dir=Path("neural"))
    assert settings.voices_dir == bundled_voices("neural")
    assert settings.narrator.engine == "piper"
    assert settings.narrator.voice == "en_US-joe-medium"
    # The host: the same model, raised three semitones and brisker.
    assert settings.host.engine == "piper"
    assert settings.host.pitch - settings.narrator.pitch >= 15
    assert settings.host.rate > settings.narrator.rate


def test_an_unknown_set_name_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="bundled sets: default, neural"):
        build_settings(voices_dir=Path("nerual"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('engine = "festival"\n', "must be one of espeak, piper"),
        ('engine = "piper"\nvariant = "m3"\n', "names its model with 'voice'"),
        ('engine = "piper"\nlanguage = "en-us"\n', "names its model with 'voice'"),
    ],
)
def test_engine_key_is_checked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "narrator.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_voice_profile(path, VoiceProfile("narrator"))


def test_each_engine_gets_its_own_batches() -> None:
    host = VoiceProfile("host", voice="en-us+m3")
    piper = VoiceProfile("narrator", voice="en_US-joe-medium", engine="piper")
    lines = [
        Line("host" if i % 3 == 0 else "narrator", f"Line {i}.", LineKind.SENTENCE, 0)
        for i in range(9)
    ]  # noqa: E501
    voices = [host if line.speaker == "host" else piper for line in lines]
    batches = make_batches(range(9), lines, voices, EngineSpec(), seconds=1e9)
    assert [b.kind for b in batches] == ["espeak", "piper"]
    assert batches[0].indexes == (0, 3, 6)
    assert batches[1].indexes == (1, 2, 4, 5, 7, 8)


def test_a_foreign_review_is_read_by_espeak_beside_a_piper_narrator() -> None:
    from types import SimpleNamespace

    voices = [
        SimpleNamespace(id="gmw/en-us", name="English (America)", languages=["en-us"]),
        SimpleNamespace(id="roa/fr", name="French", languages=["fr-fr"]),
    ]
    narrator = VoiceProfile("narrator", voice="en_US-joe-medium", engine="piper")
    derived, reason = derive_narrator("fr", narrator, voices)
    assert reason is None
    assert derived is not None
    assert (derived.engine, derived.voice) == ("espeak", "roa/fr")


# --- with the extra: the real engine -------------------------------------------------

needs_piper = pytest.mark.skipif(
    not (bundled_voices("neural") / "narrator.toml").is_file()
    or __import__("importlib").util.find_spec("piper") is None,
    reason="the neural extra is not installed",
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_piper
@pytest.mark.integration
def test_neural_builds_are_byte_identical_and_cached(tmp_path: Path) -> None:
    reviews = _reviews(tmp_path / "reviews")
    args = ["--voices", "neural", "--date", "2026-01-02", "--no-feed", "--json"]
    first = tmp_path / "a" / "ep.mp3"
    second = tmp_path / "b" / "ep.mp3"
    for out in (first, second):
        done = _digest("build", str(reviews), "-o", str(out), *args)
        assert done.returncode == 0, done.stderr
    assert _sha(first) == _sha(second)
    lufs, peak = loudness(first)
    assert -20.0 <= lufs <= -18.0
    assert peak <= -1.0
    # The same build again: every clip, the neural narrator's included, is cached.
    again = _digest("build", str(reviews), "-o", str(first), *args, "--force")
    assert again.returncode == 0, again.stderr
    counts = re.search(r"clips: (\d+) from the cache, (\d+) synthesized", again.stderr)
    assert counts is not None, again.stderr
    assert int(counts[1]) > 0, counts[0]
    assert int(counts[2]) == 0, counts[0]
    assert _sha(first) == _sha(second)


@needs_piper
@pytest.mark.integration
def test_say_and_voices_cover_the_neural_set(tmp_path: Path) -> None:
    out = tmp_path / "joe.wav"
    result = runner.invoke(
        cli.app,
        ["say", "A calm and clear voice.", "--voices", "neural", "--voice", "narrator",
         "-o", str(out)],
        prog_name="digest",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 20_000
    listing = runner.invoke(
        cli.app, ["voices", "--voices", "neural", "--json"], prog_name="digest"
    )
    assert listing.exit_code == 0, listing.output
    data = json.loads(listing.stdout)
    assert data["neural"] == {"voices": ["en_US-joe-medium"], "installed": True}
    narrator = next(p for p in data["profiles"] if p["name"] == "narrator")
    assert narrator["engine_voice"] == "en_US-joe-medium"


@needs_piper
@pytest.mark.integration
def test_a_dask_worker_speaks_both_engines(tmp_path: Path) -> None:
    # One long-lived worker gets espeak's batches and Piper's, in either order.
    reviews = _reviews(tmp_path / "reviews")
    # An espeak host beside the neural narrator: both engines in one worker.
    voices = tmp_path / "voices"
    shutil.copytree(bundled_voices("neural"), voices)
    shutil.copy(bundled_voices() / "host.toml", voices / "host.toml")
    args = ["--voices", str(voices), "--date", "2026-01-02", "--no-feed", "--no-cache"]
    local = tmp_path / "local" / "ep.mp3"
    done = _digest("build", str(reviews), "-o", str(local), *args)
    assert done.returncode == 0, done.stderr
    with dask_cluster() as address:
        remote = tmp_path / "dask" / "ep.mp3"
        done = _digest(
            "build", str(reviews), "-o", str(remote), *args,
            "--executor", f"dask://{address}",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    # The narrator's clips are Piper's, the same in any process.
    assert abs(decoded_seconds(remote) - decoded_seconds(local)) < 0.5
