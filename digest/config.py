"""Settings, voice profiles and script templates, resolved once per command.

Precedence, lowest to highest: built-in defaults < ``voices/*.toml`` profiles (and
``voices/templates.toml``) < ``DIGEST_*`` environment variables < command-line
flags. :func:`build_settings` is the only place that applies it. Every problem in a
file is a :class:`ConfigError` naming the file and the key.
"""

import os
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any, cast

from digest.errors import ConfigError

DEFAULT_VOICES_DIR = Path("voices")
TEMPLATES_FILE = "templates.toml"
# Longest configurable pause: with the few milliseconds kept around each clip it
# stays under the 2 s that players and podcast checks call dead air.
MAX_PAUSE_MS = 1800


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

    ``voice`` is what the engine is asked for: an espeak voice id, file name,
    name or language, optionally with ``+variant``. The pause after a line comes
    from the profile of the voice that speaks it.
    """

    name: str
    voice: str = "en-us"
    rate: int = 160
    pitch: int = 50
    volume: float = 0.9
    pauses: Pauses = field(default_factory=Pauses)
    source: Path | None = field(default=None, compare=False)

    def where(self, key: str) -> str:
        """``file: key 'x'`` (or the profile name) for error messages."""
        origin = str(self.source) if self.source else f"voice profile {self.name!r}"
        return f"{origin}: key {key!r}"


# Placeholders each template may use (checked when the file is read).
_EPISODE_FIELDS = ("show", "title", "date", "weekday", "count", "reviews")
TEMPLATE_FIELDS: dict[str, tuple[str, ...]] = {
    "intro": _EPISODE_FIELDS,
    "intro_dated": _EPISODE_FIELDS,
    "announce": ("number", "total", "title"),
    "byline": ("critic", "outlet"),
    "byline_critic": ("critic",),
    "byline_outlet": ("outlet",),
    "certificate": ("certificate",),
    "runtime": ("runtime", "minutes"),
    "rating": ("rating",),
    "transitions": ("number", "total"),
    "final_transitions": ("number", "total"),
    "outro": _EPISODE_FIELDS,
}
_REQUIRED_TEMPLATES = ("intro", "intro_dated", "announce", "outro")


@dataclass(frozen=True, slots=True)
class Templates:
    """Format strings for everything the host says; see the README for the keys.

    Optional pieces (byline, facts) are only spoken when the review has them; an
    empty template switches a piece off. Transitions are used in turn, starting
    at a place fixed by the episode, so the same input gives the same script.
    """

    intro: str = "Welcome to {show}. This is {title}, for {date}. Today: {reviews}."
    # Used instead of ``intro`` when the episode has no title of its own (its
    # title would only repeat the show and the date).
    intro_dated: str = "Welcome to {show}, for {date}. Today: {reviews}."
    announce: str = "Review {number} of {total}: {title}."
    byline: str = "By {critic}, for {outlet}."
    byline_critic: str = "By {critic}."
    byline_outlet: str = "From {outlet}."
    certificate: str = "Rated {certificate}."
    runtime: str = "Running time: {runtime}."
    rating: str = "Verdict: {rating}."
    transitions: tuple[str, ...] = (
        "Next up.",
        "On to the next review.",
        "Here is another take.",
        "And now, another review.",
        "Moving on.",
        "Let's turn to the next one.",
    )
    final_transitions: tuple[str, ...] = ("And finally.", "Last but not least.")
    outro: str = "That's all for this episode of {show}. Thanks for listening."
    source: Path | None = field(default=None, compare=False)


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
    output: Path = Path("output/episode.mp3")
    bitrate_kbps: int = 96
    loudness_lufs: float = -16.0
    sample_rate: int = 44100
    host: VoiceProfile = field(
        default_factory=lambda: VoiceProfile(
            "host", voice="en-us+m3", rate=170, pitch=68
        )
    )
    narrator: VoiceProfile = field(
        default_factory=lambda: VoiceProfile("narrator", rate=160, pitch=40)
    )
    templates: Templates = field(default_factory=Templates)
    voices_dir: Path | None = None
    music: Path | None = None
    cover: Path | None = None
    track: int | None = None
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

    @property
    def episode_title(self) -> str:
        """The episode's title: the one given, or one made from the date."""
        day = self.episode_date
        return self.title or f"{self.show}, {day:%B} {day.day}, {day.year}"

    def voice(self, speaker: str) -> VoiceProfile:
        """The profile for a script speaker (``host`` or ``narrator``).

        A narrator derived for another language (``narrator.fr``) is looked up
        through :func:`digest.script.script_voices`; on its own it falls back to
        the narrator, never to the host.
        """
        name = self.narrator.name
        if speaker == name or speaker.startswith(f"{name}."):
            return self.narrator
        return self.host


