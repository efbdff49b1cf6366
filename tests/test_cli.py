"""The typer CLI: help, happy paths, and the exact error line and exit code."""

import json
import subprocess
import sys
from collections.abc import Iterable
from enum import IntEnum, unique
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest import cli
from digest.errors import DigestError, ExitCode, NetworkError
from digest.stitch import TAIL_MS

from .conftest import EXAMPLES, REPO

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(cli.app, list(args), prog_name="digest", env=env)


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["build"],
        ["summarize"],
        ["doctor"],
        ["download-data"],
        ["voices"],
        ["say"],
        ["feed"],
        ["show"],
    ],
)
def test_help(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: digest" in result.stdout


def test_no_arguments_shows_help_with_usage_code() -> None:
    result = invoke()
    assert result.exit_code == ExitCode.USAGE
    assert "Commands" in result.stdout + result.stderr


def test_python_dash_m_digest() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "digest", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0
    assert "build" in proc.stdout
    assert "summarize" in proc.stdout
    assert proc.stderr == ""


def test_console_script_entry_is_light_to_import() -> None:
    # A spawned speech worker re-imports the console script; that import must
    # not pull in the CLI (typer, rich, every stage) just to run one batch.
    import tomllib

    entry = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, name = entry["digest"].partition(":")
    code = (
        f"import sys; from {module} import {name}; "
        "print(sorted(m for m in sys.modules if m.startswith(('digest', 'typer'))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "['digest', 'digest.__main__']"


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("digest ")


def test_summarize_text(nltk_absent: Path) -> None:
    result = invoke("summarize", str(EXAMPLES), "-n", "2")
    assert result.exit_code == 0, result.stderr
    assert "# Salt and Honey" in result.stdout
    bullets = [line for line in result.stdout.splitlines() if line.startswith("- ")]
    assert len(bullets) == 2 * len(list(EXAMPLES.iterdir()))


def test_summarize_json(nltk_absent: Path) -> None:
    path = EXAMPLES / "circuit-breakers.md"
    result = invoke("-q", "summarize", str(path), "--sentences", "3", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    (review,) = data["reviews"]
    assert review["title"] == "Circuit Breakers"
    assert review["source"] == str(path.resolve())
    assert len(review["sentences"]) == 3
    text = path.read_text(encoding="utf-8")
    assert all(sentence in text for sentence in review["sentences"])


@pytest.mark.integration
def test_build_writes_episode(tmp_path: Path) -> None:
    out = tmp_path / "ep.mp3"
    review = str(EXAMPLES / "salt-and-honey.md")
    result = invoke(
        "build",
        review,
        "-o",
        str(out),
        "-n",
        "1",
        "--title",
        "Test",
        "--date",
        "2026-01-02",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {out} (")
    assert out.stat().st_size > 10_000


@pytest.mark.integration
def test_build_json_reports_the_episode(tmp_path: Path) -> None:
    out = tmp_path / "ep.mp3"
    review = str(EXAMPLES / "orbit-of-ash.txt")
    result = invoke("-q", "build", review, "-o", str(out), "-n", "1", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["path"] == str(out)
    assert data["reviews"] == 1
    assert [c["title"] for c in data["chapters"]] == ["Intro", "Orbit of Ash", "Outro"]
    assert data["chapters"][0]["start_s"] == 0
    assert -20 <= data["loudness_lufs"] <= -18
    assert data["true_peak_dbtp"] <= -1
    assert data["seconds"] > data["chapters"][-1]["start_s"] > 0


@pytest.mark.integration
def test_doctor_reports_engines() -> None:
    result = invoke("doctor")
    assert result.exit_code == 0, result.stdout + result.stderr
    for needle in (
        "speech engine:",
        "gmw/en-us",
        "ffmpeg:",
        "nltk punkt_tab:",
        "status: ok",
    ):
        assert needle in result.stdout


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], ExitCode, str]]:
    (tmp / "empty.txt").write_text("   \n")
    (tmp / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp / "nothing").mkdir()
    (tmp / "nothing" / "notes.pdf").write_bytes(b"%PDF")
    (tmp / "a-file").write_text("x")
    (tmp / "folder.mp3").mkdir()
    voices = tmp / "voices"
    voices.mkdir()
    (voices / "host.toml").write_text('voice = "en-us"\nspeed = 3\n')
    (tmp / "templates.toml").write_text('outro = "Bye from {host}."\n')
    (tmp / "notes.txt").write_text("not music, not a picture\n")
    good = str(EXAMPLES / "orbit-of-ash.txt")
    return {
        "missing": (
            ["summarize", str(tmp / "nope.txt")],
            ExitCode.INPUT,
            "no such file",
        ),
        "empty": (["summarize", str(tmp / "empty.txt")], ExitCode.INPUT, "empty"),
        "binary": (["summarize", str(tmp / "binary.txt")], ExitCode.INPUT, "binary"),
        "no reviews": (
            ["summarize", str(tmp / "nothing")],
            ExitCode.INPUT,
            "nothing: no ",  # the folder's name, then what is missing
        ),
        "zero sentences": (
            ["summarize", good, "-n", "0"],
            ExitCode.USAGE,
            "--sentences",
        ),
        "bad date": (["build", good, "--date", "soon"], ExitCode.USAGE, "not a date"),
        "output under a file": (
            ["build", good, "-o", str(tmp / "a-file" / "ep.mp3")],
            ExitCode.OUTPUT,
            "cannot write here",
        ),
        "output is a folder": (
            ["build", good, "-o", str(tmp / "folder.mp3")],
            ExitCode.OUTPUT,
            "is a folder",
        ),  # fmt: skip
        "bad voice key": (
            ["build", good, "--voices", str(voices)],
            ExitCode.CONFIG,
            "host.toml: unknown key 'speed'",
        ),  # fmt: skip
        "missing voices dir": (
            ["build", good, "--voices", str(tmp / "none")],
            ExitCode.CONFIG,
            "voices folder not found",
        ),  # fmt: skip
        "bad template": (
            ["build", good, "--dry-run", "--templates", str(tmp / "templates.toml")],
            ExitCode.CONFIG,
            "templates.toml: key 'outro': unknown placeholder {host}",
        ),  # fmt: skip
        "missing templates": (
            ["build", good, "--templates", str(tmp / "nope.toml")],
            ExitCode.CONFIG,
            "nope.toml: templates file not found",
        ),  # fmt: skip
        "missing music": (
            ["build", good, "--music", str(tmp / "nope.mp3")],
            ExitCode.INPUT,
            "nope.mp3: music file not found",
        ),  # fmt: skip
        "missing music in a dry run": (
            ["build", good, "--dry-run", "--music", str(tmp / "nope.mp3")],
            ExitCode.INPUT,
            "nope.mp3: music file not found",
        ),  # fmt: skip
        "music is a folder": (
            ["build", good, "--music", str(tmp / "nothing")],
            ExitCode.INPUT,
            "nothing: music file is a folder",
        ),  # fmt: skip
        "music is not audio": (
            ["build", good, "--music", str(tmp / "notes.txt")],
            ExitCode.INPUT,
            "notes.txt: cannot read the music file (",
        ),  # fmt: skip
        "cover is not an image": (
            ["build", good, "--cover", str(tmp / "notes.txt")],
            ExitCode.INPUT,
            "notes.txt: cover art must be a PNG or JPEG image",
        ),  # fmt: skip
        "missing cover": (
            ["build", good, "--cover", str(tmp / "nope.png")],
            ExitCode.INPUT,
            "nope.png: cover art not found",
        ),  # fmt: skip
        "track zero": (["build", good, "--track", "0"], ExitCode.USAGE, "--track"),
        # issue 19: not a number of seconds is a usage error, not a config one
        "seconds inf": (
            ["build", good, "--seconds", "inf"],
            ExitCode.USAGE,
            "--seconds",
        ),
        "seconds nan": (
            ["summarize", good, "--episode-seconds", "nan"],
            ExitCode.USAGE,
            "--episode-seconds",
        ),
        "timeout inf": (
            ["summarize", good, "--timeout", "inf"],
            ExitCode.USAGE,
            "--timeout",
        ),
        "malformed URL": (["summarize", "http:/x"], ExitCode.INPUT, "malformed URL"),
        "music is a device": (
            ["build", good, "--music", "/dev/zero"],
            ExitCode.INPUT,
            "/dev/zero: music file is not a regular file",
        ),  # fmt: skip
        "output is a device": (
            ["build", good, "-o", "/dev/null"],
            ExitCode.OUTPUT,
            "/dev/null: not a regular file",
        ),  # fmt: skip
        "output is the input": (
            ["build", good, "-o", good],
            ExitCode.OUTPUT,
            "is one of the input files",
        ),  # fmt: skip
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "empty",
        "binary",
        "no reviews",
        "zero sentences",
        "bad date",
        "output under a file",
        "output is a folder",
        "bad voice key",
        "missing voices dir",
        "bad template",
        "missing templates",
        "missing music",
        "missing music in a dry run",
        "music is a folder",
        "music is not audio",
        "cover is not an image",
        "missing cover",
        "track zero",
        "seconds inf",
        "seconds nan",
        "timeout inf",
        "malformed URL",
        "music is a device",
        "output is a device",
        "output is the input",
    ],
)
def test_errors_are_one_line_with_exit_code(case: str, tmp_path: Path) -> None:
    args, code, needle = _bad_inputs(tmp_path)[case]
    result = invoke(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert needle in error_line(result)
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_ffmpeg_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = invoke("build", str(EXAMPLES), env={"DIGEST_FFMPEG": "system"})
    assert result.exit_code == ExitCode.MISSING_DEPENDENCY
    assert "ffmpeg not found on PATH" in error_line(result)


def test_download_data_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import nltk

    monkeypatch.setattr(nltk, "download", lambda *a, **k: False)
    result = invoke("download-data", "--dir", str(tmp_path / "data"))
    assert result.exit_code == ExitCode.MISSING_DEPENDENCY
    assert error_line(result).startswith("Error: ")


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_episode", interrupted)
    result = invoke("build", str(EXAMPLES))
    assert result.exit_code == ExitCode.INTERRUPTED
    assert "interrupted" in error_line(result)


def repeated_values(named: Iterable[tuple[str, int]]) -> list[str]:
    """``"LATER = EARLIER"`` for each name whose value an earlier name has."""
    first: dict[int, str] = {}
    repeats = []
    for name, value in named:
        if value in first:
            repeats.append(f"{name} = {first[value]}")
        else:
            first[value] = name
    return repeats


def codes_by_class(root: type[DigestError]) -> list[tuple[str, int]]:
    """``(name, exit code)`` of ``root`` and of every error class below it."""
    below = [pair for sub in root.__subclasses__() for pair in codes_by_class(sub)]
    return [(root.__name__, int(root.exit_code)), *below]


def test_exit_codes_are_distinct() -> None:
    # __members__ keeps aliases, which iterating over ExitCode would hide.
    members = ExitCode.__members__.items()
    assert repeated_values((name, code.value) for name, code in members) == []


def test_each_error_class_has_its_own_exit_code() -> None:
    named = codes_by_class(DigestError)
    assert len(named) >= 9
    assert repeated_values(named) == []
    assert ExitCode.OK not in {code for _, code in named}


def test_the_distinct_code_checks_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    codes = IntEnum("Codes", [("OK", 0), ("ERROR", 1), ("FAILED", 1)])
    assert [code.name for code in codes] == ["OK", "ERROR"]
    members = codes.__members__.items()
    assert repeated_values((name, code.value) for name, code in members) == [
        "FAILED = ERROR"
    ]
    with pytest.raises(ValueError, match="duplicate values found"):
        unique(codes)
    monkeypatch.setattr(NetworkError, "exit_code", ExitCode.INPUT)
    assert repeated_values(codes_by_class(DigestError)) == ["NetworkError = InputError"]


def test_readme_documents_every_command_and_exit_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in cli.app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        assert f"digest {name.replace('_', '-')}" in readme, name
    for code in ExitCode:
        assert f"| {code.value} |" in readme, code
    assert "make episode" in readme
    assert "make test" in readme


# --- dry run ---------------------------------------------------------------------


def _no_engines_env(tmp_path: Path) -> dict[str, str]:
    """An environment where neither ffmpeg nor a system espeak can be found."""
    import os

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env.update(
        PATH=str(empty),
        DIGEST_FFMPEG="system",
        DIGEST_ESPEAK="system",
        DIGEST_NO_NLTK_DATA="1",
    )
    return env


def test_dry_run_needs_no_engine_and_prints_the_script(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "digest", "-q", "build", str(EXAMPLES), "--dry-run",
         "--date", "2026-11-21", "-n", "2", "-o", str(tmp_path / "x.mp3")],
        capture_output=True, text=True, env=_no_engines_env(tmp_path), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    # No --title: the reviews read make it; the intro says the date instead.
    title = "Circuit Breakers, Orbit of Ash and 2 more"
    assert out[0] == f"{title} (Review Digest, 2026-11-21)"
    assert "## Intro" in out
    assert "## Salt and Honey" in out
    assert "## Outro" in out
    spoken = [line for line in out if line.startswith(("  ", " ")) and " s  " in line]
    # intro + per review (announce + 2 sentences, transitions after the first) + outro
    reviews = len(list(EXAMPLES.glob("*.*")))
    assert len(spoken) == 1 + reviews * 3 + (reviews - 1) + 1
    assert spoken[0].split()[:2] == ["0:00.2", "host"]  # after the 250 ms lead-in
    assert any(" narrator " in line for line in spoken)
    assert out[-1].startswith("Estimated length 0:0")
    assert not (tmp_path / "x.mp3").exists()


def test_dry_run_json(nltk_absent: Path) -> None:
    result = invoke(
        "-q", "build", str(EXAMPLES), "--dry-run", "--json", "-n", "1",
        "--title", "Pilot", "--date", "2026-11-21",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["title"], data["date"], data["show"]) == (
        "Pilot",
        "2026-11-21",
        "Review Digest",
    )
    titles = [seg["title"] for seg in data["segments"]]
    assert titles[0] == "Intro"
    assert titles[-1] == "Outro"
    lines = [line for seg in data["segments"] for line in seg["lines"]]
    starts = [line["start_s"] for line in lines]
    assert starts == sorted(starts)
    assert starts[0] == 0.25
    assert {line["speaker"] for line in lines} == {"host", "narrator"}
    assert {line["kind"] for line in lines} >= {
        "intro",
        "announce",
        "sentence",
        "outro",
    }
    last = lines[-1]
    # The episode ends with a tail of silence after the last word.
    end = last["start_s"] + last["seconds"] + TAIL_MS / 1000
    assert data["estimated_seconds"] == pytest.approx(end)
    assert "Pilot" in lines[0]["text"]
    for seg in data["segments"][1:]:
        assert seg["start_s"] == seg["lines"][0]["start_s"]


def test_dry_run_with_music_leaves_room_for_it(
    tmp_path: Path, nltk_absent: Path
) -> None:
    music = tmp_path / "bed.ogg"
    music.write_bytes(b"not decoded in a dry run")
    result = invoke(
        "-q", "build", str(EXAMPLES), "--dry-run", "--json", "--music", str(music)
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    lines = [line for seg in data["segments"] for line in seg["lines"]]
    assert lines[0]["start_s"] == 3.0
    last = lines[-1]
    tail = data["estimated_seconds"] - last["start_s"] - last["seconds"]
    assert tail == pytest.approx(3.5)


def test_dry_run_uses_templates_beside_the_voices(
    tmp_path: Path, nltk_absent: Path
) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "templates.toml").write_text(
        'intro_dated = "Hello from {show}."\nannounce = "Now: {title}."\n',
        encoding="utf-8",
    )
    result = invoke(
        "-q", "build", str(EXAMPLES / "salt-and-honey.md"), "--dry-run", "--json",
        "--voices", str(voices),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    texts = [line["text"] for seg in data["segments"] for line in seg["lines"]]
    assert texts[0] == "Hello from Review Digest."
    assert texts[1] == "Now: Salt and Honey."
