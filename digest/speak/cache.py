"""The clip cache: synthesized WAVs kept by what they say and how, to skip the engine.

In: a :class:`~digest.speak.espeak.Synthesizer` and a cache folder (default
``<output folder>/.cache/clips``). Out: the same clips the synthesizer would make;
the engine runs only for lines whose key is not in the cache. The key is a sha256
of the text the engine is given (prepared for the ear, lexicon applied), the voice
profile (engine voice, rate, pitch, volume), the engine's name and version, the
clip format and :data:`CACHE_FORMAT`. Entries are kept in a
:class:`~digest.store.cache.VerifiedStore`, and each is also checked to be a
16-bit mono WAV before it is used.
"""

import json
import logging
import shutil
from pathlib import Path
from typing import Protocol, runtime_checkable

from digest.config import VoiceProfile
from digest.errors import SynthesisError
from digest.models import Clip, Line
from digest.speak.espeak import Synthesizer, read_wav_info
from digest.store.cache import CacheStats, VerifiedStore
from digest.store.files import sha256_hex

log = logging.getLogger("digest")

# Bump when the key or the entry layout changes: old entries are then never hit.
CACHE_FORMAT = 3  # 3: steady espeak, no state between utterances (2: text for the ear)
# What an entry holds: the engine's own WAV, checked to be 16-bit mono PCM.
CLIP_FORMAT = "wav-pcm16-mono"


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
    return sha256_hex(blob)


class ClipCache:
    """A folder of verified WAV clips addressed by :func:`clip_key`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.entries = VerifiedStore(folder, ".wav", CACHE_FORMAT, "clip cache")

    def discard(self, key: str) -> None:
        """Delete an entry (both files), if present."""
        self.entries.discard(key)

    def fetch(self, key: str, dest: Path) -> bool:
        """Copy a verified entry to ``dest``; a bad entry is deleted (then False)."""
        found = self.locate(key)
        if found is None:
            return False
        shutil.copyfile(found, dest)
        return True

    def locate(self, key: str) -> Path | None:
        """The verified entry's WAV file itself, to read in place (not to change)."""
        found = self.entries.read(key)
        if found is None:
            return None
        path, _record = self.entries.paths(key)
        try:
            info = read_wav_info(path)
        except SynthesisError:
            info = None
        if (
            info is None
            or info.frames == 0
            or (info.channels, info.sample_width) != (1, 2)
        ):
            self.entries.discard(key, "unusable (not a 16-bit mono WAV)")
            return None
        return path

    def store(self, key: str, wav_path: Path) -> None:
        """Add a clip; a cache that cannot be written only costs a warning."""
        try:
            data = wav_path.read_bytes()
        except OSError as exc:
            log.warning("clip cache: cannot read %s (%s)", wav_path.name, exc)
            return
        # The build's clips are only read after this, so the entry can share
        # the file rather than copy it.
        self.entries.write(key, data, source=wav_path)


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
