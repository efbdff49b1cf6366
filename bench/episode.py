"""Episode build benchmark: digest's builds beside the plain espeak-ng + ffmpeg way.

Usage: ``python bench/episode.py [--n 50] [--sizes 10,100,500] [--quick]
[--write BENCHMARKS.md]``

On made-up reviews (bench/reviews.py), in one run: (1) a cold ``digest build`` of
``--n`` reviews (empty clip cache, no earlier output) beside the plain pipeline
speaking exactly the same script (the ``espeak-ng`` CLI writing one WAV per
segment, one after another, then one ffmpeg call concatenating them and encoding
the episode's MP3 settings); (2) the same build again with nothing changed; (3) the
build after one sentence of one review is edited; (4) cold builds at each of
``--sizes``, with the slope of wall time against reviews and audio hours.

Every build is the real ``digest`` command in a fresh process, run through a small
wrapper that times it (process start included), notes when each log line arrived
(the stage marks), samples the summed RSS of the process tree and reports the
largest process's peak RSS from ``getrusage(RUSAGE_CHILDREN)``, so nothing carries
over between runs. ``--jobs`` is passed when ``digest build --help`` lists it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sections  # bench/sections.py: run as a script, bench/ is on sys.path

REPO = Path(__file__).resolve().parent.parent
MARK_BEGIN = "<!-- bench-episode:begin -->"
MARK_END = "<!-- bench-episode:end -->"
DATE = "2024-06-01"  # a fixed episode date keeps the script the same in every run
TWO_HOURS_S = 7200.0
RSS_LIMIT_MB = 300.0
# The plain pipeline: espeak-ng's defaults for the narrator's voice and rate.
PLAIN_VOICE = ("-v", "en-us", "-s", "160")

# Runs one command and prints JSON: wall seconds from spawn to exit, when each
# stderr line arrived, the child's stdout, the largest descendant's peak RSS
# (ru_maxrss, KiB) and the peak of the whole tree's summed PSS (shared pages split
# between their users, so libraries are not counted once per worker) sampled
# every 50 ms. /proc/PID/task/*/children is not always there, so the tree comes
# from the ppids in /proc/*/stat.
WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time
argv = json.loads(sys.argv[1])
page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
def pss_kib(pid, rss):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return rss
def tree_kib(root):
    kids, rss = {}, {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            kids.setdefault(int(fields[1]), []).append(int(name))
            rss[int(name)] = int(fields[21]) * page_kib
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += pss_kib(pid, rss.get(pid, 0))
        stack.extend(kids.get(pid, ()))
    return total
start = time.perf_counter()
proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True, errors="replace")
lines, peak, done = [], [0], threading.Event()
def read_err():
    for line in proc.stderr:
        lines.append([time.perf_counter() - start, line.rstrip("\n")])
def sample():
    while not done.wait(0.05):
        peak[0] = max(peak[0], tree_kib(proc.pid))
reader = threading.Thread(target=read_err)
sampler = threading.Thread(target=sample, daemon=True)
reader.start(); sampler.start()
out = proc.stdout.read()
code = proc.wait()
wall = time.perf_counter() - start
done.set(); reader.join()
print(json.dumps({"wall": wall, "code": code, "stdout": out, "stderr": lines,
    "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "tree_kib": peak[0]}))
"""

# One more cold build, in process, for the pipeline's own stage timings
# (BuildResult.timings: the CLI prints only the total).
STAGES = r"""
import dataclasses, datetime, json, sys
from pathlib import Path
from digest.config import Settings, build_settings
from digest.pipeline import build_episode
reviews, out, cache, day, jobs = sys.argv[1:6]
flags = {"output": Path(out), "cache_dir": Path(cache),
         "episode_date": datetime.date.fromisoformat(day)}
if jobs and "jobs" in {f.name for f in dataclasses.fields(Settings)}:
    flags["jobs"] = int(jobs)
result = build_episode([Path(reviews)], build_settings(flags))
print(json.dumps(result.timings))
"""


class BuildFailedError(RuntimeError):
    """A measured command exited non-zero; the message is its last log line."""


