"""Voice profiles: who speaks how, read from ``voices/NAME.toml``.

A profile names the engine (espeak through pyttsx3, or the optional Piper
narrator), the engine's voice, words per minute, pitch, volume and the pauses
after its lines. Every problem in a file is a :class:`ConfigError` naming the
file and the key. The bundled voice sets are folders of package data:
``digest.voices`` (the default) and its ``neural`` subfolder.
"""

import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, cast

from digest.errors import ConfigError

TEMPLATES_FILE = "templates.toml"
LEXICON_FILE = "lexicon.toml"
NOT_PROFILES = (TEMPLATES_FILE, LEXICON_FILE)  # voices/ files that are no profile
# Longest configurable pause: with the few milliseconds kept around each clip it
# stays under the 2 s that players and podcast checks call dead air.
MAX_PAUSE_MS = 1800
# The engines a profile may name: espeak-ng through pyttsx3 (the default), and
# Piper, the optional neural engine (``pip install 'review-digest[neural]'``).
ENGINES = ("espeak", "piper")
# Voice sets installed with digest, by the name ``--voices`` accepts: folders of
# the ``digest.voices`` package data ("default" is the package folder itself).
BUNDLED_SETS = ("default", "neural")


@dataclass(frozen=True, slots=True)
class Pauses:
    """Silences in milliseconds after each kind of line."""

    sentence_ms: int = 450
    paragraph_ms: int = 850
    announce_ms: int = 700
    transition_ms: int = 400
    segment_ms: int = 1300
    intro_ms: int = 900


@dataclass(frozen=True, slots=True)
class VoiceProfile:
    """How one speaker sounds and paces: voice, words per minute, pitch, pauses.

    ``voice`` is what the engine is asked for: for espeak a voice id, file name,
    name or language, optionally with ``+variant``; for Piper a bundled model's
    name. The pause after a line comes from the profile of the voice that
    speaks it.
    """

    name: str
    voice: str = "en-us"
    engine: str = "espeak"
    rate: int = 160
    pitch: int = 50
    volume: float = 0.9
    pauses: Pauses = field(default_factory=Pauses)
    source: Path | None = field(default=None, compare=False)

    def where(self, key: str) -> str:
        """``file: key 'x'`` (or the profile name) for error messages."""
        origin = str(self.source) if self.source else f"voice profile {self.name!r}"
        return f"{origin}: key {key!r}"


# --- voice profiles --------------------------------------------------------------

# Each profile key's TOML type and, for the numbers, the range they must lie in.
_PROFILE_KEYS: dict[str, tuple[type, tuple[float, float] | None]] = {
    "engine": (str, None),
    "voice": (str, None),
    "language": (str, None),
    "variant": (str, None),
    "rate": (int, (80, 450)),
    "pitch": (int, (0, 99)),
    "volume": (float, (0.0, 1.0)),
    "pauses": (dict, None),
}
_PAUSE_KEYS = {f.name.removesuffix("_ms"): f.name for f in fields(Pauses)}
_VARIANT = re.compile(r"[A-Za-z0-9_-]+")


def read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc


def check_known(path: Path, key: str, known: Collection[str]) -> None:
    if key not in known:
        raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(known)})")


def _typed(path: Path, key: str, value: Any) -> Any:
    """``value`` checked against its key's type and range (TOML ints pass as floats)."""
    expected, bounds = _PROFILE_KEYS[key]
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or isinstance(value, bool):
        name = "table" if expected is dict else expected.__name__
        raise ConfigError(f"{path}: key {key!r} must be {name}")
    # NaN fails every comparison, so it is caught here too.
    if bounds is not None and not bounds[0] <= cast(float, value) <= bounds[1]:
        low, high = bounds
        raise ConfigError(f"{path}: key {key!r} must be between {low:g} and {high:g}")
    return value


def _load_pauses(path: Path, table: dict[str, Any], base: Pauses) -> Pauses:
    changes: dict[str, int] = {}
    for key, value in table.items():
        name = _PAUSE_KEYS.get(key)
        if name is None:
            known = ", ".join(_PAUSE_KEYS)
            raise ConfigError(f"{path}: unknown key 'pauses.{key}' (known: {known})")
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{path}: key 'pauses.{key}' must be int (milliseconds)")
        if not 0 <= value <= MAX_PAUSE_MS:
            raise ConfigError(
                f"{path}: key 'pauses.{key}' must be between 0 and {MAX_PAUSE_MS} ms"
            )
        changes[name] = value
    return replace(base, **changes)


def load_voice_profile(path: Path, base: VoiceProfile) -> VoiceProfile:
    """Read one ``voices/NAME.toml`` over ``base``; errors name the file and key.

    The voice is either ``voice`` (an engine id or name) or ``language`` with an
    optional ``variant``; a ``variant`` alone keeps the base voice's language.
    """
    data = read_toml(path, "voice profile")
    changes: dict[str, Any] = {"source": path}
    for key, value in data.items():
        check_known(path, key, _PROFILE_KEYS)
        value = _typed(path, key, value)
        if isinstance(value, str) and not value.strip():
            raise ConfigError(f"{path}: key {key!r} must not be empty")
        if key == "pauses":
            changes["pauses"] = _load_pauses(path, value, base.pauses)
        elif key not in ("voice", "language", "variant"):
            changes[key] = value
    if changes.get("engine", "espeak") not in ENGINES:
        raise ConfigError(f"{path}: key 'engine' must be one of {', '.join(ENGINES)}")
    if changes.get("engine") == "piper" and ("variant" in data or "language" in data):
        raise ConfigError(f"{path}: a Piper profile names its model with 'voice'")
    if "voice" in data and "language" in data:
        raise ConfigError(f"{path}: key 'language': give either 'voice' or 'language'")
    variant = data.get("variant")
    if variant is not None and not _VARIANT.fullmatch(variant):
        raise ConfigError(f"{path}: key 'variant' must be a name like 'm3' or 'f2'")
    voice = str(data.get("voice") or data.get("language") or base.voice).strip()
    if variant is not None:
        voice = f"{voice.partition('+')[0]}+{variant}"
    changes["voice"] = voice
    return replace(base, **changes)


def bundled_voices(name: str = "default") -> Path:
    """The folder of a voice set installed with digest (see :data:`BUNDLED_SETS`)."""
    root = Path(str(resources.files("digest.voices")))
    return root if name == "default" else root / name


def voices_folder(given: Path | None, named: str | None) -> Path:
    """The voices folder a build reads: ``--voices`` (a folder, or a bundled set's
    name when no such folder exists), else ``DIGEST_VOICES``, else the default set."""
    for choice in (given, named):
        if not choice:
            continue
        folder = Path(choice)
        if folder.is_dir():
            return folder
        if str(choice) in BUNDLED_SETS:
            return bundled_voices(str(choice))
        sets = ", ".join(BUNDLED_SETS)
        raise ConfigError(f"{folder}: voices folder not found (bundled sets: {sets})")
    return bundled_voices()
