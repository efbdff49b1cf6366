"""Settings: defaults < voices/*.toml < DIGEST_* env < flags, and every way to err."""

from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from digest.commands import find_profile, profile_paths
from digest.config import (
    MAX_PAUSE_MS,
    NOT_PROFILES,
    Pauses,
    Settings,
    Templates,
    VoiceProfile,
    build_settings,
    load_templates,
    load_voice_profile,
)
from digest.errors import ConfigError
from digest.models import Review, Summary, contents_title

from .conftest import REPO

BITRATES = (32, 48, 64, 80, 96, 112, 128, 160, 192, 256, 320)
# The profiles installed with digest (the checkout's voices/ in an editable install).
BUNDLED = Path(str(resources.files("digest.voices")))


def profile(folder: Path, role: str, text: str) -> Path:
    """Write ``folder/role.toml``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{role}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults ------------------------------------------------------------------


def test_defaults() -> None:
    s = build_settings(env={})
    assert s == Settings(episode_date=s.episode_date, voices_dir=BUNDLED)
    assert s.episode_date == date.today()
    assert s.show == "Review Digest"
    assert s.title is None
    assert s.artist == "digest"
    assert s.sentences == 4
    assert s.bitrate_kbps == 96
    assert s.sample_rate == 44100
    assert s.output == Path("output/episode.mp3")
    assert s.host == VoiceProfile("host", voice="en-us", rate=170, pitch=68)
    assert s.narrator == VoiceProfile("narrator", voice="en-us", rate=150, pitch=40)
    assert s.host.pauses == s.narrator.pauses == Pauses(450, 850, 700, 400, 1300, 900)
    assert s.templates == Templates()
    assert (s.music, s.cover, s.track) == (None, None, None)
    assert (s.espeak, s.ffmpeg, s.use_nltk_data) == ("auto", "auto", True)


def test_default_voices_are_clearly_different_but_both_en_us() -> None:
    s = Settings()
    assert s.host.voice.startswith("en-us")
    assert s.narrator.voice.startswith("en-us")
    # The pitch tells them apart (test_voices measures ~4 semitones), and pace.
    assert abs(s.host.pitch - s.narrator.pitch) >= 20
    assert s.host.rate - s.narrator.rate >= 10
    assert 140 <= s.narrator.rate <= 160  # the clearest range measured
    assert 155 <= s.host.rate <= 175


def test_env_defaults_to_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIGEST_SHOW", "From The Environment")
    assert build_settings().show == "From The Environment"
    assert build_settings(env={}).show == "Review Digest"


# --- precedence ----------------------------------------------------------------


def test_voice_profiles_override_defaults_field_by_field(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    host = profile(voices, "host", 'voice = "en-gb"\nrate = 200\n')
    profile(voices, "narrator", "pitch = 30\nvolume = 1\n")
    s = build_settings(voices_dir=voices, env={})
    assert s.host == VoiceProfile("host", voice="en-gb", rate=200, pitch=68, volume=0.9)
    assert s.narrator == VoiceProfile("narrator", rate=150, pitch=30, volume=1.0)
    assert isinstance(s.narrator.volume, float)
    assert s.host.source == host
    assert s.voices_dir == voices


def test_other_toml_files_in_the_voices_folder_are_ignored(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    profile(voices, "guest", "this is = not [toml")
    assert build_settings(voices_dir=voices, env={}).host == Settings().host


def test_full_precedence_chain(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    profile(voices, "host", "rate = 200\n")
    profile(voices, "narrator", "rate = 190\n")
    env = {"DIGEST_SHOW": "Env Show", "DIGEST_SENTENCES": "6", "DIGEST_ARTIST": "Env"}
    flag_host = VoiceProfile("host", rate=300)
    s = build_settings(
        {"show": "Flag Show", "host": flag_host}, voices_dir=voices, env=env
    )
    assert s.show == "Flag Show"  # flag > env > default
    assert s.sentences == 6  # env > default
    assert s.artist == "Env"
    assert s.host == flag_host  # flag > toml
    assert s.narrator.rate == 190  # toml > default
    assert s.bitrate_kbps == 96  # default


def test_env_overrides_defaults() -> None:
    env = {
        "DIGEST_SHOW": "Film Talk",
        "DIGEST_ARTIST": "Ana",
        "DIGEST_SENTENCES": "7",
        "DIGEST_BITRATE": "128",
        "DIGEST_ESPEAK": "system",
        "DIGEST_FFMPEG": "bundled",
        "DIGEST_NO_NLTK_DATA": "1",
    }
    s = build_settings(env=env)
    assert (s.show, s.artist, s.sentences, s.bitrate_kbps) == (
        "Film Talk",
        "Ana",
        7,
        128,
    )
    assert (s.espeak, s.ffmpeg, s.use_nltk_data) == ("system", "bundled", False)


def test_overrides_beat_env() -> None:
    env = {"DIGEST_SENTENCES": "7", "DIGEST_BITRATE": "128", "DIGEST_ESPEAK": "system"}
    s = build_settings(
        {"sentences": 2, "bitrate_kbps": 64, "espeak": "bundled"}, env=env
    )
    assert (s.sentences, s.bitrate_kbps, s.espeak) == (2, 64, "bundled")


def test_none_overrides_are_ignored() -> None:
    env = {"DIGEST_SHOW": "Env Show", "DIGEST_SENTENCES": "7"}
    s = build_settings({"show": None, "sentences": None, "title": None}, env=env)
    assert (s.show, s.sentences, s.title) == ("Env Show", 7, None)


def test_unknown_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown settings: colour, speed"):
        build_settings({"speed": 2, "colour": "red", "show": "ok"}, env={})


@pytest.mark.parametrize(
    ("value", "enabled"), [("1", False), ("yes", False), ("0", True), ("", True)]
)
def test_digest_no_nltk_data(value: str, enabled: bool) -> None:
    assert build_settings(env={"DIGEST_NO_NLTK_DATA": value}).use_nltk_data is enabled


# --- where voices come from ----------------------------------------------------


def test_bundled_profiles_are_used_wherever_the_command_runs() -> None:
    profile(Path("voices"), "host", "rate = 222\n")  # cwd is a private tmp folder
    s = build_settings(env={})
    assert s.host.rate == 170  # not ./voices: the installed profiles
    assert (s.host.source, s.narrator.source) == (
        BUNDLED / "host.toml",
        BUNDLED / "narrator.toml",
    )
    for name in ("host.toml", "narrator.toml"):  # voices/ is their source
        assert (BUNDLED / name).read_bytes() == (REPO / "voices" / name).read_bytes()


def test_digest_voices_env_names_the_folder(tmp_path: Path) -> None:
    profile(tmp_path / "elsewhere", "narrator", "pitch = 11\n")
    s = build_settings(env={"DIGEST_VOICES": str(tmp_path / "elsewhere")})
    assert s.narrator.pitch == 11


def test_explicit_voices_dir_beats_digest_voices(tmp_path: Path) -> None:
    profile(tmp_path / "env", "host", "rate = 100\n")
    profile(tmp_path / "flag", "host", "rate = 300\n")
    s = build_settings(
        voices_dir=tmp_path / "flag", env={"DIGEST_VOICES": str(tmp_path / "env")}
    )
    assert s.host.rate == 300


def test_missing_voices_dir_given_explicitly_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-voices"
    with pytest.raises(ConfigError, match="voices folder not found") as info:
        build_settings(voices_dir=missing, env={})
    assert str(missing) in str(info.value)


def test_voices_dir_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "voices"
    not_a_dir.write_text("rate = 100\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="voices folder not found"):
        build_settings(voices_dir=not_a_dir, env={})


# --- bad voice profiles ----------------------------------------------------------

BAD_PROFILES = [
    pytest.param("speed = 100\n", "unknown key 'speed'", id="unknown-key"),
    pytest.param('name = "boss"\n', "unknown key 'name'", id="name-not-settable"),
    pytest.param('rate = "fast"\n', "'rate' must be int", id="rate-str"),
    pytest.param("rate = 160.0\n", "'rate' must be int", id="rate-float"),
    pytest.param("rate = true\n", "'rate' must be int", id="rate-bool"),
    pytest.param("pitch = 1.5\n", "'pitch' must be int", id="pitch-float"),
    pytest.param('volume = "loud"\n', "'volume' must be float", id="volume-str"),
    pytest.param("volume = true\n", "'volume' must be float", id="volume-bool"),
    pytest.param("voice = 5\n", "'voice' must be str", id="voice-int"),
    pytest.param("[voice]\nid = 'x'\n", "'voice' must be str", id="voice-table"),
    pytest.param("voice = ['en']\n", "'voice' must be str", id="voice-list"),
    pytest.param("rate = 79\n", "'rate' must be between", id="rate-low"),
    pytest.param("rate = 451\n", "'rate' must be between", id="rate-high"),
    pytest.param("pitch = -1\n", "'pitch' must be between", id="pitch-low"),
    pytest.param("pitch = 100\n", "'pitch' must be between", id="pitch-high"),
    pytest.param("volume = -0.1\n", "'volume' must be between", id="volume-low"),
    pytest.param("volume = 1.01\n", "'volume' must be between", id="volume-high"),
    pytest.param("volume = 2\n", "'volume' must be between", id="volume-int-high"),
    pytest.param("volume = nan\n", "'volume' must be between", id="volume-nan"),
    pytest.param("volume = inf\n", "'volume' must be between", id="volume-inf"),
    pytest.param('voice = ""\n', "'voice' must not be empty", id="voice-empty"),
    pytest.param('voice = "   "\n', "'voice' must not be empty", id="voice-blank"),
    pytest.param("language = 5\n", "'language' must be str", id="language-int"),
    pytest.param('language = ""\n', "'language' must not be empty", id="lang-empty"),
    pytest.param(
        'voice = "en-us"\nlanguage = "en-us"\n',
        "key 'language': give either 'voice' or 'language'",
        id="voice-and-language",
    ),
    pytest.param('variant = "m 3"\n', "key 'variant' must be a name", id="variant-sp"),
    pytest.param('variant = "+m3"\n', "key 'variant' must be a name", id="variant-+"),
    pytest.param("variant = 3\n", "'variant' must be str", id="variant-int"),
    pytest.param("pauses = 300\n", "'pauses' must be table", id="pauses-int"),
    pytest.param(
        "[pauses]\nbreath = 300\n", "unknown key 'pauses.breath'", id="pause-key"
    ),
    pytest.param(
        "[pauses]\nsentence = 0.5\n", "'pauses.sentence' must be int", id="pause-float"
    ),
    pytest.param(
        "[pauses]\nsentence = true\n", "'pauses.sentence' must be int", id="pause-bool"
    ),
    pytest.param(
        "[pauses]\nsegment = 2500\n",
        "'pauses.segment' must be between 0 and 1800 ms",
        id="pause-too-long",
    ),
    pytest.param(
        "[pauses]\nintro = -1\n", "'pauses.intro' must be between", id="pause-neg"
    ),
]


@pytest.mark.parametrize("role", ["host", "narrator"])
@pytest.mark.parametrize(("text", "message"), BAD_PROFILES)
def test_bad_profile_names_file_and_key(
    tmp_path: Path, role: str, text: str, message: str
) -> None:
    path = profile(tmp_path / "voices", role, text)
    with pytest.raises(ConfigError) as info:
        build_settings(voices_dir=tmp_path / "voices", env={})
    assert str(path) in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("rate = \n", id="missing-value"),
        pytest.param("rate = fast\n", id="bare-word"),
        pytest.param("rate = 100\nrate = 120\n", id="duplicate-key"),
        pytest.param("[host\n", id="broken-table"),
    ],
)
def test_invalid_toml_names_the_file(tmp_path: Path, text: str) -> None:
    path = profile(tmp_path / "voices", "host", text)
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        build_settings(voices_dir=tmp_path / "voices", env={})
    assert str(path) in str(info.value)
    assert "line" in str(info.value)  # tomllib's position, for the user to find it


def test_non_utf8_profile_names_the_file(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    path = voices / "narrator.toml"
    path.write_bytes(b'voice = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="cannot read voice profile") as info:
        build_settings(voices_dir=voices, env={})
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "rate = 80",
        "rate = 450",
        "pitch = 0",
        "pitch = 99",
        "volume = 0",
        "volume = 1.0",
    ],
)
def test_profile_range_boundaries_are_accepted(tmp_path: Path, text: str) -> None:
    path = profile(tmp_path, "host", text + "\n")
    key, value = (part.strip() for part in text.split("="))
    loaded = load_voice_profile(path, VoiceProfile("host"))
    assert getattr(loaded, key) == float(value)
    assert loaded.name == "host"


def test_empty_profile_keeps_the_base(tmp_path: Path) -> None:
    base = VoiceProfile("narrator", voice="en-gb", rate=123, pitch=7, volume=0.5)
    assert load_voice_profile(profile(tmp_path, "narrator", ""), base) == base


@pytest.mark.parametrize(
    ("text", "voice"),
    [
        ('language = "en-gb"\n', "en-gb"),
        ('language = "en-us"\nvariant = "f2"\n', "en-us+f2"),
        ('variant = "m7"\n', "en-us+m7"),  # keeps the base's language
        ('voice = "gmw/en-us+m1"\nvariant = "klatt"\n', "gmw/en-us+klatt"),
        ('voice = "English (America)"\n', "English (America)"),
    ],
)
def test_voice_from_language_and_variant(tmp_path: Path, text: str, voice: str) -> None:
    base = VoiceProfile("host", voice="en-us+m3")
    assert load_voice_profile(profile(tmp_path, "host", text), base).voice == voice


def test_pauses_table_overrides_only_the_keys_given(tmp_path: Path) -> None:
    path = profile(tmp_path, "narrator", "[pauses]\nsentence = 300\nparagraph = 0\n")
    loaded = load_voice_profile(path, VoiceProfile("narrator"))
    assert loaded.pauses == Pauses(sentence_ms=300, paragraph_ms=0)
    edge = profile(tmp_path, "host", f"[pauses]\nsegment = {MAX_PAUSE_MS}\n")
    assert load_voice_profile(edge, VoiceProfile("host")).pauses.segment_ms == 1800


def test_extra_profiles_are_found_by_name(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    profile(voices, "guest", 'language = "en-gb"\nrate = 175\n')
    profile(voices, "host", "rate = 171\n")
    (voices / "templates.toml").write_text('outro = "Bye."\n', encoding="utf-8")
    s = build_settings(voices_dir=voices, env={})
    assert [p.name for p in profile_paths(voices)] == ["guest.toml", "host.toml"]
    guest = find_profile(s, "guest")
    assert (guest.name, guest.voice, guest.rate) == ("guest", "en-gb", 175)
    assert find_profile(s, "host") is s.host
    assert find_profile(s, "narrator") is s.narrator
    with pytest.raises(ConfigError, match="no voice profile 'nobody'.*guest"):
        find_profile(s, "nobody")
    with pytest.raises(ConfigError, match="no voice profile 'templates'"):
        find_profile(s, "templates")
    assert profile_paths(tmp_path / "absent") == ()
    with pytest.raises(ConfigError, match="must be letters, digits"):
        find_profile(s, "../voices/host")


# --- bad environment -------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DIGEST_SENTENCES": "abc"}, "DIGEST_SENTENCES must be a whole number"),
        ({"DIGEST_SENTENCES": "3.5"}, "DIGEST_SENTENCES must be a whole number"),
        ({"DIGEST_SENTENCES": ""}, "DIGEST_SENTENCES must be a whole number"),
        ({"DIGEST_BITRATE": "fast"}, r"DIGEST_BITRATE must be a whole number \(kbps\)"),
        ({"DIGEST_JOBS": "many"}, "DIGEST_JOBS must be a whole number"),
        ({"DIGEST_BASE_URL": "http:/x"}, "DIGEST_BASE_URL is not an absolute http"),
        ({"DIGEST_BASE_URL": "feeds/pod"}, "DIGEST_BASE_URL is not an absolute http"),
        ({"DIGEST_SYNTH_TIMEOUT": "soon"}, "DIGEST_SYNTH_TIMEOUT must be a number of"),
        ({"DIGEST_BITRATE": "100"}, "unsupported MP3 bitrate 100 kbps"),
        ({"DIGEST_ESPEAK": "fast"}, "DIGEST_ESPEAK must be auto, system or bundled"),
        ({"DIGEST_ESPEAK": "AUTO"}, "DIGEST_ESPEAK must be auto, system or bundled"),
        ({"DIGEST_ESPEAK": ""}, "DIGEST_ESPEAK must be auto, system or bundled"),
        ({"DIGEST_FFMPEG": "/usr/bin"}, "DIGEST_FFMPEG must be auto, system or"),
        ({"DIGEST_SENTENCES": "0"}, "sentences must be between 1 and 50"),
        ({"DIGEST_SHOW": "   "}, "show name must not be empty"),
    ],
)
def test_bad_env_is_a_config_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_settings(env=env)


def test_env_sets_cache_workers_and_feed_url() -> None:
    env = {
        "DIGEST_CACHE": "clips",
        "DIGEST_JOBS": "3",
        "DIGEST_SYNTH_TIMEOUT": "12.5",
        "DIGEST_EXECUTOR": "dask://host:8786",
        "DIGEST_BASE_URL": "",
    }
    s = build_settings({"base_url": None}, env=env)
    assert (s.cache_dir, s.jobs, s.synth_timeout_s, s.executor, s.base_url) == (
        Path("clips"),
        3,
        12.5,
        "dask://host:8786",
        None,
    )


def test_empty_env_values_count_as_unset_where_empty_means_nothing() -> None:
    names = ("CACHE", "JOBS", "SYNTH_TIMEOUT", "EXECUTOR", "NO_NLTK_DATA")
    s = build_settings(env={f"DIGEST_{name}": "" for name in names})
    assert s == Settings(episode_date=s.episode_date, voices_dir=BUNDLED)


@pytest.mark.parametrize("value", ["auto", "system", "bundled"])
def test_engine_choices(value: str) -> None:
    s = build_settings(env={"DIGEST_ESPEAK": value, "DIGEST_FFMPEG": value})
    assert (s.espeak, s.ffmpeg) == (value, value)


# --- validation ------------------------------------------------------------------


@pytest.mark.parametrize("sentences", [0, -1, 51, 1000])
def test_sentences_out_of_range(sentences: int) -> None:
    with pytest.raises(ConfigError, match="sentences must be between 1 and 50"):
        build_settings({"sentences": sentences}, env={})


@pytest.mark.parametrize("sentences", [1, 50])
def test_sentences_range_ends_are_valid(sentences: int) -> None:
    assert build_settings({"sentences": sentences}, env={}).sentences == sentences


@pytest.mark.parametrize("bitrate", [0, 8, 100, 127, 384])
def test_unsupported_bitrate(bitrate: int) -> None:
    with pytest.raises(ConfigError, match=f"unsupported MP3 bitrate {bitrate} kbps"):
        build_settings({"bitrate_kbps": bitrate}, env={})


@pytest.mark.parametrize("bitrate", BITRATES)
def test_supported_bitrates(bitrate: int) -> None:
    env = {"DIGEST_BITRATE": str(bitrate)}
    assert build_settings(env=env).bitrate_kbps == bitrate


@pytest.mark.parametrize("show", ["", " ", "\t\n"])
def test_empty_show_is_an_error(show: str) -> None:
    with pytest.raises(ConfigError, match="show name must not be empty"):
        build_settings({"show": show}, env={})


def test_config_error_exit_code() -> None:
    assert ConfigError("x").exit_code == 8


# --- episode title and the show file --------------------------------------------


def _summaries(*titles: str) -> list[Summary]:
    return [Summary(Review(Path("r.txt"), t, "x"), ("x.",)) for t in titles]


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (("La La Land",), "La La Land"),
        (("La La Land", "Arrival"), "La La Land and Arrival"),
        (("La La Land", "Arrival", "Moonlight"), "La La Land, Arrival and Moonlight"),
        (("La La Land", "Arrival", "A", "B", "C"), "La La Land, Arrival and 3 more"),
        (("Arrival", "Arrival\x07 "), "Arrival"),
        (("x" * 70, "y" * 20, "z"), "x" * 70 + " and 2 more"),
    ],
)
def test_contents_title_names_the_reviews(
    titles: tuple[str, ...], expected: str
) -> None:
    assert contents_title(_summaries(*titles)) == expected


def test_show_file_sits_between_voices_and_env() -> None:
    """defaults < show file < DIGEST_* < flags."""
    kept = {"show": "Kept Show", "artist": "Kept", "base_url": "https://a.example/"}
    s = build_settings(show_file=kept, env={})
    assert (s.show, s.artist, s.base_url) == ("Kept Show", "Kept", "https://a.example/")
    s = build_settings(show_file=kept, env={"DIGEST_SHOW": "Env Show"})
    assert (s.show, s.artist) == ("Env Show", "Kept")
    s = build_settings({"show": "Flag"}, show_file=kept, env={"DIGEST_SHOW": "Env"})
    assert s.show == "Flag"


# --- the repository's own profiles ---------------------------------------------


def test_repo_voice_profiles_load() -> None:
    voices = REPO / "voices"
    if not voices.is_dir():
        pytest.skip(f"{voices} is absent")
    s = build_settings(voices_dir=voices, env={})
    assert s.host.name == "host"
    assert s.narrator.name == "narrator"
    tomls = sorted(p for p in voices.glob("*.toml") if p.name not in NOT_PROFILES)
    if not tomls:
        pytest.skip(f"no *.toml profiles in {voices}")
    for path in tomls:
        loaded = load_voice_profile(path, VoiceProfile(path.stem))
        assert loaded.voice.strip(), path


# --- script templates --------------------------------------------------------------


def templates_file(folder: Path, text: str, name: str = "templates.toml") -> Path:
    """Write a templates file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_templates_beside_the_voices_are_used(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    templates_file(voices, 'outro = "Bye from {show}."\ntransitions = ["Next."]\n')
    s = build_settings(voices_dir=voices, env={})
    assert s.templates.outro == "Bye from {show}."
    assert s.templates.transitions == ("Next.",)
    assert s.templates.intro == Templates().intro  # the rest stays built in
    assert s.templates.source == voices / "templates.toml"


def test_templates_flag_beats_the_voices_folder(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    templates_file(voices, 'outro = "From voices."\n')
    flag = templates_file(tmp_path, 'outro = "From the flag."\n', "mine.toml")
    s = build_settings(voices_dir=voices, templates_path=flag, env={})
    assert s.templates.outro == "From the flag."


def test_missing_templates_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="templates file not found") as info:
        build_settings(templates_path=tmp_path / "nope.toml", env={})
    assert "nope.toml" in str(info.value)


def test_every_default_template_passes_its_own_check(tmp_path: Path) -> None:
    lines = []
    for key, value in Templates().__class__.__dataclass_fields__.items():
        if key == "source":
            continue
        default = getattr(Templates(), key)
        if isinstance(default, tuple):
            items = ", ".join(f'"{item}"' for item in default)
            lines.append(f"{key} = [{items}]")
        else:
            lines.append(f'{key} = "{default}"')
        assert value.name == key
    loaded = load_templates(templates_file(tmp_path, "\n".join(lines) + "\n"))
    assert loaded == Templates()


BAD_TEMPLATES = [
    pytest.param('intro = "Hi {host}."\n', "key 'intro': unknown placeholder {host}"),
    pytest.param('announce = "{critic}"\n', "key 'announce': unknown placeholder"),
    pytest.param('byline = "{title}"\n', "key 'byline': unknown placeholder {title}"),
    pytest.param('outro = "{0}"\n', "key 'outro': unknown placeholder {0}"),
    pytest.param('outro = "{}"\n', "key 'outro': unknown placeholder {}"),
    pytest.param('outro = "{show.upper}"\n', "unknown placeholder {show.upper}"),
    pytest.param('outro = "{show"\n', "key 'outro': bad format string"),
    pytest.param('outro = "show}"\n', "key 'outro': bad format string"),
    pytest.param('outro = "{show!x}"\n', "key 'outro': bad format string"),
    pytest.param('outro = "{show:d}"\n', "key 'outro': bad format string"),
    pytest.param('outro = ""\n', "key 'outro' must not be empty"),
    pytest.param('intro = "  "\n', "key 'intro' must not be empty"),
    pytest.param("outro = 3\n", "key 'outro' must be str"),
    pytest.param('transitions = "Next."\n', "'transitions' must be a list"),
    pytest.param('transitions = ["Next.", ""]\n', "'transitions' must be a list"),
    pytest.param("transitions = [1]\n", "'transitions' must be a list"),
    pytest.param(
        'transitions = ["On to {title}."]\n', "key 'transitions': unknown placeholder"
    ),
    pytest.param('greeting = "Hi."\n', "unknown key 'greeting'"),
    pytest.param("outro = \n", "invalid TOML"),
    # issue 19: a width like this built a 900 MB string when the file was checked
    pytest.param('intro = "{show:>900000000}"\n', "{show:>900000000}: widths over 999"),
    pytest.param('outro = "{show:.10000}"\n', "widths over 999"),
    pytest.param('announce = "{title:{title}}"\n', "nested placeholders"),
]


def test_a_modest_template_width_is_allowed(tmp_path: Path) -> None:
    path = templates_file(tmp_path, 'announce = "{title:>40}."\n')
    assert load_templates(path).announce == "{title:>40}."


@pytest.mark.parametrize(("text", "message"), BAD_TEMPLATES)
def test_bad_templates_name_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = templates_file(tmp_path / "voices", text)
    with pytest.raises(ConfigError) as info:
        build_settings(voices_dir=tmp_path / "voices", env={})
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_empty_optional_templates_are_allowed(tmp_path: Path) -> None:
    path = templates_file(tmp_path, 'byline = ""\nrating = ""\ntransitions = []\n')
    loaded = load_templates(path)
    assert (loaded.byline, loaded.rating, loaded.transitions) == ("", "", ())


@pytest.mark.parametrize("track", [0, -3, 10000])
def test_track_number_range(track: int) -> None:
    with pytest.raises(ConfigError, match="track number must be between 1 and 9999"):
        build_settings({"track": track}, env={})