@dataclass
class Run:
    """One measured command."""

    label: str
    wall: float
    maxrss_mb: float
    tree_mb: float
    audio_s: float | None = None
    stderr: list[tuple[float, str]] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)

    def mark(self, prefix: str) -> float | None:
        """When the first stderr line starting with ``prefix`` arrived."""
        return next((t for t, line in self.stderr if line.startswith(prefix)), None)

    def clips(self) -> tuple[int, int] | None:
        """(from the cache, synthesized), from the build's log."""
        for _, line in self.stderr:
            found = re.match(r"clips: (\d+) from the cache, (\d+) synthesized", line)
            if found:
                return int(found.group(1)), int(found.group(2))
        return None


def measure(label: str, argv: Sequence[str], cwd: Path) -> Run:
    """Run ``argv`` through the wrapper in a fresh process; fail loudly if it fails."""
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(list(argv))],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout)
    if data["code"] != 0:
        last = [line for _, line in data["stderr"] if line.strip()][-1:] or ["?"]
        print(f"{label} failed: {shlex.join(argv)}", file=sys.stderr)
        print("\n".join(line for _, line in data["stderr"][-5:]), file=sys.stderr)
        raise BuildFailedError(
            f"exit {data['code']} after {data['wall']:.0f} s: {last[0]}"
        )
    run = Run(
        label,
        data["wall"],
        data["maxrss_kib"] / 1024,
        data["tree_kib"] / 1024,
        stderr=[(t, line) for t, line in data["stderr"]],
    )
    if data["stdout"].lstrip().startswith("{"):
        run.result = json.loads(data["stdout"])
        run.audio_s = run.result.get("seconds")
    return run


# --- the commands ------------------------------------------------------------------


def digest_command() -> list[str]:
    """The installed ``digest`` beside this Python, else ``python -m digest``."""
    script = Path(sys.executable).with_name("digest")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "digest"]


def jobs_supported(digest: Sequence[str]) -> bool:
    """True when ``digest build --help`` lists a ``--jobs`` option."""
    proc = subprocess.run(
        [*digest, "build", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "200"},
    )
    return "--jobs" in proc.stdout


