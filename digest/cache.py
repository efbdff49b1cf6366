"""The clip cache: synthesized WAVs kept by what they say and how, to skip the engine.

In: a :class:`~digest.speak.Synthesizer` and a cache folder (default
``<output folder>/.cache/clips``). Out: the same clips the synthesizer would make;
the engine runs only for lines whose key is not in the cache. The key is a sha256
of the spoken text, the voice profile (engine voice, rate, pitch, volume), the
engine's name and version, the clip format and :data:`CACHE_FORMAT`.

Files: ``KEY[:2]/KEY.wav`` and ``KEY[:2]/KEY.json`` (a record with the WAV's size
and sha256). Both are written to a temporary file and renamed into place, the WAV
first, so a record never points at a partial WAV. On every read the size,
checksum and WAV header are checked; an entry that fails is deleted and made
again, never used. Deleting the folder is always safe.
"""

import contextlib
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from .config import VoiceProfile
from .errors import OutputError, SynthesisError
from .models import Clip, Line
from .sidecars import write_atomic
from .speak import Synthesizer, read_wav_info

log = logging.getLogger("digest")

# Bump when the key or the entry layout changes: old entries are then never hit.
CACHE_FORMAT = 1
# What an entry holds: the engine's own WAV, checked to be 16-bit mono PCM.
CLIP_FORMAT = "wav-pcm16-mono"
CLIPS_DIR = Path(".cache") / "clips"


def default_cache_dir(output: Path) -> Path:
    """Where clips are cached when no folder is given: beside the episode."""
    return output.parent / CLIPS_DIR


@runtime_checkable
class VoiceChecker(Protocol):
    """A synthesizer that can name the engine voice a profile resolves to."""

    def check(self, profile: VoiceProfile) -> str:
        """The engine's id for ``profile``'s voice."""
        ...


def clip_key(text: str, voice: VoiceProfile, engine_id: str, engine_voice: str) -> str:
    """The cache key of one clip: sha256 over everything that shapes its audio."""
    parts = {
        "format": CACHE_FORMAT,
        "clip": CLIP_FORMAT,
        "engine": engine_id,
        "engine_voice": engine_voice,
        "voice": voice.voice,
        "rate": voice.rate,
        "pitch": voice.pitch,
        "volume": voice.volume,
        "text": text,
    }
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


class ClipCache:
    """A folder of verified WAV clips addressed by :func:`clip_key`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._store_failed = False  # warn once per build, not once per clip

    def _paths(self, key: str) -> tuple[Path, Path]:
        base = self.folder / key[:2] / key
        return base.with_suffix(".wav"), base.with_suffix(".json")

    def discard(self, key: str) -> None:
        """Delete an entry (both files), if present."""
        for path in self._paths(key):
            with contextlib.suppress(OSError):
                path.unlink()

    def fetch(self, key: str, dest: Path) -> bool:
        """Copy a verified entry to ``dest``; a bad entry is deleted (then False)."""
        wav, record = self._paths(key)
        try:
            meta = json.loads(record.read_text(encoding="utf-8"))
            data = wav.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            if wav.is_file() or record.is_file():
                log.warning("clip cache: incomplete entry %s removed", key[:12])
                self.discard(key)
            return False
        except (OSError, ValueError):
            meta, data = None, b""
        if not (
            isinstance(meta, dict)
            and meta.get("key") == key
            and meta.get("format") == CACHE_FORMAT
            and meta.get("size") == len(data)
            and meta.get("sha256") == hashlib.sha256(data).hexdigest()
        ):
            log.warning("clip cache: damaged entry %s removed", key[:12])
            self.discard(key)
            return False
        dest.write_bytes(data)
        try:
            info = read_wav_info(dest)
        except SynthesisError:
            info = None
        usable = info is not None and info.frames > 0
        if not usable or info is None or (info.channels, info.sample_width) != (1, 2):
            log.warning("clip cache: entry %s is not a usable WAV, removed", key[:12])
            self.discard(key)
            dest.unlink(missing_ok=True)
            return False
        return True

    def store(self, key: str, wav_path: Path) -> None:
        """Add a clip; a cache that cannot be written only costs a warning."""
        wav, record = self._paths(key)
        try:
            data = wav_path.read_bytes()
            wav.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(wav, data, durable=False)
            meta = {
                "format": CACHE_FORMAT,
                "key": key,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            write_atomic(
                record,
                (json.dumps(meta, sort_keys=True) + "\n").encode(),
                durable=False,
            )
        except (OSError, OutputError) as exc:
            if not self._store_failed:
                log.warning("clip cache: cannot write %s (%s)", self.folder, exc)
            self._store_failed = True


@dataclass(slots=True)
class CacheStats:
    """How many clips came from the cache, how many the engine made, and how
    many lines repeated another line's text and voice and shared its clip."""

    hits: int = 0
    misses: int = 0
    repeats: int = 0


class CachingSynthesizer:
    """A :class:`Synthesizer` that asks ``inner`` only for clips not yet cached."""

    def __init__(self, inner: Synthesizer, cache: ClipCache) -> None:
        self.inner = inner
        self.cache = cache
        self.stats = CacheStats()

    @property
    def engine_id(self) -> str:
        """The wrapped engine's id (the cache changes no audio)."""
        return self.inner.engine_id

    def key(self, line: Line, voice: VoiceProfile) -> str:
        """The cache key for ``line`` spoken by ``voice``."""
        inner = self.inner
        engine_voice = inner.check(voice) if isinstance(inner, VoiceChecker) else ""
        return clip_key(line.text.strip(), voice, inner.engine_id, engine_voice)

    def synthesize(self, line: Line, voice: VoiceProfile, path: Path) -> Clip:
        """The cached clip for ``line`` if there is a sound one, else a new one."""
        key = self.key(line, voice)
        if self.cache.fetch(key, path):
            info = read_wav_info(path)
            self.stats.hits += 1
            return Clip(line, path, info.frames, info.sample_rate)
        clip = self.inner.synthesize(line, voice, path)
        self.stats.misses += 1
        self.cache.store(key, clip.path)
        return clip
