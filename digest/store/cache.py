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
import functools
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from digest.config import VoiceProfile
from digest.errors import OutputError, SynthesisError
from digest.models import Clip, Line, ReviewFacts
from digest.speak.espeak import Synthesizer, read_wav_info
from digest.store.files import Digest, link_atomic, sha256_hex, write_atomic

if TYPE_CHECKING:
    from digest.summarize.rank import Chosen, Pick

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
    return sha256_hex(blob)


class VerifiedStore:
    """Files kept by key, each checked on every read: the clip and unit caches' base.

    An entry is ``KEY[:2]/KEY<suffix>`` and ``KEY[:2]/KEY.json``, a record of the
    data's format, key, size and sha256 plus the caller's own fields. The data is
    written first, then the record (each atomically, without waiting for the
    disk), so a record never points at partial data; an entry that fails a check
    is deleted and reported as missing. A store that cannot be written warns once.
    """

    def __init__(self, folder: Path, suffix: str, fmt: int, what: str) -> None:
        self.folder = folder
        self.suffix = suffix
        self.format = fmt
        self.what = what  # "clip cache", for warnings
        self._store_failed = False

    def paths(self, key: str) -> tuple[Path, Path]:
        """The entry's data file and record."""
        base = self.folder / key[:2] / key
        return base.with_suffix(self.suffix), base.with_suffix(".json")

    def discard(self, key: str, why: str | None = None) -> None:
        """Delete an entry (both files), if present, warning ``why`` it went."""
        if why is not None:
            log.warning("%s: %s entry %s removed", self.what, why, key[:12])
        for path in self.paths(key):
            with contextlib.suppress(OSError):
                path.unlink()

    def read(self, key: str) -> tuple[dict[str, Any], bytes] | None:
        """The record and data of a sound entry; a bad one is deleted (then None)."""
        data_path, record = self.paths(key)
        try:
            meta = json.loads(record.read_text(encoding="utf-8"))
            data = data_path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            if data_path.is_file() or record.is_file():
                self.discard(key, "incomplete")
            return None
        except (OSError, ValueError):
            meta, data = None, b""
        if not (
            isinstance(meta, dict)
            and meta.get("key") == key
            and meta.get("format") == self.format
            and meta.get("size") == len(data)
            and meta.get("sha256") == sha256_hex(data)
        ):
            self.discard(key, "damaged")
            return None
        return meta, data

    def write(
        self, key: str, data: bytes, *, source: Path | None = None, **fields: Any
    ) -> bool:
        """Keep ``data`` (and ``fields`` in its record); False if it could not.

        ``source``, a file holding exactly ``data`` that nobody will change, is
        linked into the store rather than copied when the two share a disk.
        """
        data_path, record = self.paths(key)
        meta = {
            **fields,
            "format": self.format,
            "key": key,
            "size": len(data),
            "sha256": sha256_hex(data),
        }
        try:
            if source is None or not link_atomic(source, data_path):
                write_atomic(data_path, data, durable=False)
            text = json.dumps(meta, sort_keys=True) + "\n"
            write_atomic(record, text.encode(), durable=False)
        except OutputError as exc:
            if not self._store_failed:
                log.warning("%s: cannot write %s (%s)", self.what, self.folder, exc)
            self._store_failed = True
            return False
        return True


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


SUMMARIES_DIR = "summaries"
SUMMARY_FORMAT = 1
# The modules whose code decides a summary: a change to any of them is a new key.
_SUMMARIZER_SOURCES = ("rank.py", "clean.py", "nlp.py")


@functools.cache
def _summarizer_id() -> str:
    digest = Digest(f"summary-v{SUMMARY_FORMAT}".encode())
    here = Path(__file__).parent.parent / "summarize"
    for name in _SUMMARIZER_SOURCES:
        with contextlib.suppress(OSError):
            digest.update((here / name).read_bytes())
    return digest.hexdigest()


class SummaryCache:
    """Summaries already made, by review text, length settings and NLTK data.

    A review whose text is unchanged is not summarized again, and when every
    review is found, NLTK is not even loaded: an edit to one review of fifty
    costs one summary. The key covers the text, the sentence count and word
    budget, :func:`digest.summarize.nlp.data_fingerprint` (which data, or the fallback)
    and the summarizer's own code.
    """

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.entries = VerifiedStore(
            folder, ".summary", SUMMARY_FORMAT, "summary cache"
        )
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0

    def key(self, text: str, sentences: int, budget: int | None) -> str:
        """The entry's key for one summary request."""
        parts = [_summarizer_id(), self.fingerprint, sentences, budget, text]
        blob = json.dumps(parts, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return sha256_hex(blob)

    def pick(self, make: "Callable[[], Pick]") -> "Pick":
        """A :data:`~digest.summarize.Pick` answering from here, else ``make()``'s."""
        made: list[Pick] = []

        def pick(text: str, sentences: int, budget: int | None) -> "Chosen":
            key = self.key(text, sentences, budget)
            found = self._read(key)
            if found is not None:
                self.hits += 1
                return found
            if not made:
                made.append(make())
            chosen = made[0](text, sentences, budget)
            self.misses += 1
            self._write(key, chosen)
            return chosen

        return pick

    def _read(self, key: str) -> "Chosen | None":
        found = self.entries.read(key)
        if found is None:
            return None
        try:
            data = json.loads(found[1].decode("utf-8", "surrogatepass"))
            facts = data["facts"]
            return (
                [str(x) for x in data["sentences"]],
                [int(x) for x in data["paragraphs"]],
                ReviewFacts(
                    facts["certificate"],
                    facts["runtime_minutes"],
                    facts["rating"],
                    tuple(str(x) for x in facts["lines"]),
                ),
            )
        except (ValueError, KeyError, TypeError):
            self.entries.discard(key, "damaged")
            return None

    def _write(self, key: str, chosen: "Chosen") -> None:
        sentences, paragraphs, facts = chosen
        data = {
            "sentences": sentences,
            "paragraphs": paragraphs,
            "facts": {
                "certificate": facts.certificate,
                "runtime_minutes": facts.runtime_minutes,
                "rating": facts.rating,
                "lines": list(facts.lines),
            },
        }
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        self.entries.write(key, text.encode("utf-8", "surrogatepass"))


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