@dataclass(frozen=True)
class Builder:
    """How this benchmark calls ``digest build`` (same flags every time)."""

    digest: tuple[str, ...]
    jobs: int | None

    def build(self, reviews: Path, out: Path, cache: Path) -> list[str]:
        jobs = ["--jobs", str(self.jobs)] if self.jobs else []
        return [
            *self.digest, "build", str(reviews), "-o", str(out), "--cache", str(cache),
            "--date", DATE, "--json", *jobs,
        ]  # fmt: skip

    def script(self, reviews: Path) -> list[list[str]]:
        """The lines each segment speaks, from ``digest build --dry-run --json``."""
        proc = subprocess.run(
            [
                *self.digest,
                "build",
                str(reviews),
                "--date",
                DATE,
                "--dry-run",
                "--json",
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        plan = json.loads(proc.stdout)
        return [[line["text"] for line in seg["lines"]] for seg in plan["segments"]]


def plain_pipeline(segments: Sequence[Sequence[str]], work: Path, ffmpeg: Path) -> Path:
    """Write the plain pipeline as one shell script: espeak-ng per segment, ffmpeg."""
    work.mkdir(parents=True, exist_ok=True)
    commands = ["set -e"]
    listing = []
    for number, lines in enumerate(segments, 1):
        text, wav = work / f"seg-{number:04d}.txt", work / f"seg-{number:04d}.wav"
        text.write_text("\n".join(lines) + "\n", encoding="utf-8")
        commands.append(
            shlex.join(["espeak-ng", *PLAIN_VOICE, "-w", str(wav), "-f", str(text)])
        )
        listing.append(f"file '{wav}'")
    (work / "concat.txt").write_text("\n".join(listing) + "\n", encoding="utf-8")
    # The same encoder settings as digest.publish.encode_command, minus the
    # loudness chain (the plain way has no levelling).
    commands.append(
        shlex.join([
            str(ffmpeg), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "concat", "-safe", "0", "-i", str(work / "concat.txt"),
            "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "96k",
            "-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "1",
            "-fflags", "+bitexact", "-flags:a", "+bitexact",
            "-f", "mp3", str(work / "plain.mp3"),
        ])
    )  # fmt: skip
    script = work / "plain.sh"
    script.write_text("\n".join(commands) + "\n", encoding="utf-8")
    return script


def mp3_seconds(path: Path) -> float:
    """Duration of an MP3 from its Xing header (mutagen)."""
    from mutagen.mp3 import MP3

    audio: Any = MP3(str(path))  # type: ignore[no-untyped-call]
    return float(audio.info.length)


def edit_one_sentence(
    folder: Path, segments: Sequence[Sequence[str]], offset: int = 0
) -> str:
    """Change one sentence of a middle review, one it reads aloud if possible."""
    files = sorted(folder.glob("*.md"))
    middle = (len(files) // 2 + offset) % len(files)
    target = files[middle]
    text = target.read_text(encoding="utf-8")
    # Segment 0 is the intro; review k is segment k + 1.
    spoken = segments[middle + 1] if middle + 1 < len(segments) else []
    sentence = next((s for s in spoken if s.endswith(".") and s in text), None)
    where = "a sentence it reads aloud"
    if sentence is None:
        body = text.split("\n\n")[-2]
        sentence, where = body[: body.index(". ") + 1], "its first sentence"
    target.write_text(text.replace(sentence, sentence[:-1] + ", frankly.", 1))
    return f"{target.name}, {where}"


# --- the report --------------------------------------------------------------------


def fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Least squares ``y = a + b x``: (a, b, R²)."""
    slope, intercept = statistics.linear_regression(xs, ys)
    mean = statistics.fmean(ys)
    total = sum((y - mean) ** 2 for y in ys)
    resid = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return intercept, slope, 1 - resid / total if total else 1.0


def machine() -> str:
    """CPU, cores, RAM, Python, ffmpeg, espeak-ng: one line."""
    from digest.media.engines import find_ffmpeg

    cpu = platform.machine()
    meminfo = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        meminfo = Path("/proc/meminfo").read_text()
    except OSError:
        pass
    kib = re.search(r"MemTotal:\s+(\d+)", meminfo)
    ram = f"{int(kib.group(1)) / 1024**2:.1f} GiB RAM" if kib else "RAM unknown"
    ffmpeg = find_ffmpeg()
    espeak = "not installed"
    if shutil.which("espeak-ng"):
        out = subprocess.run(
            ["espeak-ng", "--version"], capture_output=True, text=True, check=False
        ).stdout
        found = re.search(r"text-to-speech:\s*(\S+)", out)
        espeak = found.group(1) if found else out.strip()[:40]
    from importlib.metadata import PackageNotFoundError, version

    try:
        loader = f"espeakng-loader {version('espeakng-loader')}"
    except PackageNotFoundError:
        loader = "no espeakng-loader"
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram}, Linux {platform.release()}; "
        f"Python {platform.python_version()}; ffmpeg {ffmpeg.version} "
        f"({ffmpeg.source}); espeak-ng CLI {espeak}; digest's libespeak-ng from "
        f"the system if present, else {loader}"
    )


def nltk_note(run: Run) -> str:
    fallback = any("NLTK data not usable" in line for _, line in run.stderr)
    return "built-in Punkt fallback" if fallback else "NLTK's punkt_tab"


def mb(run: Run) -> str:
    return f"{run.maxrss_mb:.0f} / {run.tree_mb:.0f}"


def verdict(ok: bool) -> str:
    return "**pass**" if ok else "**fail**"


def stages(run: Run) -> str:
    """Where a build's wall time went, from when its log lines arrived."""
    marks = [
        ("start, imports, ingest, summarize, script", run.mark("script:")),
        ("speech", run.mark("clips:")),
        ("stitch", run.mark("encode: started")),
        ("loudness, encode, tags, sidecars", run.mark("sidecars:")),
        ("feed, exit", run.wall),
    ]
    parts, last, pending = [], 0.0, []
    for name, at in marks:
        pending.append(name)
        if at is not None:
            # A missing mark folds its stage into the next one's time.
            parts.append(f"{' + '.join(pending)} {at - last:.1f} s")
            last, pending = at, []
    return "; ".join(parts)


def compare_table(
    n: int,
    jobs: str,
    plain: Run | None,
    cold: Run,
    warm: Run,
    edit: Run,
    edited: str,
) -> list[str]:
    audio = cold.audio_s or 0.0
    rows = [
        "| run | N | jobs | wall s | peak MB (largest RSS / tree PSS) | audio s "
        "| target | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    if plain is None:
        rows.append(f"| plain: espeak-ng CLI + ffmpeg | {n} | 1 | not measured | "
                    "not measured | | | install espeak-ng |")  # fmt: skip
        ratio = "not measured"
    else:
        rows.append(
            f"| plain: espeak-ng CLI per segment + one ffmpeg | {n} | 1 "
            f"| {plain.wall:.2f} | {mb(plain)} | {plain.audio_s or 0:.0f} | | |"
        )
        factor = cold.wall / plain.wall
        ratio = f"{factor:.2f}x plain {verdict(factor <= 1.0)}"
    rows += [
        f"| digest cold build | {n} | {jobs} | {cold.wall:.2f} | {mb(cold)} "
        f"| {audio:.0f} | <= 1.0x plain | {ratio} |",
        f"| digest warm rebuild, no change | {n} | {jobs} | {warm.wall:.2f} "
        f"| {mb(warm)} | {warm.audio_s or 0:.0f} | <= 1 s "
        f"| {verdict(warm.wall <= 1.0 and warm.result.get('up_to_date') is True)} |",
        f"| digest rebuild, one sentence edited | {n} | {jobs} | {edit.wall:.2f} "
        f"| {mb(edit)} | {edit.audio_s or 0:.0f} | <= 15 % of cold "
        f"| {100 * edit.wall / cold.wall:.0f} % "
        f"{verdict(edit.wall <= 0.15 * cold.wall)} |",
    ]
    notes = [
        "",
        f"- Cold build stages: {stages(cold)}.",
        f"- Warm rebuild: up to date = {warm.result.get('up_to_date')}; "
        f"stages: {stages(warm)}.",
        f"- Edit: {edited}; clips from the cache / synthesized: "
        f"{'/'.join(map(str, edit.clips() or ('?', '?')))}; stages: {stages(edit)}.",
    ]
    return rows + notes


def scale_table(runs: Sequence[tuple[int, Run]]) -> list[str]:
    rows = [
        "| N | wall s | audio s | audio s per wall s "
        "| peak MB (largest RSS / tree PSS) |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, run in runs:
        audio = run.audio_s or 0.0
        rows.append(
            f"| {n} | {run.wall:.1f} | {audio:.0f} | {audio / run.wall:.1f} "
            f"| {mb(run)} |"
        )
    rows.append("")
    if len(runs) >= 2:
        walls = [r.wall for _, r in runs]
        a, b, r2 = fit([float(n) for n, _ in runs], walls)
        _, per_hour, r2h = fit([(r.audio_s or 0) / 3600 for _, r in runs], walls)
        rows.append(
            f"- Slope: {b:.2f} s of wall per review (intercept {a:.1f} s, "
            f"R² {r2:.4f}); {per_hour:.0f} s of wall per audio hour (R² {r2h:.4f}); "
            f"linear {verdict(r2 >= 0.99)} (R² >= 0.99)."
        )
    long_runs = [(n, r) for n, r in runs if (r.audio_s or 0) >= 0.95 * TWO_HOURS_S]
    if long_runs:
        # The shortest run of about two hours or more: an upper bound for two
        # hours as long as memory does not shrink with length.
        n, run = min(long_runs, key=lambda item: item[1].audio_s or 0)
        peak = max(run.maxrss_mb, run.tree_mb)
        rows.append(
            f"- Two-hour episode: N = {n} ({(run.audio_s or 0) / 3600:.2f} h of audio) "
            f"peaked at {mb(run)} MB (largest RSS / tree PSS), "
            f"<= {RSS_LIMIT_MB:.0f} MB {verdict(peak <= RSS_LIMIT_MB)}."
        )
    elif runs:
        # Too short to say anything about two hours: no extrapolation from noise.
        n, run = max(runs, key=lambda item: item[1].audio_s or 0)
        rows.append(
            f"- Two-hour episode: not measured; the longest run (N = {n}, "
            f"{(run.audio_s or 0) / 3600:.2f} h) peaked at {mb(run)} MB."
        )
    return rows


def write_section(target: Path, body: str) -> None:
    sections.write_section(target, MARK_BEGIN, MARK_END, "Episode builds", body)


# --- main --------------------------------------------------------------------------


def fastest(runs: Sequence[Run]) -> Run:
    """The fastest of repeated runs (least disturbed), with the highest RSS seen."""
    best = min(runs, key=lambda r: r.wall)
    best.maxrss_mb = max(r.maxrss_mb for r in runs)
    best.tree_mb = max(r.tree_mb for r in runs)
    return best


def stage_timings(builder: Builder, reviews: Path, work: Path) -> str:
    """A cold build in process: digest's own per-stage seconds."""
    out, cache = work / "stages" / "episode.mp3", work / "stages-cache"
    proc = subprocess.run(
        [sys.executable, "-c", STAGES, str(reviews), str(out), str(cache), DATE,
         str(builder.jobs or "")],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    timings = json.loads(proc.stdout.strip().splitlines()[-1])
    total = sum(seconds for _, seconds in timings)
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings) + (
        f" (total {total:.1f} s, without process start)"
    )


def run_compare(
    builder: Builder, n: int, seed: int, work: Path, ffmpeg: Path, repeat: int
) -> list[str]:
    """Items 1-3: plain vs cold, then warm, then one edit; the table's lines."""
    from bench.reviews import write_reviews

    reviews = work / "reviews"
    write_reviews(reviews, n, seed)
    segments = builder.script(reviews)
    plain: Run | None = None
    if shutil.which("espeak-ng") is None:
        print(
            "espeak-ng CLI not on PATH: install it (apt-get install espeak-ng) to "
            "measure the plain pipeline; skipping that row"
        )
    else:
        script = plain_pipeline(segments, work / "plain", ffmpeg)
        plain = fastest(
            [
                report(measure("plain", ["bash", str(script)], work))
                for _ in range(repeat)
            ]
        )
        plain.audio_s = mp3_seconds(work / "plain" / "plain.mp3")
    out = work / "out" / "episode.mp3"
    colds = []
    for attempt in range(repeat):
        # Each cold run starts from nothing: no clip cache, no earlier episode.
        shutil.rmtree(work / "out", ignore_errors=True)
        cache = work / f"cache-{attempt}"
        colds.append(report(measure("cold", builder.build(reviews, out, cache), REPO)))
    cold = fastest(colds)
    warm = fastest(
        [
            report(measure("warm", builder.build(reviews, out, cache), REPO))
            for _ in range(repeat)
        ]
    )
    edits, edited = [], []
    for attempt in range(repeat):
        # A different review each time, so every run has a fresh edit to rebuild.
        edited.append(edit_one_sentence(reviews, segments, attempt))
        edits.append(report(measure("edit", builder.build(reviews, out, cache), REPO)))
    edit = fastest(edits)
    jobs = str(builder.jobs) if builder.jobs else "n/a"
    lines = compare_table(n, jobs, plain, cold, warm, edit, "; ".join(edited))
    lines.append(
        f"- Script: {len(segments)} segments, {sum(map(len, segments))} lines; "
        f"summaries used the {nltk_note(cold)}."
    )
    write_reviews(reviews, n, seed)  # undo the edits for the in-process build
    lines.append(
        f"- Cold build stages in process: {stage_timings(builder, reviews, work)}."
    )
    return lines


def run_scale(
    builder: Builder,
    sizes: Sequence[int],
    seed: int,
    work: Path,
    keep: bool,
    two_hour: bool,
) -> list[str]:
    """Cold builds at each size (plus one of about two hours of audio)."""
    from bench.reviews import write_reviews

    runs: list[tuple[int, Run]] = []
    failed: list[str] = []

    def cold(n: int) -> None:
        here = work / f"scale-{n}"
        write_reviews(here / "reviews", n, seed)
        command = builder.build(
            here / "reviews", here / "out" / "episode.mp3", here / "cache"
        )
        try:
            runs.append((n, report(measure(f"scale N={n}", command, REPO))))
        except BuildFailedError as exc:
            # One size failing still leaves the others worth reporting.
            failed.append(f"- N = {n}: the build failed ({exc}).")
        if not keep:
            shutil.rmtree(here)

    for n in sizes:
        cold(n)
    hours = [(r.audio_s or 0) / 3600 for _, r in runs]
    if two_hour and runs and not any(1.8 <= h <= 2.4 for h in hours):
        # Audio per review from the largest run so far picks N for two hours.
        n, run = max(runs, key=lambda item: item[0])
        n_two = max(1, round(TWO_HOURS_S / ((run.audio_s or 1) / n)))
        if n_two not in sizes:
            cold(n_two)
            runs.sort(key=lambda item: item[0])
    return scale_table(runs) + failed


def report(run: Run) -> Run:
    audio = f"{run.audio_s:8.1f} s audio" if run.audio_s is not None else ""
    print(
        f"{run.label:14} {run.wall:8.2f} s wall  {run.maxrss_mb:6.0f} MB largest  "
        f"{run.tree_mb:6.0f} MB tree  {audio}",
        flush=True,
    )
    return run


def sizes_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, help="reviews for items 1-3 [50]")
    parser.add_argument(
        "--sizes", type=sizes_list, help="comma-separated N for the scale runs"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes to try it out (N 6; 3,6,12; no two-hour run)",
    )
    parser.add_argument("--seed", type=int, default=1, help="review generator seed")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="when digest has --jobs"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per item 1-3 row (fastest counts)"
    )
    parser.add_argument("--no-compare", action="store_true", help="skip items 1-3")
    parser.add_argument("--no-scale", action="store_true", help="skip the scale runs")
    parser.add_argument(
        "--no-two-hour",
        action="store_true",
        help="no extra scale run sized for two hours of audio",
    )
    parser.add_argument("--workdir", type=Path, help="keep the runs' files here")
    parser.add_argument("--write", type=Path, help="update this Markdown file")
    args = parser.parse_args(argv)
    try:
        return run_bench(args)
    except BuildFailedError as exc:
        print(f"bench stopped: a build failed ({exc})", file=sys.stderr)
        return 1


def run_bench(args: argparse.Namespace) -> int:
    """Run the measurements ``args`` ask for; print and maybe write the section."""
    n = args.n or (6 if args.quick else 50)
    sizes = args.sizes or ([3, 6, 12] if args.quick else [10, 100, 500])
    if args.quick:
        args.no_two_hour = True

    from digest.media.engines import find_ffmpeg

    digest = tuple(digest_command())
    builder = Builder(digest, args.jobs if jobs_supported(digest) else None)
    if builder.jobs is None:
        print("digest build has no --jobs option: builds run as they are")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="digest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d")
    load_before = os.getloadavg()[0]
    body = [
        "`make bench` (bench/episode.py): the real `digest build` command in a fresh",
        "process per run (wall time includes process start), on reviews made up by",
        "bench/reviews.py (350-900 words each), episode date fixed, default voices.",
        "Peak memory: the largest single process's RSS (`getrusage(RUSAGE_CHILDREN)`;",
        "a forked child counts its parent's pages until it execs), then the whole",
        "process tree's summed PSS, sampled every 50 ms. The plain pipeline",
        "speaks the same script (`digest build --dry-run --json`): `espeak-ng "
        f"{' '.join(PLAIN_VOICE)}`",
        "writes one WAV per segment, one after another, then one ffmpeg call",
        "concatenates them into a 44.1 kHz mono 96 kbps CBR libmp3lame MP3 (no",
        "loudness pass, one voice, no pauses, tags or sidecars).",
        f"Run {started} on: {machine()}.",
    ]
    try:
        if not args.no_compare:
            body += ["", f"### Cold, warm and one-edit builds, N = {n}", ""]
            ffmpeg = find_ffmpeg().path
            repeat = max(1, args.repeat)
            body += run_compare(builder, n, args.seed, work / "compare", ffmpeg, repeat)
        if not args.no_scale:
            body += ["", "### Scale (cold builds)", ""]
            body += run_scale(
                builder,
                sizes,
                args.seed,
                work,
                keep=args.workdir is not None,
                two_hour=not args.no_two_hour,
            )
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    body += [
        "",
        f"Load average (1 min) {load_before:.1f} before and {os.getloadavg()[0]:.1f} "
        f"after the runs on {os.cpu_count()} cores"
        + ("" if args.repeat <= 1 else f"; items 1-3: fastest of {args.repeat} runs")
        + ".",
    ]
    text = "\n".join(body)
    print()
    print(text)
    if args.write:
        write_section(args.write, text)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
