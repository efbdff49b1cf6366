"""A clip's samples depend on its text and voice only, not on what was said before.

libespeak-ng keeps state between utterances of one process (the flutter index, the
glottal-cycle parity, stale phoneme-list entries); a warm cache changes which lines
one worker speaks together, so without the fix the same line's bytes would differ.
"""

import hashlib
import wave
from pathlib import Path

import pytest

from digest.config import VoiceProfile
from digest.media.engines import STEADY_VARIANT, prepare_espeak, steady_data_folder
from digest.models import Line, LineKind
from digest.speak.espeak import Pyttsx3Synthesizer

HOST = VoiceProfile("host", voice="en-us+m3", rate=170, pitch=68, volume=0.9)
NARRATOR = VoiceProfile("narrator", voice="en-us", rate=160, pitch=40, volume=0.9)

LINE = "The film's second act drags, but the score keeps everything moving."
WELCOME = (
    "Welcome back to the show, where we read what you thought of this week's films."
)
SISTERS = "A review of a quiet drama about two sisters."
LONGER = "Up next, a long review of a quiet drama about two sisters and a house."
SHORT = "Next up."


def _say(
    synth: Pyttsx3Synthesizer, text: str, voice: VoiceProfile, folder: Path
) -> str:
    """Speak ``text`` and return the sha256 of its samples."""
    path = folder / "clip.wav"
    synth.synthesize(Line(voice.name, text, LineKind.SENTENCE, 0), voice, path)
    with wave.open(str(path), "rb") as wav:
        return hashlib.sha256(wav.readframes(wav.getnframes())).hexdigest()


def _after(
    synth: Pyttsx3Synthesizer,
    history: list[tuple[str, VoiceProfile]],
    text: str,
    voice: VoiceProfile,
    folder: Path,
) -> str:
    for earlier, earlier_voice in history:
        _say(synth, earlier, earlier_voice, folder)
    return _say(synth, text, voice, folder)


HISTORIES: list[list[tuple[str, VoiceProfile]]] = [
    [],
    [(LINE, NARRATOR)],
    [(LINE, HOST)],
    [(WELCOME, NARRATOR)],
    [(SISTERS, NARRATOR)],
    [(LONGER, HOST)],
    [(WELCOME, HOST), (WELCOME, NARRATOR), (SISTERS, HOST)],
    [(LINE, HOST), (LINE, NARRATOR), (LINE, HOST), (SHORT, NARRATOR), (LONGER, HOST)],
]


@pytest.fixture
def synth() -> Pyttsx3Synthesizer:
    info = prepare_espeak()
    synth = Pyttsx3Synthesizer(timeout=30)
    if not synth._state.steady:
        pytest.skip(f"libespeak-ng does not read a steady data folder ({info})")
    return synth


@pytest.mark.integration
@pytest.mark.parametrize("voice", [NARRATOR, HOST], ids=["narrator", "host"])
def test_same_line_same_samples_after_any_history(
    synth: Pyttsx3Synthesizer, voice: VoiceProfile, tmp_path: Path
) -> None:
    hashes = {_after(synth, history, LINE, voice, tmp_path) for history in HISTORIES}
    assert len(hashes) == 1
    assert synth.engine_id.endswith("+steady1")


@pytest.mark.integration
def test_alternating_voices_repeat_exactly(
    synth: Pyttsx3Synthesizer, tmp_path: Path
) -> None:
    rounds = [
        (_say(synth, LINE, HOST, tmp_path), _say(synth, WELCOME, NARRATOR, tmp_path))
        for _ in range(4)
    ]
    assert len(set(rounds)) == 1


@pytest.mark.integration
def test_without_the_fix_history_changes_the_samples(
    synth: Pyttsx3Synthesizer, tmp_path: Path
) -> None:
    """Each neutraliser is needed: removing it makes the same line differ."""
    state = synth._state
    # No phoneme-list reset: pause lengths follow the clause spoken before.
    state.reset_translation = lambda: None  # type: ignore[method-assign]
    try:
        after_sisters = _after(synth, [(SISTERS, NARRATOR)], LINE, NARRATOR, tmp_path)
        after_longer = _after(synth, [(LONGER, NARRATOR)], LINE, NARRATOR, tmp_path)
    finally:
        del state.reset_translation  # back to the method
    assert after_sisters != after_longer
    # A plain voice without the steady variant: espeak's flutter index moves on
    # with every utterance, so saying the same line again changes its samples.
    state.steady = False
    try:
        repeated = {_say(synth, LINE, NARRATOR, tmp_path) for _ in range(3)}
    finally:
        state.steady = True
    assert len(repeated) > 1


def test_steady_data_folder_is_built_once_with_steady_variants(tmp_path: Path) -> None:
    loader = pytest.importorskip("espeakng_loader")
    upstream = Path(loader.get_data_path())
    folder = steady_data_folder(upstream, tmp_path / "cache")
    assert folder.parent == tmp_path / "cache"
    variants = folder / "voices" / "!v"
    assert (variants / STEADY_VARIANT).read_text().endswith("flutter 0\nroughness 0\n")
    m3 = (variants / "m3").read_text()
    assert m3.startswith((upstream / "voices" / "!v" / "m3").read_text().rstrip("\n"))
    assert m3.endswith("flutter 0\nroughness 0\n")
    assert (folder / "phontab").resolve() == (upstream / "phontab").resolve()
    # A second call reuses the folder; a steady folder maps to itself.
    assert steady_data_folder(upstream, tmp_path / "cache") == folder
    assert steady_data_folder(folder, tmp_path / "other") == folder.resolve()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [folder.name]
