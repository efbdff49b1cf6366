"""Review languages → narrator voices: matching engine voices, or one clear warning."""

from dataclasses import replace
from pathlib import Path

import pytest

from digest.config import Pauses, VoiceProfile
from digest.models import Review, Summary
from digest.speak.espeak import EngineVoice
from digest.speak.narrators import (
    derive_narrator,
    find_engine_voice,
    language_name,
    narrators_for,
    needs_engine_voices,
)

# A slice of espeak-ng 1.52's list, as Pyttsx3Synthesizer.engine_voices() gives it.
VOICES = (
    EngineVoice("mb/mb-fr1", "french-mbrola-1", ("fr",)),  # MBROLA: never chosen
    EngineVoice("gmw/de", "German", ("de",)),
    EngineVoice("gmw/en", "English (Great Britain)", ("en-gb",)),
    EngineVoice("gmw/en-us", "English (America)", ("en-us",)),
    EngineVoice("roa/fr-be", "French (Belgium)", ("fr-be",)),
    EngineVoice("roa/fr", "French (France)", ("fr-fr",)),
    EngineVoice("gmq/nb", "Norwegian Bokmål", ("nb",)),
    EngineVoice("roa/pt", "Portuguese (Portugal)", ("pt",)),
    EngineVoice("roa/pt-br", "Portuguese (Brazil)", ("pt-br",)),
    EngineVoice("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
    EngineVoice("sit/cmn-latn-pinyin", "Chinese (Pinyin)", ("cmn-latn-pinyin",)),
    EngineVoice("art/piqd", "Klingon", ("piqd",)),
)
NARRATOR = VoiceProfile(
    "narrator",
    voice="en-us",
    rate=150,
    pitch=40,
    volume=0.8,
    pauses=Pauses(sentence_ms=111, segment_ms=333),
    source=Path("voices/narrator.toml"),
)


@pytest.mark.parametrize(
    ("language", "voice_id"),
    [
        pytest.param("de", "gmw/de", id="exact"),
        pytest.param("fr", "roa/fr", id="primary-dialect"),
        pytest.param("pt", "roa/pt", id="pt-exact"),
        pytest.param("pt-br", "roa/pt-br", id="dialect-exact"),
        pytest.param("pt_BR", "roa/pt-br", id="dialect-underscore-case"),
        pytest.param("fr-CA", "roa/fr", id="unknown-dialect-falls-back"),
        pytest.param("zh", "sit/cmn", id="alias-zh-cmn"),
        pytest.param("zh-TW", "sit/cmn", id="alias-after-dialect"),
        pytest.param("no", "gmq/nb", id="alias-no-nb"),
        pytest.param("cmn", "sit/cmn", id="espeak-tag"),
    ],
)
def test_find_engine_voice(language: str, voice_id: str) -> None:
    found = find_engine_voice(language, VOICES)
    assert found is not None
    assert found.id == voice_id


@pytest.mark.parametrize("language", ["gl", "tlh", "xx-yy", "", "  "])
def test_find_engine_voice_none_for_languages_without_a_voice(language: str) -> None:
    assert find_engine_voice(language, VOICES) is None


def test_mbrola_voices_are_never_chosen() -> None:
    only_mbrola = (EngineVoice("mb/mb-fr1", "french-mbrola-1", ("fr",)),)
    assert find_engine_voice("fr", only_mbrola) is None


def test_voice_named_after_the_language_then_first_dialect() -> None:
    named = (
        EngineVoice("roa/fr-ch", "French (Switzerland)", ("fr-ch",)),
        EngineVoice("roa/fr", "French", ("fr-xx",)),
    )
    assert find_engine_voice("fr", named) == named[1]
    dialects = (
        EngineVoice("roa/fr-ch", "French (Switzerland)", ("fr-ch",)),
        EngineVoice("roa/fr-be", "French (Belgium)", ("fr-be",)),
    )
    found = find_engine_voice("fr", dialects)
    assert found is not None
    assert found.id == "roa/fr-be"  # stable: the first dialect by tag


@pytest.mark.parametrize("language", [None, "en", "en-GB", "EN"])
def test_english_and_unknown_keep_the_narrator_untouched(language: str | None) -> None:
    profile, reason = derive_narrator(language, NARRATOR, VOICES)
    assert profile is NARRATOR
    assert reason is None


def test_french_gets_a_derived_narrator() -> None:
    profile, reason = derive_narrator("fr", NARRATOR, VOICES)
    assert reason is None
    assert profile == replace(NARRATOR, name="narrator.fr", voice="roa/fr")
    assert profile.source is None  # errors must not blame narrator.toml
    assert (profile.rate, profile.pitch, profile.volume) == (150, 40, 0.8)
    assert profile.pauses == NARRATOR.pauses


def test_derived_narrator_keeps_the_variant() -> None:
    narrator = replace(NARRATOR, voice="gmw/en-us+m3")
    profile, _ = derive_narrator("de", narrator, VOICES)
    assert profile is not None
    assert profile.voice == "gmw/de+m3"
    assert profile.name == "narrator.de"


def test_a_narrator_that_already_speaks_the_language_is_kept() -> None:
    french = replace(NARRATOR, voice="fr-fr")
    assert derive_narrator("fr", french, VOICES) == (french, None)
    brazilian = replace(NARRATOR, voice="pt-br")
    assert derive_narrator("pt", brazilian, VOICES) == (brazilian, None)
    mandarin = replace(NARRATOR, voice="sit/cmn")
    assert derive_narrator("zh", mandarin, VOICES) == (mandarin, None)


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        (
            "gl",
            "text is in Galician (gl); no matching voice, read with the English "
            "narrator",
        ),
        (
            "tlh",
            "text is in language 'tlh'; no matching voice, read with the English "
            "narrator",
        ),
    ],
)
def test_no_voice_gives_none_and_a_reason(language: str, reason: str) -> None:
    assert derive_narrator(language, NARRATOR, VOICES) == (None, reason)


