"""``digest doctor``: what the build would use, and what is missing with its fix.

In: the settings. Out: a :class:`DoctorReport` of plain lines. Starts the speech
engine to list its voices, runs ``ffmpeg -version``; writes nothing.
"""

from dataclasses import dataclass

from digest.config import Settings
from digest.errors import DigestError
from digest.media.engines import find_ffmpeg, prepare_espeak
from digest.speak.espeak import Pyttsx3Synthesizer
from digest.summarize.nlp import load_text_tools


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """Human-readable findings; ``ok`` is False when a build would fail."""

    lines: tuple[str, ...]
    ok: bool


def run_doctor(settings: Settings) -> DoctorReport:
    """Check every engine and data file a build needs."""
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
            resolved = synth.check(profile)
            origin = profile.source or "built-in"
            lines.append(
                f"  {profile.name}: {profile.voice} → {resolved}, {profile.rate} wpm, "
                f"pitch {profile.pitch}, volume {profile.volume} ({origin})"
            )
    except DigestError as exc:
        ok = False
        lines.append(f"speech engine: MISSING: {exc}")
    try:
        ffmpeg = find_ffmpeg(settings.ffmpeg)
        lines.append(f"ffmpeg: {ffmpeg.version} from {ffmpeg.source} ({ffmpeg.path})")
    except DigestError as exc:
        ok = False
        lines.append(f"ffmpeg: MISSING: {exc}")
    status = load_text_tools(use_nltk_data=settings.use_nltk_data).status
    punkt = status.punkt_path or "built-in fallback"
    stop = status.stopwords_path or "built-in fallback"
    lines.append(f"nltk punkt_tab: {status.punkt_source} ({punkt})")
    lines.append(f"nltk stopwords: {status.stopwords_source} ({stop})")
    lines.extend(f"  note: {problem}" for problem in status.problems)
    lines.append("status: ok" if ok else "status: PROBLEMS FOUND")
    return DoctorReport(tuple(lines), ok)
