"""Text for the ear: the rules, the lexicon, and where every engine meets them."""

import pickle
import tempfile
from pathlib import Path

import pytest

from digest.config import VoiceProfile, build_settings
from digest.errors import ConfigError
from digest.media.engines import prepare_espeak
from digest.models import Line, LineKind, speech_text
from digest.options import speech
from digest.run.pool import open_pool
from digest.speak.batches import Speech, speak_lines
from digest.speak.cache import ClipCache
from digest.speak.ear import (
    Lexicon,
    for_the_ear,
    number_words,
    ordinal_words,
    year_words,
)
from digest.speak.lexicon import load_lexicon, parse_lexicon
from digest.speak.worker import EngineSpec
from digest.store.cache import CacheStats

from .conftest import REPO, FakeSynthesizer

NARRATOR = VoiceProfile("narrator", voice="en-us", rate=160, pitch=40)


def heard(text: str) -> str:
    """What an engine is given for a script's written ``text``."""
    return for_the_ear(speech_text(text))


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (21, "twenty-one"),
        (100, "one hundred"),
        (135, "one hundred thirty-five"),
        (1200, "one thousand two hundred"),
        (20_000_000, "twenty million"),
        (3_000_000_001, "three billion one"),
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "first"), (2, "second"), (3, "third"), (12, "twelfth"), (20, "twentieth"),
     (21, "twenty-first"), (100, "one hundredth"), (45, "forty-fifth")],
)  # fmt: skip
def test_ordinal_words(n: int, words: str) -> None:
    assert ordinal_words(n) == words


@pytest.mark.parametrize(
    ("year", "words"),
    [(1999, "nineteen ninety-nine"), (1905, "nineteen oh five"),
     (1900, "nineteen hundred"), (2000, "two thousand"), (2005, "two thousand five"),
     (2019, "twenty nineteen"), (1100, "eleven hundred")],
)  # fmt: skip
def test_year_words(year: int, words: str) -> None:
    assert year_words(year) == words


# One table per rule class: written → what the engine is given.
RULES = {
    "years": [
        ("Released in 1999.", "Released in nineteen ninety-nine."),
        ("From 2019 to 2021.", "From twenty nineteen to twenty twenty-one."),
        ("A 1990–1995 run.", "A nineteen ninety to nineteen ninety-five run."),
        ("The 1990s and the '80s.", "The nineteen nineties and the eighties."),
    ],
    "numbers": [
        ("With 1,200 extras.", "With one thousand two hundred extras."),
        ("A 2.5 hour wait.", "A two point five hour wait."),
        ("Its 3rd act and 21st scene.", "Its third act and twenty-first scene."),
        ("The #1 film.", "The number one film."),
        ("No. 5 in the list.", "number five in the list."),
        ("Open 24/7.", "Open twenty-four seven."),
        ("Half of it: 1/2.", "Half of it: one half."),
    ],
    "ratings": [
        ("I give it 4/5.", "I give it four out of five."),
        ("A solid 8.5/10.", "A solid eight point five out of ten."),
        ("Three and a bit: 3½ stars.", "Three and a bit: three and a half stars."),
        ("It earns 3.5 stars.", "It earns three and a half stars."),
        ("★★★☆☆", "three out of five stars"),
        ("★★★★", "four stars"),
        ("★★★½", "three and a half stars"),
        ("★★★½☆", "three and a half out of five stars"),
        ("★", "one star"),
        ("Grade: B+.", "Grade: B plus."),
        ("Grade: A-, not F.", "Grade: A minus, not F."),
    ],
    "certificates": [
        ("Rated PG-13.", "Rated P G thirteen."),
        ("An NC-17 cut.", "An N C seventeen cut."),
        ("A PG film on TV-MA.", "A P G film on T V M A."),
        ("Rated 12A in the UK.", "Rated twelve A in the UK."),
    ],
    "runtimes": [
        ("It runs 2h 15m.", "It runs two hours fifteen minutes."),
        ("It runs 2 hrs 15 mins.", "It runs two hours fifteen minutes."),
        ("A lean 135 min.", "A lean one hundred thirty-five minutes."),
        ("Under 1h.", "Under one hour."),
        ("Just 1 min long.", "Just one minute long."),
    ],
    "money": [
        ("A $20m budget.", "A twenty million dollars budget."),
        ("Made £5, not €1.5bn.", "Made five pounds, not one point five billion euros."),
        ("A ticket is $9.99.", "A ticket is nine dollars ninety-nine cents."),
        ("Only $1.", "Only one dollar."),
        ("It cost $1,500,000.", "It cost one million five hundred thousand dollars."),
        ("£2.50 each", "two pounds fifty pence each"),
    ],
    "abbreviations": [
        ("Dr. Strange vs. Mr. Hyde.", "Doctor Strange versus Mister Hyde."),
        ("Kramer vs Kramer", "Kramer versus Kramer"),
        ("Capes, etc. Then a fight.", "Capes, et cetera. Then a fight."),
        ("Some, e.g. the lead.", "Some, for example the lead."),
        ("The end, i.e. the twist.", "The end, that is the twist."),
    ],
    "symbols": [
        ("Rock & roll.", "Rock and roll."),
        ("A 45% score.", "A forty-five percent score."),
        ("The writer/director.", "The writer and director."),
        ("Bold — and long.", "Bold, and long."),
        ("Good / bad.", "Good, bad."),
        ("Disney+ has it.", "Disney plus has it."),
    ],
}  # fmt: skip
CASES = [(kind, *case) for kind, cases in RULES.items() for case in cases]


