"""The typer CLI: help, happy paths, and the exact error line and exit code."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest import cli
from digest.errors import ExitCode

from .conftest import EXAMPLES, REPO

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(cli.app, list(args), prog_name="digest", env=env)


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "command", [[], ["build"], ["summarize"], ["doctor"], ["download-data"]]
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
            "no .txt or .md",
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


def test_exit_codes_are_distinct() -> None:
    values = [code.value for code in ExitCode]
    assert len(values) == len(set(values))


def test_readme_documents_every_command_and_exit_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in cli.app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        assert f"digest {name.replace('_', '-')}" in readme, name
    for code in ExitCode:
        assert f"| {code.value} |" in readme, code
    assert "make episode" in readme
    assert "make test" in readme
