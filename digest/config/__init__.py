"""Settings, voice profiles and script templates, resolved once per command.

Precedence, lowest to highest: built-in defaults < ``voices/*.toml`` profiles (and
``voices/templates.toml``) < the output folder's show file (``show.toml``, read by
:mod:`digest.store.show`) < ``DIGEST_*`` environment variables < command-line
flags. :func:`build_settings` is the only place that applies it. Every problem in a
file is a :class:`ConfigError` naming the file and the key.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from digest.config.profiles import (
    LEXICON_FILE,
    MAX_PAUSE_MS,
    NOT_PROFILES,
    TEMPLATES_FILE,
    Pauses,
    VoiceProfile,
    bundled_voices,
    load_voice_profile,
    voices_folder,
)
from digest.config.templates import (
    TEMPLATE_FIELDS,
    Templates,
    check_template,
    load_templates,
)
from digest.errors import ConfigError

__all__ = [
    "LEXICON_FILE",
    "MAX_PAUSE_MS",
    "NOT_PROFILES",
    "TEMPLATES_FILE",
    "TEMPLATE_FIELDS",
    "Pauses",
    "Settings",
    "Templates",
    "VoiceProfile",
    "build_settings",
    "bundled_voices",
    "check_template",
    "http_url",
    "load_templates",
    "load_voice_profile",
    "voices_folder",
]


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a build or summary needs to know, fixed for the whole run."""

    show: str = "Review Digest"
    title: str | None = None
    artist: str = "digest"
    episode_date: date = field(default_factory=date.today)
    sentences: int = 4
    # Reading-time limits for the summaries: per review, and shared by the episode.
    seconds: float | None = None
    episode_seconds: float | None = None
    # Reading reviews: JSON/CSV field mapping ("text=reviewBody") and URL timeout.
    fields: tuple[str, ...] = ()
    fetch_timeout_s: float = 15.0
    follow_redirects: bool = False  # to other hosts (same-host ones always)
    output: Path = Path("output/episode.mp3")
    bitrate_kbps: int = 96
    # Mono files: -19 LUFS (-16 is the convention for stereo; issue 17).
    loudness_lufs: float = -19.0
    sample_rate: int = 44100
    # Frozen, so one default instance can serve every Settings.
    host: VoiceProfile = VoiceProfile("host", voice="en-us", rate=170, pitch=68)
    narrator: VoiceProfile = VoiceProfile("narrator", rate=150, pitch=40)
    templates: Templates = field(default_factory=Templates)
    voices_dir: Path | None = None
    music: Path | None = None
    cover: Path | None = None
    track: int | None = None
    season: int | None = None
    # Where the output folder is published, for feed.xml's links (None: file://).
    base_url: str | None = None
    feed: bool = True
    # The clip cache: its folder (None: <output folder>/.cache/clips) and whether
    # it is used at all.
    cache_dir: Path | None = None
    use_cache: bool = True
    synth_timeout_s: float = 30.0
    synth_retries: int = 3
    # Synthesis workers (None: one per core) and where they run (None: local
    # spawn processes; "dask://HOST:PORT": a Dask cluster).
    jobs: int | None = None
    executor: str | None = None
    use_nltk_data: bool = True
    espeak: str = "auto"
    ffmpeg: str = "auto"


# --- the one place where precedence is applied -----------------------------------

_SOURCE_ERROR = "must be auto, system or bundled"


def _engine_source(value: str) -> str:
    if value not in ("auto", "system", "bundled"):
        raise ValueError(value)
    return value


