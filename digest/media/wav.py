"""WAV files: the only module that reads or writes them.

Every WAV digest makes is 16-bit mono PCM (the engine's clips, the mix, the
units handed to ffmpeg). Readers raise :class:`WavError`, whose message is the
parser's own; each stage wraps it in the error of its domain (a bad clip is a
synthesis failure, a bad mix an encoding one).
"""

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Self

# What the standard library raises on a damaged file. RuntimeError comes from
# its chunk reader on some malformed RIFF data.
_READ_ERRORS = (OSError, EOFError, RuntimeError, wave.Error)


class WavError(Exception):
    """A file that is missing or is not a readable PCM WAV."""


@dataclass(frozen=True, slots=True)
class WavInfo:
    """The format facts of a PCM WAV file."""

    frames: int
    sample_rate: int
    channels: int
    sample_width: int


def read_info(path: Path) -> WavInfo:
    """The header of a WAV file."""
    try:
        with wave.open(str(path), "rb") as wav:
            return WavInfo(
                wav.getnframes(),
                wav.getframerate(),
                wav.getnchannels(),
                wav.getsampwidth(),
            )
    except _READ_ERRORS as exc:
        raise WavError(str(exc)) from exc


def read_pcm(
    path: Path, start: int = 0, frames: int | None = None
) -> tuple[WavInfo, bytes]:
    """The header and ``frames`` frames from ``start`` (default: all of them)."""
    try:
        with wave.open(str(path), "rb") as wav:
            info = WavInfo(
                wav.getnframes(),
                wav.getframerate(),
                wav.getnchannels(),
                wav.getsampwidth(),
            )
            if start:
                wav.setpos(start)
            return info, wav.readframes(info.frames if frames is None else frames)
    except _READ_ERRORS as exc:
        raise WavError(str(exc)) from exc


def write_pcm(path: Path, pcm: bytes, rate: int) -> None:
    """Write 16-bit mono ``pcm`` as a WAV file."""
    with WavWriter(path, rate) as out:
        out.write(pcm)


class WavWriter:
    """A 16-bit mono WAV written piece by piece; readable up to the last flush."""

    def __init__(self, path: Path, rate: int) -> None:
        self.rate = rate
        self._file: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._wav = wave.open(self._file, "wb")
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(rate)

    def write(self, pcm: bytes) -> None:
        """Append frames (the header's length is fixed on close)."""
        self._wav.writeframes(pcm)

    def flush(self) -> None:
        """Hand what is written to the OS, so another reader can see it."""
        self._file.flush()

    def close(self) -> None:
        """Fix the header and close the file."""
        self._wav.close()
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WavReader:
    """A WAV file read piece by piece (for mixes too large to hold at once)."""

    def __init__(self, path: Path) -> None:
        try:
            self._wav = wave.open(str(path), "rb")
        except _READ_ERRORS as exc:
            raise WavError(str(exc)) from exc
        self.frames = self._wav.getnframes()
        self.rate = self._wav.getframerate()
        self.channels = self._wav.getnchannels()

    def seek(self, frame: int) -> None:
        """Read on from ``frame``."""
        self._wav.setpos(frame)

    def read(self, frames: int) -> bytes:
        """Up to ``frames`` frames from the current position."""
        return self._wav.readframes(frames)

    def close(self) -> None:
        """Close the file."""
        self._wav.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
