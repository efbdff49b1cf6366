"""ffmpeg: the only module that starts it (or any other program).

Encoding units, probing and decoding a music file, and asking a binary for its
version all go through :func:`start_ffmpeg`, which never raises on ffmpeg's
own failure: each caller decides what a failure means for the user (a broken
encode, or a music file that is not audio).
"""

import errno
import os
import subprocess
from pathlib import Path

from digest.errors import EncodeError, InputError, MissingDependencyError
from digest.store.files import check_input_file

# Long enough for a two-hour episode's units on a slow machine.
ENCODE_TIMEOUT_S = 3600
VERSION_TIMEOUT_S = 30
# Largest music file accepted (an hour of CD-quality WAV is about 635 MB).
MAX_MUSIC_BYTES = 1 << 30
# What ffmpeg (through strerror) says when the output's disk or file size runs out.
DISK_FULL = tuple(os.strerror(e) for e in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT))

Finished = subprocess.CompletedProcess[str]


def start_ffmpeg(args: list[str], timeout: float = ENCODE_TIMEOUT_S) -> Finished:
    """Run ffmpeg, capturing its output; failing to start it is an EncodeError."""
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EncodeError(f"could not run ffmpeg ({exc})") from exc


def run_ffmpeg(args: list[str], what: str) -> Finished:
    """Run ffmpeg; a failure is an EncodeError quoting its telling line."""
    proc = start_ffmpeg(args)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["no message"]
        # The last line is often just "Conversion failed!"; a full disk says more.
        detail = next((x for x in lines if any(r in x for r in DISK_FULL)), lines[-1])
        raise EncodeError(f"ffmpeg failed to {what}: {detail}")
    return proc


def disk_full(error: Exception) -> str | None:
    """The full-disk reason an ffmpeg failure quotes, if that is what it was."""
    return next((r for r in DISK_FULL if r in str(error)), None)


def ffmpeg_version(path: Path) -> str:
    """The version ``path -version`` reports (e.g. ``n7.1``)."""
    try:
        proc = start_ffmpeg([str(path), "-hide_banner", "-version"], VERSION_TIMEOUT_S)
    except EncodeError as exc:
        raise MissingDependencyError(f"ffmpeg at {path} does not run: {exc}") from exc
    if proc.returncode != 0:
        raise MissingDependencyError(
            f"ffmpeg at {path} does not run: exit status {proc.returncode}"
        )
    first = proc.stdout.splitlines()[0] if proc.stdout else "ffmpeg"
    parts = first.split()
    return parts[2] if len(parts) > 2 else first


def _run_on_music(music: Path, args: list[str]) -> Finished:
    check_input_file(music, "music file", MAX_MUSIC_BYTES)  # not /dev/zero
    proc = start_ffmpeg(args)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        detail = lines[-1] if lines else f"ffmpeg exit status {proc.returncode}"
        raise InputError(f"{music}: cannot read the music file ({detail})")
    return proc


def check_music(ffmpeg: Path, music: Path) -> None:
    """Fail early, with an InputError, unless ffmpeg can decode audio from ``music``."""
    _run_on_music(
        music,
        [str(ffmpeg), "-hide_banner", "-nostdin", "-v", "error", "-i", str(music),
         "-map", "0:a:0", "-t", "1", "-f", "null", "-"],
    )  # fmt: skip


def decode_music(
    ffmpeg: Path, music: Path, out: Path, sample_rate: int, seconds: float
) -> Path:
    """Decode ``seconds`` of ``music`` (looped if shorter) to a mono 16-bit WAV."""
    _run_on_music(
        music,
        [str(ffmpeg), "-hide_banner", "-nostdin", "-v", "error", "-y",
         "-stream_loop", "-1", "-i", str(music), "-map", "0:a:0",
         "-t", f"{seconds:.3f}", "-ac", "1", "-ar", str(sample_rate),
         "-c:a", "pcm_s16le", "-f", "wav", str(out)],
    )  # fmt: skip
    return out
