"""Settings, voice profiles and script templates, resolved once per command.

Precedence, lowest to highest: built-in defaults < ``voices/*.toml`` profiles (and
``voices/templates.toml``) < the output folder's show file (``show.toml``, read by
:mod:`digest.store.show`) < ``DIGEST_*`` environment variables < command-line
flags. :func:`build_settings` is the only place that applies it. Every problem in a
file is a :class:`ConfigError` naming the file and the key.
"""

import os
import re
import string
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, cast

from digest.errors import ConfigError

TEMPLATES_FILE = "templates.toml"
LEXICON_FILE = "lexicon.toml"
NOT_PROFILES = (TEMPLATES_FILE, LEXICON_FILE)  # voices/ files that are no profile
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
# A width or precision over 999 ("{show:>900000000}" builds 900 MB), or a nested
# placeholder (its value comes from a review).
_WIDE_SPEC = re.compile(r"\{|\d{4}")


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
    follow_redirects: bool = False  # to other hosts (same-host ones always)
    output: Path = Path("output/episode.mp3")
    bitrate_kbps: int = 96
    # Mono files: -19 LUFS (-16 is the convention for stereo; issue 17).
    loudness_lufs: float = -19.0
    sample_rate: int = 44100
    # Frozen, so one default instance can serve every Settings.
    host: VoiceProfile = VoiceProfile("host", voice="en-us+m3", rate=170, pitch=68)
    narrator: VoiceProfile = VoiceProfile("narrator", rate=160, pitch=40)
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


# --- voice profiles --------------------------------------------------------------

# Each profile key's TOML type and, for the numbers, the range they must lie in.
_PROFILE_KEYS: dict[str, tuple[type, tuple[float, float] | None]] = {
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


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc


def _check_known(path: Path, key: str, known: Collection[str]) -> None:
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
    data = _read_toml(path, "voice profile")
    changes: dict[str, Any] = {"source": path}
    for key, value in data.items():
        _check_known(path, key, _PROFILE_KEYS)
        value = _typed(path, key, value)
        if isinstance(value, str) and not value.strip():
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
    for _literal, name, spec, _conversion in parsed:
        if name is not None and name not in allowed:
            raise ConfigError(
                f"{path}: key {key!r}: unknown placeholder {{{name}}} "
                f"(allowed: {', '.join('{' + a + '}' for a in allowed)})"
            )
        if name is not None and _WIDE_SPEC.search(spec or ""):
            raise ConfigError(
                f"{path}: key {key!r}: {{{name}:{spec}}}: widths over 999 and "
                "nested placeholders are not allowed"
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
        _check_known(path, key, TEMPLATE_FIELDS)
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

_SOURCE_ERROR = "must be auto, system or bundled"


def _engine_source(value: str) -> str:
    if value not in ("auto", "system", "bundled"):
        raise ValueError(value)
    return value


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
    "DIGEST_BASE_URL": _EnvVar("base_url", lambda v: v or None),
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
    ignored). ``voices_dir`` defaults to ``DIGEST_VOICES``, else the profiles installed
    with digest, never ``./voices``; its host, narrator and templates TOML are read.
    ``templates_path`` (``--templates``) replaces ``voices/templates.toml``.
    ``show_file`` holds the settings the output folder's show file sets.
    """
    env = os.environ if env is None else env
    settings = Settings()
    named = env.get("DIGEST_VOICES")  # else the installed voices/ (package data)
    folder = voices_dir or Path(named or str(resources.files("digest.voices")))
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
