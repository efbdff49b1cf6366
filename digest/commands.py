"""The library behind the CLI: ``say``, ``voices``, ``doctor``, ``feed``, ``show``,
the build's settings, and output.

Each command function takes the :class:`Settings` (and the command's own values) and
returns a record; ``digest build`` and ``summarize`` call :mod:`digest.pipeline`
directly, ``build --dry-run`` calls :func:`plan_episode`. :mod:`digest.render`
turns those records into what the CLI prints. Nothing here prints;
the only files written are the ones a command names: the preview (``say``),
``feed.xml`` and the show file (``show.toml``).
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.config import (
    NOT_PROFILES,
    Settings,
    VoiceProfile,
    build_settings,
    load_voice_profile,
)
from digest.encode.episode import export_audio
from digest.errors import ConfigError, DigestError, InputError, UsageError
from digest.media.engines import find_ffmpeg, prepare_espeak
from digest.media.ffmpeg import MAX_MUSIC_BYTES
from digest.models import Line, LineKind, Script, Summary, speech_text
from digest.options import channel as feed_channel
from digest.options import encoding, engine_spec, script_options, speech
from digest.pipeline import spoken_summaries, summarize_paths
from digest.publish.feed import write_feed
from digest.script import Timeline, estimate_timeline, script_voices, write_script
from digest.speak.espeak import EngineVoice, Pyttsx3Synthesizer, Synthesizer
from digest.speak.piper import PIPER_VOICES
from digest.speak.registry import (
    check_engines,
    neural_missing,
    piper_voice,
    speak_one,
)
from digest.stitch import framing
from digest.store import show as show_file
from digest.store.files import check_input_file, check_output_file, work_folder
from digest.store.lock import output_lock
from digest.summarize.nlp import load_text_tools

# A profile name is a bare file name in the voices folder, never a path.
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]+")


# --- voice profiles on disk -------------------------------------------------------


def profile_paths(folder: Path) -> tuple[Path, ...]:
    """Every voice profile file in ``folder`` (templates and lexicon are none)."""
    if not folder.is_dir():
        return ()
    return tuple(p for p in sorted(folder.glob("*.toml")) if p.name not in NOT_PROFILES)


def find_profile(settings: Settings, name: str) -> VoiceProfile:
    """The profile called ``name``: host, narrator or another ``voices/NAME.toml``."""
    if name == settings.host.name:
        return settings.host
    if name == settings.narrator.name:
        return settings.narrator
    folder = settings.voices_dir
    if not _PROFILE_NAME.fullmatch(name):
        raise ConfigError(
            f"voice profile name {name!r} must be letters, digits, - or _"
        )
    path = folder / f"{name}.toml" if folder else None
    if path is None or not path.is_file() or path.name in NOT_PROFILES:
        known = ["host", "narrator"]
        if folder:
            known += [p.stem for p in profile_paths(folder) if p.stem not in known]
        raise ConfigError(f"no voice profile {name!r} (known: {', '.join(known)})")
    return load_voice_profile(path, VoiceProfile(name))


# --- say ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SayResult:
    """A voice preview: where it went, who spoke, how long."""

    path: Path
    profile: VoiceProfile
    seconds: float


def preview_voice(
    text: str,
    voice: str,
    out: Path,
    settings: Settings,
    *,
    synthesizer: Synthesizer | None = None,
) -> SayResult:
    """Speak ``text`` with the profile called ``voice`` into ``out`` (.wav/.mp3)."""
    spoken = speech_text(text)
    if not spoken:
        raise InputError("nothing to say: the text is empty")
    if out.suffix.lower() not in (".wav", ".mp3"):
        raise UsageError(f"-o {out}: give a file name ending in .wav or .mp3")
    check_output_file(out)  # never a device, FIFO or folder (exit 7)
    profile = find_profile(settings, voice)
    spec = None
    if out.suffix.lower() == ".mp3":
        ffmpeg = find_ffmpeg(settings.ffmpeg)
        spec = encoding(settings, ffmpeg.path, ffmpeg.version)
    line = speech(settings).heard(Line(profile.name, spoken, LineKind.SENTENCE, 0))
    with work_folder("digest-say-") as tmp:
        if synthesizer is not None:
            clip = synthesizer.synthesize(line, profile, tmp / "say.wav")
        else:
            check_engines((profile,))
            clip = speak_one(line, profile, engine_spec(settings), tmp)
        export_audio(clip.path, out, spec)
    return SayResult(out, profile, clip.seconds)


# --- voices ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoiceListing:
    """The voice profiles in use or on disk, and what the engine offers."""

    profiles: tuple[VoiceProfile, ...]
    engine: tuple[EngineVoice, ...]
    variants: tuple[str, ...]
    resolved: tuple[str, ...]  # the engine id each profile maps to
    # Piper's bundled models and whether its extra is installed.
    neural: tuple[str, ...] = ()
    neural_missing: str | None = None


def list_voices(settings: Settings) -> VoiceListing:
    """Every profile (host, narrator, other ``voices/*.toml``) and engine voice."""
    profiles = [settings.host, settings.narrator]
    if settings.voices_dir is not None:
        for path in profile_paths(settings.voices_dir):
            if path.stem not in (settings.host.name, settings.narrator.name):
                profiles.append(load_voice_profile(path, VoiceProfile(path.stem)))
    prepare_espeak(settings.espeak)
    synth = Pyttsx3Synthesizer(timeout=settings.synth_timeout_s)
    missing = neural_missing()
    resolved = tuple(
        synth.check(p) if p.engine == "espeak" else missing or piper_voice(p)
        for p in profiles
    )
    return VoiceListing(
        tuple(profiles),
        tuple(synth.engine_voices()),
        synth.variants(),
        resolved,
        tuple(PIPER_VOICES),
        missing,
    )


# --- doctor ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """Human-readable findings; ``ok`` is False when a build would fail."""

    lines: tuple[str, ...]
    ok: bool


def run_doctor(settings: Settings) -> DoctorReport:
    """Check every engine and data file a build needs (starts the engine)."""
    lines: list[str] = []
    ok = True
    try:
        espeak = prepare_espeak(settings.espeak)
        where = f" (data: {espeak.data_path})" if espeak.data_path else ""
        lines.append(
            f"speech engine: pyttsx3 + libespeak-ng from {espeak.source}{where}"
        )
        synth = Pyttsx3Synthesizer(timeout=settings.synth_timeout_s)
        ids = synth.voice_ids()
        english = [v for v in ids if "/en" in v or v.startswith("en")]
        lines.append(f"voices: {len(ids)} available; English: {', '.join(english)}")
        for profile in (settings.host, settings.narrator):
            piper = profile.engine != "espeak"
            resolved = piper_voice(profile) if piper else synth.check(profile)
            origin = profile.source or "built-in"
            lines.append(
                f"  {profile.name}: {profile.voice} → {resolved}, {profile.rate} wpm, "
                f"pitch {profile.pitch}, volume {profile.volume} ({origin})"
            )
    except DigestError as exc:
        ok = False
        lines.append(f"speech engine: MISSING: {exc}")
    missing = neural_missing()
    lines.append(f"neural voices (Piper, optional): {missing or 'installed'}")
    if missing and "piper" in (settings.host.engine, settings.narrator.engine):
        ok = False
    try:
        ffmpeg = find_ffmpeg(settings.ffmpeg)
        lines.append(f"ffmpeg: {ffmpeg.version} from {ffmpeg.source} ({ffmpeg.path})")
    except DigestError as exc:
        ok = False
        lines.append(f"ffmpeg: MISSING: {exc}")
    # Loads NLTK (half a second of imports): only doctor and a build need it.
    status = load_text_tools(use_nltk_data=settings.use_nltk_data).status
    punkt = status.punkt_path or "built-in fallback"
    stop = status.stopwords_path or "built-in fallback"
    lines.append(f"nltk punkt_tab: {status.punkt_source} ({punkt})")
    lines.append(f"nltk stopwords: {status.stopwords_source} ({stop})")
    lines.extend(f"  note: {problem}" for problem in status.problems)
    lines.append("status: ok" if ok else "status: PROBLEMS FOUND")
    return DoctorReport(tuple(lines), ok)


# --- feed --------------------------------------------------------------------------


def output_settings(**flags: Any) -> Settings:
    """Settings for a build: the output folder's show file counts below the
    environment and the flags; a bad ``--show`` or ``--base-url`` is a usage error.
    """
    voices, templates = flags.pop("voices", None), flags.pop("templates", None)
    folder = Path(flags.get("output") or Settings().output).parent
    kept = show_file.read_show(folder)
    given = {"title": flags.pop("show", None), "base_url": flags.pop("base_url", None)}
    named = [key for key, value in given.items() if value is not None]
    flags.update(show_file.with_flags(kept, given).settings(named))
    return build_settings(
        flags, voices_dir=voices, templates_path=templates, show_file=kept.settings()
    )


def rebuild_feed(folder: Path, given: Mapping[str, object]) -> Path:
    """Rewrite ``folder/feed.xml`` for the show its show file describes.

    ``given`` holds the feed command's show settings by show-file key (None: not
    given); they are checked (a bad one is a usage error naming its flag), used
    over the file and the environment, and kept in the file.
    """
    with output_lock(folder):  # not while a build is writing there
        kept = show_file.read_show(folder)
        show = show_file.with_flags(kept, given)
        named = [key for key, value in given.items() if value is not None]
        settings = build_settings(show.settings(named), show_file=kept.settings())
        written = write_feed(folder, feed_channel(settings, show))
        show_file.update_show(folder, given)
    return written


def edit_show(folder: Path, assignments: Sequence[str]) -> str:
    """Change ``folder``'s show file by ``KEY=VALUE`` items; return its text."""
    given = show_file.parse_assignments(assignments)
    if not given:
        show = show_file.read_show(folder)
    else:
        with output_lock(folder):
            show = show_file.update_show(folder, given, lambda key: f"--set {key}")
    return f"# {show_file.show_path(folder)}\n{show_file.render_show(show)}"


# --- the dry run ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build would say, and when, without any audio (``--dry-run``)."""

    summaries: tuple[Summary, ...]
    script: Script
    timeline: Timeline


def plan_episode(paths: Sequence[Path | str], settings: Settings) -> Plan:
    """Summaries, script and estimated timings: no speech engine, no ffmpeg."""
    if settings.music is not None:
        check_input_file(settings.music, "music file", MAX_MUSIC_BYTES)
    summaries = spoken_summaries(summarize_paths(paths, settings))
    script = write_script(summaries, script_options(settings))
    lead, tail = framing(settings.music is not None)
    return Plan(
        summaries,
        script,
        estimate_timeline(
            script, script_voices(script, script_options(settings)), lead, tail
        ),
    )
