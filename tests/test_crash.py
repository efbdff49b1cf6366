"""Crash safety: a build killed (SIGKILL) at any point leaves the folder usable.

A good build is made first and timed; then builds with changed reviews are killed,
with their whole process group (ffmpeg included), at delays spread over that time.
After every kill the episode, its sidecars, the feed, the build record and the clip
cache must each be the old complete file or a new complete one, never part of one,
and the next normal build must succeed.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from digest.media.engines import find_ffmpeg
from digest.publish.published import read_episodes
from digest.speak.cache import ClipCache
from digest.store.manifest import manifest_path

from .conftest import REPO

KILLS = 7
SEED = 1234
RUN_TIMEOUT_S = 300
EPISODE = "ep.mp3"
SIDECARS = ("ep.vtt", "ep.srt", "ep.chapters.json", "ep.md", "ep.html")
# Everything a build may leave visible in the folder; temporaries are hidden.
VISIBLE = {EPISODE, *SIDECARS, "ep.cover.png", "feed.xml", "show-cover.png"}

_FILMS = ("Harbour Lights", "The Glass Orchard", "Night Ferry", "Paper Crowns")
_ADJ = ("patient", "restless", "luminous", "brittle", "generous", "stubborn")
_NOUN = ("lighthouse keeper", "cartographer", "night nurse", "retired boxer")
_PLACE = ("a flooded town", "the northern coast", "an empty hotel", "the salt flats")
_VERB = ("searches", "waits", "argues", "bargains", "runs")


def digest_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a real ``python -m digest`` run from this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env["PYTHONPATH"] = str(REPO)
    # A killed build cannot remove its work folder; keep those out of /tmp.
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    env["TMPDIR"] = str(scratch)
    return env


def check_episode(mp3: Path) -> float:
    """Assert ``mp3`` is a whole, tagged episode; return its decoded seconds."""
    ffmpeg = find_ffmpeg().path
    proc = subprocess.run(
        [str(ffmpeg), "-hide_banner", "-nostdin", "-v", "error", "-i", str(mp3),
         "-f", "s16le", "-ac", "1", "-ar", "8000", "-"],
        capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert not proc.stderr.strip(), proc.stderr.decode(errors="replace")
    seconds = len(proc.stdout) / 2 / 8000
    assert seconds > 1
    tags = ID3(str(mp3))
    assert str(tags["TIT2"].text[0])
    assert tags.getall("CHAP")
    # TLEN is the mix's length: a cut-short file decodes to less.
    assert abs(seconds - int(str(tags["TLEN"].text[0])) / 1000) < 0.5
    assert abs(MP3(str(mp3)).info.length - seconds) < 0.5
    return seconds


def write_reviews(folder: Path, version: int) -> None:
    """Two short reviews whose sentences differ for every ``version``."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    rng = random.Random(version)
    for n in (1, 2):
        film = f"{rng.choice(_FILMS)} {version}"
        sentences = [
            f"{film} follows a {rng.choice(_ADJ)} {rng.choice(_NOUN)} who "
            f"{rng.choice(_VERB)} across {rng.choice(_PLACE)} for {version + n} days."
        ]
        sentences += [
            f"The {rng.choice(_ADJ)} score and the {rng.choice(_ADJ)} camera make "
            f"scene {i} of part {version} feel {rng.choice(_ADJ)} rather than "
            f"{rng.choice(_ADJ)}."
            for i in range(1, 5)
        ]
        body = " ".join(sentences)
        (folder / f"review-{n}.md").write_text(
            f"# {film}\n\n{body}\n", encoding="utf-8"
        )


