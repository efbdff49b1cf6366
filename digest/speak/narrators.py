"""Review languages → narrator voices: who reads a summary that is not in English.

In: the reviews' languages (ISO 639-1 codes from :mod:`digest.ingest.language`
or front matter), the narrator's profile and the voices the speech engine offers.
Out: for each language with a matching engine voice, a narrator profile derived
from the configured one (same rate, pitch, volume, pauses and variant; the
engine's voice for that language; named ``narrator.fr``), and one warning per
review whose language has none. English reviews, reviews of unknown language and
languages the narrator already speaks keep the narrator untouched. Pure: no
engine, no I/O, no logging (the caller logs the warnings).
"""

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Protocol

from digest.config import VoiceProfile
from digest.models import Summary

__all__ = [
    "EngineVoiceInfo",
    "LanguageVoices",
    "derive_narrator",
    "find_engine_voice",
    "language_name",
    "narrators_for",
    "needs_engine_voices",
]

# Codes whose espeak-ng voice is listed under another tag. pyttsx3 reports only
# the first `language` line of each espeak voice file, so the secondary ones
# ("zh" in sit/cmn, "no" in gmq/nb, "fr" in roa/fr) are restated here.
_ALIASES: dict[str, tuple[str, ...]] = {
    "zh": ("cmn",),
    "no": ("nb",),
    # Nynorsk has no espeak voice; Bokmål's rules read it intelligibly.
    "nn": ("nb",),
    "iw": ("he",),  # retired ISO 639 codes still found in feeds
    "in": ("id",),
}
# The dialect espeak-ng itself prefers for a bare language code.
_PRIMARY_DIALECTS: dict[str, tuple[str, ...]] = {
    "fr": ("fr-fr",),
    "pt": ("pt-pt",),
    "es": ("es-es",),
    "en": ("en-gb", "en-us"),
}


class EngineVoiceInfo(Protocol):
    """What is needed of an engine voice (``digest.speak.EngineVoice`` fits)."""

    @property
    def id(self) -> str:
        """The engine's id, e.g. ``roa/fr``; MBROLA voices start with ``mb/``."""
        ...

    @property
    def name(self) -> str:
        """A readable name, e.g. ``French (France)``."""
        ...

    @property
    def languages(self) -> Sequence[str]:
        """espeak language tags, e.g. ``("fr-fr",)``."""
        ...


def _tag(language: str) -> str:
    """``pt_BR`` → ``pt-br``: espeak's tags are lower case with hyphens."""
    return language.strip().replace("_", "-").lower()


def _primary(tag: str) -> str:
    return tag.partition("-")[0]


@functools.cache
def _language_names() -> dict[str, str]:
    """English names of the languages py3langid can report (two-letter codes)."""
    data = resources.files("digest.speak").joinpath("language_names.json")
    names: dict[str, str] = json.loads(data.read_text(encoding="utf-8"))
    return names


def language_name(language: str) -> str | None:
    """The English name of a language code (``fr`` → ``French``), or None."""
    tag = _tag(language)
    names = _language_names()
    return names.get(tag) or names.get(_primary(tag))


def _candidates(tag: str) -> list[str]:
    """Tags to look for, best first: the tag, its aliases, the primary dialect."""
    out = [tag, *_ALIASES.get(tag, ())]
    primary = _primary(tag)
    if primary != tag:
        out += [primary, *_ALIASES.get(primary, ())]
    out += _PRIMARY_DIALECTS.get(primary, ())
    return list(dict.fromkeys(out))


def find_engine_voice(
    language: str, voices: Sequence[EngineVoiceInfo]
) -> EngineVoiceInfo | None:
    """The engine voice for a language code, or None; never an MBROLA voice.

    Tried in order: a voice listing the exact tag, its known alias (``zh`` →
    ``cmn``), the language's primary dialect (``fr`` → ``fr-fr``), the voice
    named after the language (espeak's ``roa/fr``), then any dialect of it
    (the first by tag, so the choice is stable).
    """
    usable = [v for v in voices if not v.id.startswith("mb/")]
    tag = _tag(language)
    if not tag:
        return None
    for wanted in _candidates(tag):
        for voice in usable:
            if wanted in (_tag(lang) for lang in voice.languages):
                return voice
    primary = _primary(tag)
    for voice in usable:
        if voice.id.rsplit("/", 1)[-1].lower() == primary:
            return voice
    dialects = sorted(
        (_tag(lang), index)
        for index, voice in enumerate(usable)
        for lang in voice.languages
        if _tag(lang).startswith(f"{primary}-")
    )
    return usable[dialects[0][1]] if dialects else None


