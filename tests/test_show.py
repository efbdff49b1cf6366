"""The show file (show.toml): kept by the output folder, read by every build and
feed there, edited with ``digest show``; bad show settings are usage errors."""

import tomllib
from pathlib import Path

import defusedxml.ElementTree as SafeET
import feedparser
import pytest
from typer.testing import CliRunner

from digest import cli
from digest.config import Settings
from digest.errors import ConfigError, ExitCode, InputError, UsageError
from digest.models import Episode
from digest.pipeline import BuildResult
from digest.publish.feed import NS_ITUNES
from digest.store.show import (
    KEYS,
    SHOW_FILE,
    Show,
    read_show,
    render_show,
    with_flags,
    write_show,
)

from .conftest import EXAMPLES
from .test_feed import make_mp3

runner = CliRunner()
FULL = Show(
    title='Film "Notes" \\ Weekly',
    author="Ada Critic",
    description="Films, briefly.",
    link="https://films.example.com/",
    language="en-gb",
    category="TV & Film",
    subcategory="Film Reviews",
    explicit=True,
    owner_name="Ada",
    owner_email="ada@example.com",
    base_url="https://pod.example.com/films/",
    artwork="https://pod.example.com/films/art.jpg",
    copyright="© 2026 Ada",
)


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(cli.app, list(args), prog_name="digest", env=env)


def test_round_trip_keeps_every_key(tmp_path: Path) -> None:
    """Written and read back, every key survives; unset keys stay commented."""
    path = write_show(tmp_path, FULL)
    assert path == tmp_path / SHOW_FILE
    assert read_show(tmp_path) == FULL
    assert tomllib.loads(path.read_text(encoding="utf-8"))["explicit"] is True
    partial = Show(title="Only a title")
    text = render_show(partial)
    assert 'title = "Only a title"\n' in text
    assert all(f"# {key} =\n" in text for key in KEYS if key != "title")
    write_show(tmp_path, partial)
    assert read_show(tmp_path) == partial
    before = path.stat().st_mtime_ns
    write_show(tmp_path, partial)  # unchanged: not rewritten
    assert path.stat().st_mtime_ns == before


def test_no_file_means_nothing_set(tmp_path: Path) -> None:
    assert read_show(tmp_path / "missing") == Show()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('owner_email = "nobody"', "key 'owner_email': 'nobody' is not an e-mail"),
        ('base_url = "/srv/pod"', "key 'base_url': '/srv/pod' is not an absolute"),
        ('language = "English!"', "key 'language': 'English!' is not a language"),
        ('category = "Cooking"', "key 'category': 'Cooking' is not an Apple"),
        ('colour = "red"', "unknown key 'colour'"),
        ("explicit = 1", "key 'explicit': 1 must be true or false"),
        ('subcategory = "Film Reviews"', "key 'subcategory': needs a category"),
        ("title = ", "invalid TOML"),
    ],
)
def test_bad_file_is_a_config_error_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / SHOW_FILE).write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as caught:
        read_show(tmp_path)
    assert str(tmp_path / SHOW_FILE) in str(caught.value)


def test_flags_are_checked_and_cleaned() -> None:
    """Control characters go; "" unsets; Apple's spelling wins; a new category
    drops a subcategory of the old one."""
    show = with_flags(FULL, {"title": "Film\x07 Notes\n", "description": ""})
    assert (show.title, show.description) == ("Film Notes", None)
    arts = with_flags(FULL, {"category": "arts"})
    assert (arts.category, arts.subcategory) == ("Arts", None)
    with pytest.raises(UsageError, match="--subcategory 'Books' is not a sub"):
        with_flags(FULL, {"subcategory": "Books"})


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--owner-email", "not-an-address"], "--owner-email 'not-an-address'"),
        (["--base-url", "ftp://files.example.com/"], "--base-url 'ftp://"),
        (["--base-url", "pod.example.com/x"], "--base-url 'pod.example.com/x'"),
        (["--language", "en_US!"], "--language 'en_US!'"),
        (["--cover-url", "art.png"], "--cover-url 'art.png'"),
        (["--link", "javascript:alert(1)"], "--link 'javascript:alert(1)'"),
    ],
)
def test_bad_feed_flags_exit_2_naming_the_flag(
    tmp_path: Path, args: list[str], flag: str
) -> None:
    make_mp3(tmp_path / "ep.mp3", 1.0)
    result = invoke("feed", str(tmp_path), *args)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert result.stderr.startswith(f"Error: {flag}")
    assert not (tmp_path / "feed.xml").exists()
    assert not (tmp_path / SHOW_FILE).exists()


def test_bad_build_base_url_exits_2_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "out" / "ep.mp3"
    result = invoke("build", str(EXAMPLES), "-o", str(out), "--base-url", "x/y")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("Error: --base-url 'x/y' is not an absolute")
    assert not out.parent.exists()


