"""The neural narrator's cold build: speed, memory and repeatability at N reviews.

Usage: ``python bench/neural.py [--n 50] [--quick] [--write BENCHMARKS.md]``

Two cold builds with ``--voices neural`` (Piper narrator, espeak host) of the
same made-up reviews (bench/reviews.py), each into an empty folder with an
empty clip cache, through bench/episode.py's wrapper (wall time from process
start, the largest process's peak RSS, the tree's summed PSS). It reports the
audio seconds per wall second, the peak memory, whether the two MP3s are the
same bytes, and the loudness digest measured on the encoded file. Needs the
``neural`` extra (``pip install -e '.[neural]'``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import sections  # bench/sections.py: run as a script, bench/ is on sys.path
from episode import REPO, Builder, Run, digest_command, machine, measure, report

MARK_BEGIN = "<!-- bench-neural:begin -->"
MARK_END = "<!-- bench-neural:end -->"
SPEED_TARGET = 10.0  # audio seconds per wall second, cold, on this machine
MEMORY_TARGET_MB = 400.0


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cold_build(builder: Builder, reviews: Path, here: Path, label: str) -> Run:
    """One cold neural build into the empty folder ``here``."""
    shutil.rmtree(here, ignore_errors=True)
    argv = builder.build(reviews, here / "out" / "episode.mp3", here / "cache")
    return report(measure(label, [*argv, "--voices", "neural"], REPO))


def table(n: int, runs: Sequence[Run], same: bool) -> list[str]:
    """The section's lines for two cold runs."""
    rows = [
        "| run | N | wall s | audio s | audio s per wall s | peak MB "
        "(largest RSS / tree PSS) | LUFS | dBTP | near peak % |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        audio = run.audio_s or 0.0
        near = run.result.get("near_peak")
        rows.append(
            f"| {run.label} | {n} | {run.wall:.1f} | {audio:.0f} | "
            f"{audio / run.wall:.1f} | {run.maxrss_mb:.0f} / {run.tree_mb:.0f} | "
            f"{run.result.get('loudness_lufs', float('nan')):.1f} | "
            f"{run.result.get('true_peak_dbtp', float('nan')):.1f} | "
            f"{'–' if near is None else f'{100 * near:.1f}'} |"
        )
    speed = min((r.audio_s or 0.0) / r.wall for r in runs)
    peak = max(r.maxrss_mb for r in runs)
    fast = "pass" if speed >= SPEED_TARGET else "FAIL"
    small = "pass" if peak < MEMORY_TARGET_MB else "FAIL"
    rows += [
        "",
        f"- Speed: {speed:.1f}x real time (target >= {SPEED_TARGET:g}x): **{fast}**.",
        f"- Peak memory of the largest process: {peak:.0f} MB "
        f"(target < {MEMORY_TARGET_MB:g} MB): **{small}**; the whole process tree "
        f"(main and the workers, summed PSS) peaked at "
        f"{max(r.tree_mb for r in runs):.0f} MB.",
        f"- The two cold builds gave {'the same' if same else 'DIFFERENT'} bytes.",
    ]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, help="reviews [50; 6 with --quick]")
    parser.add_argument("--quick", action="store_true", help="6 reviews")
    parser.add_argument("--seed", type=int, default=1, help="review generator seed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", type=Path, help="keep the runs' files here")
    parser.add_argument("--write", type=Path, help="update this Markdown file")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("piper") is None:
        print("the neural extra is not installed: pip install -e '.[neural]'")
        return 1
    from reviews import write_reviews

    n = args.n or (6 if args.quick else 50)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="digest-neural-"))
    reviews = work / "reviews"
    write_reviews(reviews, n, args.seed)
    builder = Builder(tuple(digest_command()), args.jobs)
    runs = [
        cold_build(builder, reviews, work / "a", "neural cold 1"),
        cold_build(builder, reviews, work / "b", "neural cold 2"),
    ]
    same = _sha(work / "a/out/episode.mp3") == _sha(work / "b/out/episode.mp3")
    body = [
        "`make bench-neural` (bench/neural.py): two cold `digest build --voices "
        "neural` runs",
        "(Piper en_US-joe-medium narrator, and the same model 3 semitones up as host;",
        "one ONNX thread per worker process)",
        f"of the same made-up reviews, each into an empty folder, --jobs {args.jobs}.",
        f"Run {time.strftime('%Y-%m-%d')} on: {machine()}.",
        "",
        *table(n, runs, same),
    ]
    text = "\n".join(body)
    print(text)
    if args.write:
        sections.write_section(
            args.write, MARK_BEGIN, MARK_END, "Neural narrator builds", text
        )
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