def build_args(reviews: Path, out: Path, version: int) -> list[str]:
    """``digest build`` for one version of the reviews (its title names it)."""
    return [
        sys.executable, "-m", "digest", "build", str(reviews), "-o", str(out / EPISODE),
        "-n", "2", "--date", "2026-11-21", "--title", f"Take {version}",
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The bytes of every visible file in the output folder."""

    files: dict[str, bytes]

    @classmethod
    def of(cls, out: Path) -> "Snapshot":
        """Read the folder's visible files."""
        return cls(
            {
                p.name: p.read_bytes()
                for p in out.iterdir()
                if p.is_file() and not p.name.startswith(".")
            }
        )


def check_sidecars(out: Path) -> None:
    """Each sidecar, if present, is a whole file of its kind."""
    for name in SIDECARS:
        path = out / name
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n"), name
        if name.endswith(".vtt"):
            assert text.startswith("WEBVTT"), name
        elif name.endswith(".json"):
            assert json.loads(text)["version"] == "1.2.0"
        elif name.endswith(".html"):
            assert SafeET.fromstring(text.encode()).tag == "html"


def check_feed(out: Path) -> ET.Element:
    """feed.xml parses and lists the one episode, never a temporary file."""
    root = SafeET.fromstring((out / "feed.xml").read_bytes())
    items = root.findall("./channel/item")
    assert len(items) == 1
    enclosure = items[0].find("enclosure")
    assert enclosure is not None
    assert enclosure.get("url", "").endswith("/" + EPISODE)
    # What the next feed would list: hidden temporaries are not episodes.
    assert [e.path.name for e in read_episodes(out)] == [EPISODE]
    return root


def check_cache(out: Path) -> tuple[int, int]:
    """Every recorded clip verifies; returns (entries, WAVs without a record)."""
    clips = out / ".cache" / "clips"
    cache = ClipCache(clips)
    entries = sorted(clips.glob("*/*.json"))
    probe = out.parent / "probe.wav"
    for record in entries:
        assert cache.fetch(record.stem, probe), f"damaged cache entry {record.name}"
    probe.unlink(missing_ok=True)
    orphans = [w for w in clips.glob("*/*.wav") if not w.with_suffix(".json").exists()]
    return len(entries), len(orphans)


def check_folder(out: Path, before: Snapshot, title: str) -> Snapshot:
    """The state a kill may leave: old or new whole files; returns the new state."""
    now = Snapshot.of(out)
    assert set(now.files) <= VISIBLE, set(now.files) - VISIBLE
    assert EPISODE in now.files, "the previous episode is gone"
    if now.files[EPISODE] != before.files[EPISODE]:
        check_episode(out / EPISODE)
        assert str(ID3(str(out / EPISODE))["TIT2"].text[0]) == title
    check_sidecars(out)
    check_feed(out)
    manifest = manifest_path(out / EPISODE)
    if manifest.exists():
        assert json.loads(manifest.read_text(encoding="utf-8"))["files"]
    check_cache(out)
    return now


def _kill_group(proc: "subprocess.Popen[bytes]") -> int:
    if proc.poll() is None:
        # The group is the build, its ffmpeg children and anything they started.
        os.killpg(proc.pid, signal.SIGKILL)
    return proc.wait(timeout=30)


@pytest.mark.integration
def test_killed_builds_leave_a_usable_folder(tmp_path: Path) -> None:
    env = digest_env(tmp_path)
    out, reviews = tmp_path / "out", tmp_path / "reviews"
    write_reviews(reviews, 0)
    start = time.monotonic()
    first = subprocess.run(
        build_args(reviews, out, 0),
        env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip
    build_s = time.monotonic() - start
    assert first.returncode == 0, first.stderr
    check_episode(out / EPISODE)
    state = Snapshot.of(out)
    assert set(state.files) == VISIBLE

    rng = random.Random(SEED)
    outcomes = []
    for kill in range(KILLS):
        version = kill + 1
        write_reviews(reviews, version)
        # One delay per equal slice of the build time, so every stage gets hit.
        delay = build_s * (kill + rng.random()) / KILLS
        log = tmp_path / f"kill-{kill}.log"
        with log.open("wb") as stderr:
            proc = subprocess.Popen(
                build_args(reviews, out, version),
                env=env, cwd=tmp_path, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
            try:
                time.sleep(delay)
                code = _kill_group(proc)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=30)
        # The last progress line says which stage the kill interrupted.
        lines = log.read_text(errors="replace").strip().splitlines()
        reached = lines[-1] if lines else "starting"
        outcomes.append((round(delay, 2), code, reached))
        try:
            state = check_folder(out, state, f"Take {version}")
        except AssertionError as exc:
            raise AssertionError(f"killed at {delay:.2f} s ({reached}): {exc}") from exc
    assert any(code == -signal.SIGKILL for _, code, _ in outcomes), outcomes

    final = subprocess.run(
        build_args(reviews, out, KILLS + 1),
        env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert final.returncode == 0, final.stderr
    assert final.stdout.startswith("Wrote ")
    check_episode(out / EPISODE)
    assert str(ID3(str(out / EPISODE))["TIT2"].text[0]) == f"Take {KILLS + 1}"
    feed = check_feed(out)
    enclosure = feed.find("./channel/item/enclosure")
    assert enclosure is not None
    assert int(enclosure.get("length", "0")) == (out / EPISODE).stat().st_size
    check_sidecars(out)
    entries, _ = check_cache(out)
    assert entries > 0
    # The build record it wrote is whole and current: a rerun does nothing.
    again = subprocess.run(
        build_args(reviews, out, KILLS + 1),
        env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Up to date: ")