def test_show_command_prints_and_edits(tmp_path: Path) -> None:
    """``digest show DIR --set KEY=VALUE`` checks, keeps and prints the file."""
    result = invoke("show", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"# {tmp_path / SHOW_FILE}\n")
    assert not (tmp_path / SHOW_FILE).exists()  # looking changes nothing
    result = invoke(
        "show", str(tmp_path), "--set", "owner_name=Ada", "--set", "explicit=true",
        "--set", "category=Comedy", "--set", "subcategory=Improv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert 'owner_name = "Ada"\n' in result.stdout
    kept = read_show(tmp_path)
    assert (kept.owner_name, kept.explicit, kept.category) == ("Ada", True, "Comedy")
    invoke("show", str(tmp_path), "--set", "explicit=", "--set", "owner_name=")
    assert read_show(tmp_path) == Show(category="Comedy", subcategory="Improv")
    bad = invoke("show", str(tmp_path), "--set", "owner_email=ada")
    assert bad.exit_code == ExitCode.USAGE
    assert bad.stderr.startswith("Error: --set owner_email 'ada' is not an e-mail")
    unknown = invoke("show", str(tmp_path), "--set", "colour=red")
    assert unknown.exit_code == ExitCode.USAGE
    assert "KEY one of title, author" in unknown.stderr


def _channel(feed: Path) -> dict[str, str | None]:
    root = SafeET.parse(feed).getroot()
    it = f"{{{NS_ITUNES}}}"
    return {
        "title": root.findtext("channel/title"),
        "author": root.findtext(f"channel/{it}author"),
        "email": root.findtext(f"channel/{it}owner/{it}email"),
        "image": root.find(f"channel/{it}image").get("href"),  # type: ignore[union-attr]
        "description": root.findtext("channel/description"),
    }


def test_feed_settings_are_kept_for_the_next_feed(tmp_path: Path) -> None:
    """Given once to ``digest feed``, the show settings stay; env beats the file,
    a flag beats both."""
    make_mp3(tmp_path / "ep.mp3", 1.0)
    first = invoke(
        "feed", str(tmp_path), "--show", "Film Notes", "--artist", "Ada",
        "--owner-email", "ada@example.com", "--base-url", "https://pod.example.com/f",
        "--cover-url", "https://pod.example.com/art.jpg", "--description", "Films.",
    )  # fmt: skip
    assert first.exit_code == 0, first.stderr
    kept = _channel(tmp_path / "feed.xml")
    again = invoke("feed", str(tmp_path))
    assert again.exit_code == 0, again.stderr
    assert (
        _channel(tmp_path / "feed.xml")
        == kept
        == {
            "title": "Film Notes",
            "author": "Ada",
            "email": "ada@example.com",
            "image": "https://pod.example.com/art.jpg",
            "description": "Films.",
        }
    )
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].enclosures[0].href == "https://pod.example.com/f/ep.mp3"
    env = {"DIGEST_SHOW": "From Env"}
    assert invoke("feed", str(tmp_path), env=env).exit_code == 0
    assert _channel(tmp_path / "feed.xml")["title"] == "From Env"
    assert read_show(tmp_path).title == "Film Notes"  # the environment is not kept
    assert invoke("feed", str(tmp_path), "--show", "Flag", env=env).exit_code == 0
    assert _channel(tmp_path / "feed.xml")["title"] == "Flag"
    assert read_show(tmp_path).title == "Flag"


@pytest.mark.integration
def test_a_later_build_keeps_the_feed_settings(tmp_path: Path) -> None:
    """``digest feed`` with the show's settings, then ``digest build`` into the
    same folder: the rebuilt feed.xml still says what the feed command was told."""
    site = tmp_path / "site"
    make_mp3(site / "first.mp3", 1.0, day="2026-11-20")
    assert (
        invoke(
            "feed", str(site), "--show", "Film Notes", "--artist", "Ada",
            "--owner-email", "ada@example.com", "--base-url", "https://pod.example.com/",
            "--cover-url", "https://pod.example.com/art.jpg",
        ).exit_code
        == 0
    )  # fmt: skip
    review = str(EXAMPLES / "orbit-of-ash.txt")
    result = invoke(
        "-q", "build", review, "-o", str(site / "next.mp3"), "-n", "1",
        "--date", "2026-11-21", "--track", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    channel = _channel(site / "feed.xml")
    assert channel["title"] == "Film Notes"
    assert channel["author"] == "Ada"
    assert channel["email"] == "ada@example.com"
    assert channel["image"] == "https://pod.example.com/art.jpg"
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    hrefs = [e.enclosures[0].href for e in parsed.entries]
    assert hrefs == [
        "https://pod.example.com/next.mp3",
        "https://pod.example.com/first.mp3",
    ]
    assert parsed.entries[0].title == "Orbit of Ash"
    assert read_show(site).title == "Film Notes"


def test_build_keeps_its_show_flags_once_it_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """build --show/--base-url are kept in show.toml after a build, not a failed one."""
    out = tmp_path / "site" / "ep.mp3"
    seen: list[Settings] = []

    def fake_build(paths: object, settings: Settings, **_: object) -> BuildResult:
        seen.append(settings)
        if settings.show == "Broken":
            raise InputError("no review had any sentence to read")
        episode = Episode(
            out, "T", settings.show, settings.episode_date, 1.0, 44100, 96, (), 1,
            -19.0, -2.0,
        )  # fmt: skip
        return BuildResult(episode, None, (), (), None)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "build_episode", fake_build)
    args = ["build", str(EXAMPLES), "-o", str(out)]
    failed = invoke(*args, "--show", "Broken", "--base-url", "https://a.example/")
    assert failed.exit_code == ExitCode.INPUT
    assert not (out.parent / SHOW_FILE).exists()
    done = invoke(*args, "--show", "New Show", "--base-url", "https://a.example/")
    assert done.exit_code == 0, done.stderr
    assert read_show(out.parent) == Show(
        title="New Show", base_url="https://a.example/"
    )
    assert invoke(*args).exit_code == 0
    assert (seen[-1].show, seen[-1].base_url) == ("New Show", "https://a.example/")