def http_url(value: str) -> str:
    """``value`` if it is an absolute http(s) URL; else ValueError saying why."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("is not an absolute http(s) URL")
    if any(ch.isspace() for ch in value):
        raise ValueError("is not an absolute http(s) URL (it has spaces)")
    return value


def _base_url(value: str) -> str | None:
    try:
        return http_url(value) if value else None
    except ValueError:
        raise ValueError(value) from None


class _EnvVar(NamedTuple):
    """A ``DIGEST_*`` variable: the setting it sets and how its text is read."""

    setting: str
    parse: Callable[[str], Any] = str
    error: str = ""  # said when ``parse`` raises ValueError
    empty: bool = True  # whether an empty value is read (False: it counts as unset)


_ENV_VARS = {
    "DIGEST_SHOW": _EnvVar("show"),
    "DIGEST_ARTIST": _EnvVar("artist"),
    "DIGEST_SENTENCES": _EnvVar("sentences", int, "must be a whole number"),
    "DIGEST_BASE_URL": _EnvVar(
        "base_url", _base_url, "is not an absolute http(s) URL (e.g. https://host/pod)"
    ),
    "DIGEST_BITRATE": _EnvVar("bitrate_kbps", int, "must be a whole number (kbps)"),
    "DIGEST_ESPEAK": _EnvVar("espeak", _engine_source, _SOURCE_ERROR),
    "DIGEST_FFMPEG": _EnvVar("ffmpeg", _engine_source, _SOURCE_ERROR),
    "DIGEST_CACHE": _EnvVar("cache_dir", Path, empty=False),
    "DIGEST_JOBS": _EnvVar("jobs", int, "must be a whole number", empty=False),
    "DIGEST_SYNTH_TIMEOUT": _EnvVar(
        "synth_timeout_s", float, "must be a number of seconds", empty=False
    ),
    "DIGEST_EXECUTOR": _EnvVar("executor", empty=False),
    # Any value but 0 turns the data off (0 leaves it on, as unset does).
    "DIGEST_NO_NLTK_DATA": _EnvVar("use_nltk_data", lambda v: v == "0", empty=False),
}


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, var in _ENV_VARS.items():
        value = env.get(name)
        if value is None or not (value or var.empty):
            continue
        try:
            out[var.setting] = var.parse(value)
        except ValueError:
            raise ConfigError(f"{name} {var.error}") from None
    return out


def build_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    voices_dir: Path | None = None,
    templates_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    show_file: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve defaults < voices/*.toml < ``show_file`` < DIGEST_* env < the flags.

    ``overrides`` holds only the flags the user actually gave (None values are
    ignored). ``voices_dir`` (``--voices``: a folder or a bundled set's name)
    defaults to ``DIGEST_VOICES``, else the profiles installed with digest, never
    ``./voices``; its host, narrator and templates TOML are read.
    ``templates_path`` (``--templates``) replaces ``voices/templates.toml``.
    ``show_file`` holds the settings the output folder's show file sets.
    """
    env = os.environ if env is None else env
    settings = Settings()
    folder = voices_folder(voices_dir, env.get("DIGEST_VOICES"))
    if folder.is_dir():
        settings = replace(settings, voices_dir=folder)
        host, narrator = folder / "host.toml", folder / "narrator.toml"
        if host.is_file():
            settings = replace(settings, host=load_voice_profile(host, settings.host))
        if narrator.is_file():
            narrator_profile = load_voice_profile(narrator, settings.narrator)
            settings = replace(settings, narrator=narrator_profile)
        if templates_path is None and (folder / TEMPLATES_FILE).is_file():
            templates_path = folder / TEMPLATES_FILE
    if templates_path is not None:
        if not templates_path.is_file():
            raise ConfigError(f"{templates_path}: templates file not found")
        settings = replace(settings, templates=load_templates(templates_path))
    kept = {k: v for k, v in (show_file or {}).items() if v is not None}
    settings = replace(settings, **{**kept, **_env_overrides(env)})
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
    for name in ("seconds", "episode_seconds", "fetch_timeout_s", "synth_timeout_s"):
        value = getattr(settings, name)
        if value is not None and not 0 < value <= 86_400:
            raise ConfigError(f"{name} must be a positive number of seconds")
    if settings.bitrate_kbps not in (32, 48, 64, 80, 96, 112, 128, 160, 192, 256, 320):
        raise ConfigError(f"unsupported MP3 bitrate {settings.bitrate_kbps} kbps")
    if settings.sample_rate not in (32000, 44100, 48000):  # MPEG-1 Layer III
        raise ConfigError(f"unsupported MP3 sample rate {settings.sample_rate} Hz")
    if not -30.0 <= settings.loudness_lufs <= -10.0:
        raise ConfigError("loudness target must be between -30 and -10 LUFS")
    if not settings.show.strip():
        raise ConfigError("the show name must not be empty")
    if settings.jobs is not None and not 1 <= settings.jobs <= 256:
        raise ConfigError("jobs must be between 1 and 256")
    for name in ("track", "season"):
        value = getattr(settings, name)
        if value is not None and not 1 <= value <= 9999:
            raise ConfigError(f"{name} number must be between 1 and 9999")
