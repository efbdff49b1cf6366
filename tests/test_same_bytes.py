"""Same inputs, same bytes: whatever the clip cache held before the build.

The real engine and ffmpeg, three ways to reach one episode: a fresh folder, a
folder whose cache already holds another episode's clips (so other lines are
spoken together in a worker), and a rebuild after clip-cache entries were
truncated and repaired. espeak-ng carries state from one utterance to the next
inside a process; digest's engine makes each clip independent of it
(``tests/test_speech_state.py`` checks the engine itself).
"""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES

pytestmark = pytest.mark.integration

DATE = "2026-03-04"


def _build(reviews: list[Path], out: Path, *extra: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--quiet", "build",
         *map(str, reviews), "-o", str(out), "--date", DATE, "--no-feed", *extra],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fresh_warm_with_other_clips_and_repaired_caches_agree(tmp_path: Path) -> None:
    examples = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".md", ".txt"))
    wanted, other = examples[:2], examples[1:]
    fresh = tmp_path / "fresh" / "ep.mp3"
    _build(wanted, fresh)

    # A folder that first made another episode: its cache holds clips (the
    # shared review's and the show's host lines), so the rest is batched anew.
    mixed = tmp_path / "mixed" / "ep.mp3"
    _build(other, tmp_path / "mixed" / "other.mp3")
    _build(wanted, mixed)
    assert _sha(mixed) == _sha(fresh)

    # Truncated clip-cache entries are found, dropped and spoken again.
    clips = sorted((tmp_path / "fresh" / ".cache" / "clips").rglob("*.wav"))
    assert len(clips) > 4
    for entry in clips[::3]:
        entry.write_bytes(entry.read_bytes()[:100])
    repaired = tmp_path / "fresh" / "again.mp3"
    _build(wanted, repaired)
    assert _sha(repaired) == _sha(fresh)

    # And a copy of the repaired cache in a new place gives them too.
    shutil.copytree(tmp_path / "fresh" / ".cache", tmp_path / "copy" / ".cache")
    _build(wanted, tmp_path / "copy" / "ep.mp3")
    assert _sha(tmp_path / "copy" / "ep.mp3") == _sha(fresh)
