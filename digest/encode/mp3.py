"""MP3 streams joined without re-encoding: separately encoded units → one file.

Each unit of the episode is encoded on its own (in parallel, and cached), with
ffmpeg's Info frame (the Xing-style header of a constant-bitrate file, with the
LAME extension that holds the encoder delay and padding). Joining keeps the
first unit's Info frame, rewritten for the whole stream, then every unit's
audio frames in order:

* frame count, byte count and seek table (TOC) describe the joined file;
* the encoder delay is the first unit's, the end padding the last unit's, so
  decoders that trim them (ffmpeg, Apple, mpg123…) start and stop on the audio;
* the music CRC is the CRC-16 of all the audio frames, combined from the units'
  own CRCs (CRC arithmetic over GF(2), no pass over the bytes), and the tag CRC
  is recomputed the way ffmpeg computes it.

A unit's first frame starts with an empty bit reservoir, so frames from
different encoder runs follow each other cleanly; the units meet in silence, so
the encoder's own lead-in and padding only lengthen a pause by a few tens of
milliseconds. :func:`unit_starts` says exactly where each unit's audio lands.
"""

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.errors import EncodeError

SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III
# Samples a Layer III decoder adds in front (the synthesis filterbank's delay).
DECODER_DELAY = 529
_BITRATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)
_TAGS = (b"Info", b"Xing")
_LAME_LEN = 36
_TAG_CRC_SPAN = 190  # bytes of the Info frame the tag CRC covers (as ffmpeg)
_CRC_POLY = 0xA001  # CRC-16/ARC, reflected; the LAME tag's CRCs


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What the Info frame of one encoded unit says about it."""

    header_size: int  # bytes of the Info frame
    frames: int  # audio frames after it
    audio_bytes: int
    delay: int  # encoder delay, samples
    padding: int  # samples added after the audio to fill the last frame
    music_crc: int
    sample_rate: int

    @property
    def samples(self) -> int:
        """Audio samples once the delay and padding are trimmed."""
        return self.frames * SAMPLES_PER_FRAME - self.delay - self.padding


def _crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC_POLY if crc & 1 else crc >> 1
    return crc


def _times(matrix: Sequence[int], vector: int) -> int:
    out, i = 0, 0
    while vector:
        if vector & 1:
            out ^= matrix[i]
        vector >>= 1
        i += 1
    return out


def _square(matrix: Sequence[int]) -> list[int]:
    return [_times(matrix, column) for column in matrix]


def crc_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """CRC-16/ARC of A+B from the CRCs of A and B and B's length in bytes.

    With a zero start and no final XOR the CRC is linear: the CRC of A+B is
    A's CRC carried through ``length_b`` zero bytes, XOR B's CRC. Carrying is
    a 16x16 bit-matrix power, found by repeated squaring (as zlib does for
    CRC-32).
    """
    if length_b <= 0:
        return crc_a
    # One zero bit: shift right, folding in the polynomial when a 1 drops out.
    odd = [_CRC_POLY] + [1 << (i - 1) for i in range(1, 16)]
    even = _square(odd)  # two bits
    odd = _square(even)  # four bits
    crc, n = crc_a, length_b
    while True:
        even = _square(odd)  # 8, 32, … bits on alternating rounds
        if n & 1:
            crc = _times(even, crc)
        n >>= 1
        if not n:
            break
        odd = _square(even)
        if n & 1:
            crc = _times(odd, crc)
        n >>= 1
        if not n:
            break
    return crc ^ crc_b


def _frame_header(data: bytes, at: int = 0) -> tuple[int, int, int]:
    """(frame bytes, sample rate, side info bytes) of the MPEG-1 Layer III frame."""
    if len(data) < at + 4:
        raise EncodeError("encoded unit is too short to be an MP3")
    (word,) = struct.unpack(">I", data[at : at + 4])
    version, layer = (word >> 19) & 3, (word >> 17) & 3
    if word >> 21 != 0x7FF or version != 3 or layer != 1:
        raise EncodeError("encoded unit does not start with an MPEG-1 Layer III frame")
    bitrate_index, rate_index = (word >> 12) & 15, (word >> 10) & 3
    if not 0 < bitrate_index < 15 or rate_index == 3:
        raise EncodeError("encoded unit has a bad MP3 frame header")
    rate = _RATES[rate_index]
    size = 144000 * _BITRATES_KBPS[bitrate_index] // rate + ((word >> 9) & 1)
    mono = (word >> 6) & 3 == 3
    return size, rate, 17 if mono else 32


def _tag_offsets(frame: bytes, side: int) -> tuple[int, int, int]:
    """Offsets of the Info tag, its TOC (or -1) and its LAME extension."""
    tag = 4 + side
    if frame[tag : tag + 4] not in _TAGS:
        raise EncodeError("encoded unit has no Info frame (ffmpeg -write_xing 1)")
    (flags,) = struct.unpack(">I", frame[tag + 4 : tag + 8])
    if flags & 3 != 3:
        raise EncodeError("encoded unit's Info frame lacks frame and byte counts")
    at = tag + 16
    toc = -1
    if flags & 4:
        toc, at = at, at + 100
    if flags & 8:
        at += 4
    return tag, toc, at


def read_stream(path: Path) -> tuple[StreamInfo, bytes]:
    """The unit's Info frame (parsed, and as bytes) from the start of ``path``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            size, rate, side = _frame_header(head)
            frame = head + fh.read(size - 4)
            total = fh.seek(0, 2)
    except OSError as exc:
        raise EncodeError(f"{path.name}: cannot read the encoded unit ({exc})") from exc
    if len(frame) < size:
        raise EncodeError(f"{path.name}: encoded unit is cut short")
    tag, _toc, lame = _tag_offsets(frame, side)
    frames, _bytes = struct.unpack(">II", frame[tag + 8 : tag + 16])
    if len(frame) < lame + _LAME_LEN:
        raise EncodeError(f"{path.name}: Info frame has no LAME extension")
    delay_padding = int.from_bytes(frame[lame + 21 : lame + 24], "big")
    (music_crc,) = struct.unpack(">H", frame[lame + 32 : lame + 34])
    info = StreamInfo(
        header_size=size,
        frames=frames,
        audio_bytes=total - size,
        delay=delay_padding >> 12,
        padding=delay_padding & 0xFFF,
        music_crc=music_crc,
        sample_rate=rate,
    )
    return info, frame