@pytest.mark.parametrize(("kind", "written", "said"), CASES)
def test_rules(kind: str, written: str, said: str) -> None:
    assert heard(written) == said, kind


@pytest.mark.parametrize(
    "text",
    ["The film opens on a quiet harbour at dawn.", "A 3D film, shot in 4K.", ""],
)
def test_text_without_anything_to_prepare_is_unchanged(text: str) -> None:
    assert for_the_ear(text) == text


def test_preparing_is_deterministic_and_idempotent_on_words() -> None:
    text = "In 1999, Dr. No earned 4/5 and $20m — 135 min of PG-13 fun."
    once = heard(text)
    assert once == heard(text)
    assert for_the_ear(once) == once
    assert not any(ch.isdigit() for ch in once)


# --- the lexicon -----------------------------------------------------------------


def test_lexicon_matches_whole_words_any_case_longest_first() -> None:
    lexicon = (("del toro", "del Tor oh"), ("guillermo del toro", "Gee air moh"),
               ("nolan", "Noh lun"))  # fmt: skip
    said = for_the_ear("Guillermo del Toro, DEL TORO and Nolan's Nolanesque", lexicon)
    assert said == "Gee air moh, del Tor oh and Noh lun's Nolanesque"


def test_lexicon_runs_before_the_rules() -> None:
    assert for_the_ear("Se7en in 1995", (("se7en", "Seven"),)) == (
        "Seven in nineteen ninety-five"
    )


def test_bundled_lexicon_loads_sorted_and_pickles() -> None:
    lexicon = load_lexicon()
    assert lexicon == tuple(sorted(lexicon))
    assert ("chalamet", "Shala may") in lexicon
    assert pickle.loads(pickle.dumps(lexicon)) == lexicon


