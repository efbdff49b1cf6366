"""Settings and voice profiles, resolved once per command and passed down.

Precedence, lowest to highest: built-in defaults < ``voices/*.toml`` profiles <
``DIGEST_*`` environment variables < command-line flags. :func:`build_settings` is
the only place that applies it.
"""

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any, cast

from .errors import ConfigError

DEFAULT_VOICES_DIR = Path("voices")


@dataclass(frozen=True, slots=True)
class VoiceProfile:
    """How one speaker sounds: engine voice id, words per minute, pitch, volume."""

    name: str
    voice: str = "en-us"
    rate: int = 160
    pitch: int = 50
    volume: float = 0.9


@dataclass(frozen=True, slots=True)
class Pauses:
    """Silences in milliseconds after each kind of line."""

    sentence_ms: int = 450
    announce_ms: int = 700
    segment_ms: int = 1300
    intro_ms: int = 900


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a build or summary needs to know, fixed for the whole run."""

    show: str = "Review Digest"
    title: str | None = None
    artist: str = "digest"
    episode_date: date = field(default_factory=date.today)
    sentences: int = 4
    output: Path = Path("output/episode.mp3")
    bitrate_kbps: int = 96
    loudness_lufs: float = -16.0
    sample_rate: int = 44100
    host: VoiceProfile = field(default_factory=lambda: VoiceProfile("host", rate=165))
    narrator: VoiceProfile = field(
        default_factory=lambda: VoiceProfile("narrator", rate=160, pitch=42)
    )
    pauses: Pauses = field(default_factory=Pauses)
    synth_timeout_s: float = 30.0
    synth_retries: int = 3
    use_nltk_data: bool = True
    espeak: str = "auto"
    ffmpeg: str = "auto"

    @property
    def episode_title(self) -> str:
        """The episode's title: the one given, or one made from the date."""
        day = self.episode_date
        return self.title or f"{self.show}, {day:%B} {day.day}, {day.year}"


_PROFILE_TYPES: dict[str, type] = {
    "voice": str,
    "rate": int,
    "pitch": int,
    "volume": float,
}
_PROFILE_RANGES: dict[str, tuple[float, float]] = {
    "rate": (80, 450),
    "pitch": (0, 99),
    "volume": (0.0, 1.0),
}


def load_voice_profile(path: Path, base: VoiceProfile) -> VoiceProfile:
    """Read one ``voices/NAME.toml`` over ``base``; errors name the file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read voice profile ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc
    changes: dict[str, Any] = {}
    for key, value in data.items():
        expected = _PROFILE_TYPES.get(key)
        if expected is None:
            known = ", ".join(_PROFILE_TYPES)
            raise ConfigError(f"{path}: unknown key {key!r} (known: {known})")
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(f"{path}: key {key!r} must be {expected.__name__}")
        bounds = _PROFILE_RANGES.get(key)
        if (
            bounds is not None
            and not bounds[0] <= float(cast(float, value)) <= bounds[1]
        ):
            low, high = bounds
            raise ConfigError(
                f"{path}: key {key!r} must be between {low:g} and {high:g}"
            )
        if key == "voice" and not str(value).strip():
            raise ConfigError(f"{path}: key 'voice' must not be empty")
        changes[key] = value
    return replace(base, **changes)


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "DIGEST_SHOW" in env:
        out["show"] = env["DIGEST_SHOW"]
    if "DIGEST_ARTIST" in env:
        out["artist"] = env["DIGEST_ARTIST"]
    if "DIGEST_SENTENCES" in env:
        try:
            out["sentences"] = int(env["DIGEST_SENTENCES"])
        except ValueError:
            raise ConfigError("DIGEST_SENTENCES must be a whole number") from None
    if "DIGEST_BITRATE" in env:
        try:
            out["bitrate_kbps"] = int(env["DIGEST_BITRATE"])
        except ValueError:
            raise ConfigError("DIGEST_BITRATE must be a whole number (kbps)") from None
    for key in ("espeak", "ffmpeg"):
        name = f"DIGEST_{key.upper()}"
        if name in env:
            if env[name] not in ("auto", "system", "bundled"):
                raise ConfigError(f"{name} must be auto, system or bundled")
            out[key] = env[name]
    if env.get("DIGEST_NO_NLTK_DATA", "") not in ("", "0"):
        out["use_nltk_data"] = False
    return out


def build_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    voices_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve defaults < voices/*.toml < DIGEST_* env < ``overrides`` (the flags).

    ``overrides`` holds only the flags the user actually gave (None values are
    ignored). ``voices_dir`` defaults to ``DIGEST_VOICES`` or ``./voices`` when it
    exists.
    """
    env = os.environ if env is None else env
    settings = Settings()
    folder = voices_dir or Path(env.get("DIGEST_VOICES", DEFAULT_VOICES_DIR))
    if voices_dir is not None and not folder.is_dir():
        raise ConfigError(f"{folder}: voices folder not found")
    if folder.is_dir():
        host, narrator = folder / "host.toml", folder / "narrator.toml"
        if host.is_file():
            settings = replace(settings, host=load_voice_profile(host, settings.host))
        if narrator.is_file():
            narrator_profile = load_voice_profile(narrator, settings.narrator)
            settings = replace(settings, narrator=narrator_profile)
    settings = replace(settings, **_env_overrides(env))
    names = {f.name for f in fields(Settings)}
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(given) - names
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
    settings = replace(settings, **given)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if not 1 <= settings.sentences <= 50:
        raise ConfigError("sentences must be between 1 and 50")
    if settings.bitrate_kbps not in (32, 48, 64, 80, 96, 112, 128, 160, 192, 256, 320):
        raise ConfigError(f"unsupported MP3 bitrate {settings.bitrate_kbps} kbps")
    if not -30.0 <= settings.loudness_lufs <= -10.0:
        raise ConfigError("loudness target must be between -30 and -10 LUFS")
    if not settings.show.strip():
        raise ConfigError("the show name must not be empty")