# --- voice profiles --------------------------------------------------------------

_PROFILE_TYPES: dict[str, type] = {
    "voice": str,
    "language": str,
    "variant": str,
    "rate": int,
    "pitch": int,
    "volume": float,
    "pauses": dict,
}
_PROFILE_RANGES: dict[str, tuple[float, float]] = {
    "rate": (80, 450),
    "pitch": (0, 99),
    "volume": (0.0, 1.0),
}
_PAUSE_KEYS = {f.name.removesuffix("_ms"): f.name for f in fields(Pauses)}
_VARIANT = re.compile(r"[A-Za-z0-9_-]+")


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc


def _typed(path: Path, key: str, value: Any, expected: type) -> Any:
    """``value`` checked against ``expected`` (TOML ints count as floats)."""
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or isinstance(value, bool):
        name = "table" if expected is dict else expected.__name__
        raise ConfigError(f"{path}: key {key!r} must be {name}")
    bounds = _PROFILE_RANGES.get(key)
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
    data = _read_toml(path, "voice profile")
    changes: dict[str, Any] = {"source": path}
    for key, value in data.items():
        expected = _PROFILE_TYPES.get(key)
        if expected is None:
            known = ", ".join(_PROFILE_TYPES)
            raise ConfigError(f"{path}: unknown key {key!r} (known: {known})")
        value = _typed(path, key, value, expected)
        if expected is str and not value.strip():
            raise ConfigError(f"{path}: key {key!r} must not be empty")
        if key == "pauses":
            changes["pauses"] = _load_pauses(path, value, base.pauses)
        elif key not in ("voice", "language", "variant"):
            changes[key] = value
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


def profile_paths(folder: Path) -> tuple[Path, ...]:
    """Every voice profile file in ``folder`` (``templates.toml`` is not one)."""
    if not folder.is_dir():
        return ()
    return tuple(p for p in sorted(folder.glob("*.toml")) if p.name != TEMPLATES_FILE)


def find_profile(settings: Settings, name: str) -> VoiceProfile:
    """The profile called ``name``: host, narrator or another ``voices/NAME.toml``."""
    if name == settings.host.name:
        return settings.host
    if name == settings.narrator.name:
        return settings.narrator
    folder = settings.voices_dir
    if not _VARIANT.fullmatch(name):  # a bare file name, never a path
        raise ConfigError(
            f"voice profile name {name!r} must be letters, digits, - or _"
        )
    path = folder / f"{name}.toml" if folder else None
    if path is None or not path.is_file() or path.name == TEMPLATES_FILE:
        known = ["host", "narrator"]
        if folder:
            known += [p.stem for p in profile_paths(folder) if p.stem not in known]
        raise ConfigError(f"no voice profile {name!r} (known: {', '.join(known)})")
    return load_voice_profile(path, VoiceProfile(name))


# --- templates -------------------------------------------------------------------

_SAMPLE_VALUES: dict[str, object] = {
    "show": "Show",
    "title": "Title",
    "date": "Monday, January 1, 2024",
    "weekday": "Monday",
    "count": "two",
    "reviews": "two reviews",
    "number": "one",
    "total": "two",
    "critic": "A. Critic",
    "outlet": "The Paper",
    "certificate": "P G 13",
    "runtime": "one hour and 52 minutes",
    "minutes": 112,
    "rating": "four stars",
}