def test_reason_without_a_known_narrator_voice() -> None:
    odd = replace(NARRATOR, voice="some-file-voice")
    _, reason = derive_narrator("gl", odd, VOICES)
    assert reason == (
        "text is in Galician (gl); no matching voice, read with the narrator's voice"
    )


def test_language_name() -> None:
    assert language_name("fr") == "French"
    assert language_name("pt-BR") == "Portuguese"
    assert language_name("tlh") is None


def reviewed(name: str, language: str | None) -> Summary:
    """A one-sentence summary of a review in ``language``."""
    review = Review(Path(f"reviews/{name}.txt"), name, "Text.", language=language)
    return Summary(review, ("Text.",))


BUILD = [
    reviewed("a", "fr"),
    reviewed("b", "gl"),
    reviewed("c", "en"),
    reviewed("d", None),
    reviewed("e", "fr"),
    reviewed("f", "de"),
    reviewed("g", "gl"),
]


def test_narrators_for_a_build() -> None:
    found = narrators_for(BUILD, NARRATOR, VOICES)
    assert dict(found.narrators) == {
        "fr": replace(NARRATOR, name="narrator.fr", voice="roa/fr"),
        "de": replace(NARRATOR, name="narrator.de", voice="gmw/de"),
    }
    # One warning per review, in review order; the caller logs them.
    message = "text is in Galician (gl); no matching voice, read with the English"
    assert found.warnings == (
        f"{Path('reviews/b.txt')}: {message} narrator",
        f"{Path('reviews/g.txt')}: {message} narrator",
    )


def test_without_an_engine_list_nothing_changes_and_nothing_is_reported() -> None:
    found = narrators_for(BUILD, NARRATOR, None)
    assert dict(found.narrators) == {}
    assert found.warnings == ()


def test_needs_engine_voices_only_for_other_languages() -> None:
    assert needs_engine_voices(BUILD)
    english = [reviewed("c", "en"), reviewed("d", None), reviewed("h", "en-GB")]
    assert not needs_engine_voices(english)
    assert not needs_engine_voices([])


def test_an_empty_engine_list_warns_for_each_foreign_review() -> None:
    found = narrators_for(BUILD, NARRATOR, [])
    assert dict(found.narrators) == {}
    assert len(found.warnings) == 5
    assert all("read with the narrator's voice" in w for w in found.warnings)


@pytest.mark.integration
def test_real_engine_has_voices_for_common_languages(tmp_path: Path) -> None:
    from digest.media.engines import prepare_espeak
    from digest.models import Line, LineKind
    from digest.speak.espeak import Pyttsx3Synthesizer

    prepare_espeak()
    synth = Pyttsx3Synthesizer()
    voices = synth.engine_voices()
    for language in ("fr", "de", "es", "it", "pt", "zh", "nl", "ru"):
        profile, reason = derive_narrator(language, NARRATOR, voices)
        assert reason is None, language
        assert profile is not None
        assert profile.name == f"narrator.{language}"
        assert not profile.voice.startswith("mb/")
        voice = find_engine_voice(language, voices)
        assert voice is not None
        wanted = "cmn" if language == "zh" else language
        assert any(lang.startswith(wanted) for lang in voice.languages), voice
        assert synth.check(profile) == profile.voice  # the engine accepts it
    assert derive_narrator("en", NARRATOR, voices) == (NARRATOR, None)
    # And it really speaks: one French sentence with the derived profile.
    french, _ = derive_narrator("fr", NARRATOR, voices)
    assert french is not None
    line = Line("narrator.fr", "Un film lent et magnifique.", LineKind.SENTENCE, 0)
    clip = synth.synthesize(line, french, tmp_path / "fr.wav")
    assert clip.seconds > 0.5