def test_own_lexicon_is_read_over_the_bundled_one(tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_text(
        '"CHALAMET" = "Shal a may"\n"Céline Sciamma" = "Say leen Sha ma"\n',
        encoding="utf-8",
    )
    lexicon = dict(load_lexicon(tmp_path))
    assert lexicon["chalamet"] == "Shal a may"  # replaced, whatever its case
    assert lexicon["céline sciamma"] == "Say leen Sha ma"
    assert lexicon["joaquin"] == dict(load_lexicon())["joaquin"]  # kept


@pytest.mark.parametrize(
    ("text", "message"),
    [("word = 3\n", "'word' must be"), ('"" = "x"\n', "must be"),
     ("word = \n", "not valid TOML"), ('word = " "\n', "must be")],
)  # fmt: skip
def test_bad_lexicon_names_the_file(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_lexicon(text, "mine/lexicon.toml")
    assert str(info.value).startswith("mine/lexicon.toml: ")


def test_lexicon_is_no_voice_profile(tmp_path: Path) -> None:
    from digest.commands import find_profile, profile_paths

    (tmp_path / "lexicon.toml").write_text('"Nolan" = "Noh lun"\n', encoding="utf-8")
    settings = build_settings(voices_dir=tmp_path, env={})
    assert profile_paths(tmp_path) == ()
    with pytest.raises(ConfigError, match="no voice profile 'lexicon'"):
        find_profile(settings, "lexicon")


def test_the_speech_settings_carry_the_voices_folders_lexicon(tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_text('"Nolan" = "Noh lun"\n', encoding="utf-8")
    made = speech(build_settings(voices_dir=tmp_path, env={}))
    assert ("nolan", "Noh lun") in made.lexicon
    assert made.lexicon == load_lexicon(tmp_path)


# --- every engine gets the text for the ear; the clips keep the written text ------


def _speak(
    tmp_path: Path, lines: list[Line], synth: FakeSynthesizer, lexicon: Lexicon = ()
) -> tuple[dict[int, Line], CacheStats]:
    # A fresh work folder per build, as a build has: the cache links its clips.
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    stats = CacheStats()
    made = Speech(
        EngineSpec(), pool=lambda: open_pool(None, 1), synthesizer=synth,
        lexicon=lexicon,
    )  # fmt: skip
    clips = speak_lines(
        lines, lambda _: NARRATOR, work, made,
        cache=ClipCache(tmp_path / "clips"), stats=stats,
    )  # fmt: skip
    return {index: clip.line for index, clip in clips}, stats


LINES = [
    Line("narrator", "Nolan's film earns 4/5.", LineKind.SENTENCE, 100),
    Line("narrator", "The harbour at dawn.", LineKind.SENTENCE, 100),
]


def test_engine_hears_the_prepared_text_and_clips_keep_the_written(
    tmp_path: Path,
) -> None:
    synth = FakeSynthesizer()
    got, _stats = _speak(tmp_path, LINES, synth)
    assert synth.calls == ["Nolan's film earns four out of five.", LINES[1].text]
    assert got == dict(enumerate(LINES))


def test_a_lexicon_change_speaks_only_the_lines_it_changes_again(
    tmp_path: Path,
) -> None:
    synth = FakeSynthesizer()
    _speak(tmp_path, LINES, synth)
    _got, stats = _speak(tmp_path, LINES, synth)
    assert (stats.hits, stats.misses) == (2, 0)
    _got, stats = _speak(tmp_path, LINES, synth, (("nolan", "Noh lun"),))
    assert (stats.hits, stats.misses) == (1, 1)
    assert synth.calls[-1] == "Noh lun's film earns four out of five."


@pytest.mark.integration
def test_real_engine_speaks_a_rating_as_words(tmp_path: Path) -> None:
    from digest.speak.espeak import Pyttsx3Synthesizer

    prepare_espeak()
    synth = Pyttsx3Synthesizer(timeout=30)
    written = Line("narrator", "It earns 4/5.", LineKind.SENTENCE, 100)
    plain = Line("narrator", "It earns four out of five.", LineKind.SENTENCE, 100)
    made = Speech(EngineSpec(), pool=lambda: open_pool(None, 1), synthesizer=synth)
    (tmp_path / "speak").mkdir()
    index, clip = next(
        speak_lines(
            [written], lambda _: NARRATOR, tmp_path / "speak", made,
            cache=None, stats=CacheStats(),
        )
    )  # fmt: skip
    words = synth.synthesize(plain, NARRATOR, tmp_path / "words.wav")
    assert (index, clip.line) == (0, written)
    # The same words, so about the same length (espeak varies a little per call).
    assert clip.seconds >= 0.9 * words.seconds
    assert clip.seconds <= 1.1 * words.seconds


def test_the_repository_lexicon_is_the_bundled_one() -> None:
    bundled = load_lexicon()
    assert dict(bundled) == parse_lexicon(
        (REPO / "voices" / "lexicon.toml").read_text(encoding="utf-8"), "voices"
    )


def test_a_lexicon_edit_is_a_new_build_input(tmp_path: Path) -> None:
    from digest.store.manifest import settings_record

    own = tmp_path / "lexicon.toml"
    own.write_text('"Nolan" = "Noh lun"\n', encoding="utf-8")
    settings = build_settings(voices_dir=tmp_path, env={})
    before = settings_record(settings)
    own.write_text('"Nolan" = "Noh lan"\n', encoding="utf-8")
    assert settings_record(settings) != before