def check_template(path: Path | str, key: str, text: str) -> str:
    """Raise ConfigError unless ``text`` formats with ``key``'s placeholders only."""
    allowed = TEMPLATE_FIELDS[key]
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigError(f"{path}: key {key!r}: bad format string ({exc})") from exc
    for _literal, name, _spec, _conversion in parsed:
        if name is not None and name not in allowed:
            raise ConfigError(
                f"{path}: key {key!r}: unknown placeholder {{{name}}} "
                f"(allowed: {', '.join('{' + a + '}' for a in allowed)})"
            )
    try:
        text.format_map(_SAMPLE_VALUES)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ConfigError(f"{path}: key {key!r}: bad format string ({exc})") from exc
    return text


def load_templates(path: Path, base: Templates | None = None) -> Templates:
    """Read a templates TOML file over ``base`` (the built-in defaults)."""
    base = base or Templates()
    data = _read_toml(path, "templates")
    changes: dict[str, Any] = {"source": path}
    for key, value in data.items():
        if key not in TEMPLATE_FIELDS:
            known = ", ".join(TEMPLATE_FIELDS)
            raise ConfigError(f"{path}: unknown key {key!r} (known: {known})")
        if key.endswith("transitions"):
            if not isinstance(value, list) or not all(
                isinstance(item, str) and item.strip() for item in value
            ):
                raise ConfigError(
                    f"{path}: key {key!r} must be a list of non-empty strings"
                )
            changes[key] = tuple(check_template(path, key, item) for item in value)
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{path}: key {key!r} must be str")
        if key in _REQUIRED_TEMPLATES and not value.strip():
            raise ConfigError(f"{path}: key {key!r} must not be empty")
        changes[key] = check_template(path, key, value)
    return replace(base, **changes)


# --- the one place where precedence is applied -----------------------------------


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
    if "DIGEST_BASE_URL" in env:
        out["base_url"] = env["DIGEST_BASE_URL"] or None
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
    if env.get("DIGEST_CACHE"):
        out["cache_dir"] = Path(env["DIGEST_CACHE"])
    if env.get("DIGEST_JOBS"):
        try:
            out["jobs"] = int(env["DIGEST_JOBS"])
        except ValueError:
            raise ConfigError("DIGEST_JOBS must be a whole number") from None
    if env.get("DIGEST_SYNTH_TIMEOUT"):
        try:
            out["synth_timeout_s"] = float(env["DIGEST_SYNTH_TIMEOUT"])
        except ValueError:
            raise ConfigError(
                "DIGEST_SYNTH_TIMEOUT must be a number of seconds"
            ) from None
    if env.get("DIGEST_EXECUTOR"):
        out["executor"] = env["DIGEST_EXECUTOR"]
    if env.get("DIGEST_NO_NLTK_DATA", "") not in ("", "0"):
        out["use_nltk_data"] = False
    return out


def build_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    voices_dir: Path | None = None,
    templates_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve defaults < voices/*.toml < DIGEST_* env < ``overrides`` (the flags).

    ``overrides`` holds only the flags the user actually gave (None values are
    ignored). ``voices_dir`` defaults to ``DIGEST_VOICES`` or ``./voices`` when it
    exists; its ``host.toml``, ``narrator.toml`` and ``templates.toml`` are read.
    ``templates_path`` (``--templates``) replaces ``voices/templates.toml``.
    """
    env = os.environ if env is None else env
    settings = Settings()
    folder = voices_dir or Path(env.get("DIGEST_VOICES", DEFAULT_VOICES_DIR))
    if voices_dir is not None and not folder.is_dir():
        raise ConfigError(f"{folder}: voices folder not found")
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
    if settings.track is not None and not 1 <= settings.track <= 9999:
        raise ConfigError("track number must be between 1 and 9999")