def joined_header(template: bytes, parts: Sequence[StreamInfo]) -> bytes:
    """The Info frame for ``parts`` joined in order, from the first unit's frame."""
    if not parts:
        raise EncodeError("nothing to join")
    _size, _rate, side = _frame_header(template)
    tag, toc, lame = _tag_offsets(template, side)
    frames = sum(p.frames for p in parts)
    audio = sum(p.audio_bytes for p in parts)
    total = len(template) + audio
    frame = bytearray(template)
    frame[tag + 8 : tag + 16] = struct.pack(">II", frames, total)
    if toc >= 0:
        # Byte position at each percent of the play time, scaled to 0-255.
        for i in range(100):
            position = len(template) + audio * i // 100
            frame[toc + i] = min(255, position * 256 // total)
    delay, padding = parts[0].delay, parts[-1].padding
    frame[lame + 21 : lame + 24] = ((delay << 12) | padding).to_bytes(3, "big")
    frame[lame + 28 : lame + 32] = struct.pack(">I", total)
    crc = parts[0].music_crc
    for part in parts[1:]:
        crc = crc_combine(crc, part.music_crc, part.audio_bytes)
    frame[lame + 32 : lame + 34] = struct.pack(">H", crc)
    frame[lame + 34 : lame + 36] = b"\0\0"
    tag_crc = _crc16(bytes(frame[:_TAG_CRC_SPAN]))
    frame[lame + 34 : lame + 36] = struct.pack(">H", tag_crc)
    return bytes(frame)


def unit_starts(parts: Sequence[StreamInfo]) -> tuple[int, ...]:
    """Where each unit's first audio sample lands in the decoded, trimmed stream.

    Decoders drop the first unit's delay (plus their own filterbank delay) once,
    at the start; every later unit's lead-in and every earlier unit's padding
    stay in as a little more silence.
    """
    starts, frames = [], 0
    first = parts[0].delay if parts else 0
    for part in parts:
        starts.append(frames * SAMPLES_PER_FRAME + part.delay - first)
        frames += part.frames
    return tuple(starts)


def joined_samples(parts: Sequence[StreamInfo]) -> int:
    """Samples a trimming decoder gives for ``parts`` joined."""
    if not parts:
        return 0
    frames = sum(p.frames for p in parts)
    return frames * SAMPLES_PER_FRAME - parts[0].delay - parts[-1].padding


def join(
    units: Sequence[Path], out: Path, chunk: int = 1 << 20
) -> tuple[StreamInfo, ...]:
    """Write ``units`` (each an ffmpeg MP3 with an Info frame) joined into ``out``."""
    parsed = [read_stream(path) for path in units]
    parts = tuple(info for info, _frame in parsed)
    header = joined_header(parsed[0][1], parts)
    with out.open("wb") as dst:
        dst.write(header)
        for path, info in zip(units, parts, strict=True):
            with path.open("rb") as src:
                src.seek(info.header_size)
                while block := src.read(chunk):
                    dst.write(block)
    return parts
