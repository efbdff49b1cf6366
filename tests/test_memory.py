"""A long episode is built with bounded memory (peak RSS of the build's processes)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from bench.reviews import write_reviews

# Peak resident memory of the biggest process of the build (the CLI, a speech
# worker or ffmpeg). The episode's PCM alone is ~95 MB per hour at 22.05 kHz:
# a build that held it twice, or decoded it into Python objects, would pass this.
LIMIT_MB = 300

# Runs a command and prints the peak RSS (kB) of its biggest descendant.
MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.integration
def test_long_episode_is_built_in_bounded_memory(tmp_path: Path) -> None:
    reviews = tmp_path / "reviews"
    write_reviews(reviews, 40, seed=7)
    out = tmp_path / "out" / "long.mp3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "digest", "-q",
         "build", str(reviews), "-o", str(out), "--sentences", "12", "--no-feed"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    seconds = MP3(out).info.length
    print(f"episode {seconds / 60:.1f} min, peak RSS {peak_mb:.0f} MB")
    assert seconds > 30 * 60, "the episode is not long enough to show anything"
    assert peak_mb < LIMIT_MB