def _profile_voice(
    requested: str, voices: Sequence[EngineVoiceInfo]
) -> EngineVoiceInfo | None:
    """The engine voice a profile's ``voice`` names (as ``speak.resolve_voice``)."""
    wanted = requested.partition("+")[0].strip().lower()
    for voice in voices:
        names = {voice.id.lower(), voice.id.rsplit("/", 1)[-1].lower()}
        names.add(voice.name.lower())
        names.update(_tag(lang) for lang in voice.languages)
        if wanted in names and not voice.id.startswith("mb/"):
            return voice
    return None


def _speaks(voice: EngineVoiceInfo, tag: str) -> bool:
    """Whether ``voice`` already reads the language of ``tag`` (any dialect)."""
    wanted = {_primary(t) for t in _candidates(tag)}
    return any(_primary(_tag(lang)) in wanted for lang in voice.languages)


def derive_narrator(
    language: str | None,
    narrator: VoiceProfile,
    voices: Sequence[EngineVoiceInfo],
) -> tuple[VoiceProfile | None, str | None]:
    """The profile that reads a review in ``language``, or None and the reason.

    ``(narrator, None)`` when the narrator stays (English, unknown language, or
    a language its voice already speaks); ``(derived, None)`` with a profile
    named ``narrator.<code>`` that differs only in its engine voice (its
    ``+variant`` kept); ``(None, reason)`` when the engine has no such voice.
    """
    if language is None or not _tag(language):
        return narrator, None
    tag = _tag(language)
    current = _profile_voice(narrator.voice, voices)
    if _primary(tag) == "en" or (current is not None and _speaks(current, tag)):
        return narrator, None
    found = find_engine_voice(tag, voices)
    if found is None:
        spoken = current.name.partition(" (")[0] if current is not None else ""
        reader = f"the {spoken} narrator" if spoken else "the narrator's voice"
        name = language_name(tag)
        described = f"{name} ({tag})" if name else f"language {tag!r}"
        return None, f"text is in {described}; no matching voice, read with {reader}"
    _base, plus, variant = narrator.voice.partition("+")
    if narrator.engine != "espeak":  # Piper's models are English: espeak reads it
        plus = variant = ""
    derived = replace(
        narrator,
        name=f"{narrator.name}.{tag}",
        voice=f"{found.id}{plus}{variant}",
        engine="espeak",
        # Errors about this voice should not point at narrator.toml.
        source=None,
    )
    return derived, None


@dataclass(frozen=True, slots=True)
class LanguageVoices:
    """The narrators for a build's review languages, and what could not be matched.

    ``narrators`` maps a review language (as in ``Review.language``) to its
    derived profile; ``warnings`` holds one line per review read with the
    default narrator although it is in another language.
    """

    narrators: Mapping[str, VoiceProfile]
    warnings: tuple[str, ...] = ()


def needs_engine_voices(summaries: Sequence[Summary]) -> bool:
    """Whether any review is in a known language other than English.

    Only then does :func:`narrators_for` need the engine's voice list, so an
    English episode never has to start the engine for it.
    """
    return any(
        _primary(_tag(s.review.language)) not in ("", "en")
        for s in summaries
        if s.review.language
    )


def narrators_for(
    summaries: Sequence[Summary],
    narrator: VoiceProfile,
    voices: Sequence[EngineVoiceInfo] | None,
) -> LanguageVoices:
    """A narrator per review language the engine can speak; one warning per other.

    Without the engine's voice list (``None``: a dry run, ``summarize``, a fake
    synthesizer) every review keeps the narrator and nothing is reported.
    """
    if voices is None:
        return LanguageVoices({})
    narrators: dict[str, VoiceProfile] = {}
    reasons: dict[str, str | None] = {}
    warnings: list[str] = []
    for summary in summaries:
        language = summary.review.language
        if language is None:
            continue
        if language not in reasons:
            profile, reasons[language] = derive_narrator(language, narrator, voices)
            if profile is not None and profile is not narrator:
                narrators[language] = profile
        reason = reasons[language]
        if reason is not None:
            warnings.append(f"{summary.review.source}: {reason}")
    return LanguageVoices(narrators, tuple(warnings))


def engine_voices_for(
    summaries: Sequence[Summary], synthesizer: object | None
) -> list[EngineVoiceInfo] | None:
    """The engine's voices when a review is not in English, else None.

    An English episode never starts the engine for this; a synthesizer without
    a voice list (a test fake) gives None, so every review keeps the narrator.
    """
    if not needs_engine_voices(summaries):
        return None
    if synthesizer is None:
        from digest.speak.espeak import Pyttsx3Synthesizer

        synthesizer = Pyttsx3Synthesizer()
    listing = getattr(synthesizer, "engine_voices", None)
    return list(listing()) if callable(listing) else None
