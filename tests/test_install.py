"""The wheel as a user gets it: built, installed into a fresh virtualenv, run anywhere.

Slow (a wheel build and a full dependency install), so these tests carry the
``install`` marker and run with ``make test-install``, which CI runs after
``make test``. They need the network or pip's cache for the dependencies.
"""

import ctypes.util
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from .conftest import EXAMPLES, REPO, SHARED_REVIEWS, decoded_seconds

pytestmark = pytest.mark.install

# Left out of the copy the wheel is built from: the build must not depend on them.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "output",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*cache",
    ".hypothesis",
)


def run(
    args: list[str | Path], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command to success; on failure show everything it said."""
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``python -m build`` makes from a copy of the checkout."""
    pytest.importorskip("build", reason="the dev extra's `build` is not installed")
    root = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    src = root / "src"
    shutil.copytree(REPO, src, ignore=_NOT_SOURCE)
    run([sys.executable, "-m", "build", "--wheel", "-o", root / "dist", src], root)
    (found,) = (root / "dist").glob("*.whl")
    return found


@pytest.fixture(scope="module")
def venv_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtualenv (no system packages) with the wheel."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    run([sys.executable, "-m", "venv", venv], venv.parent)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    run([*pip, wheel], venv.parent)
    return venv / "bin"


def test_the_wheel_holds_every_subpackage_and_the_data(wheel: Path) -> None:
    modules = {p.relative_to(REPO).as_posix() for p in REPO.glob("digest/**/*.py")}
    data = {"digest/py.typed", "digest/speak/language_names.json"}
    profiles = sorted((REPO / "voices").glob("*.toml"))
    assert profiles, "voices/ has no profiles"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert modules | data <= names, sorted((modules | data) - names)
        for path in profiles:  # the checkout's voices/ is their one source
            assert archive.read(f"digest/voices/{path.name}") == path.read_bytes()
    assert not any(n.startswith(("voices/", "tests/", "examples/")) for n in names)


def test_installed_command_builds_an_episode_from_an_empty_folder(
    venv_bin: Path, tmp_path: Path
) -> None:
    path = os.pathsep.join([str(venv_bin), "/usr/bin", "/bin"])
    home, scratch, work = tmp_path / "user", tmp_path / "scratch", tmp_path / "empty"
    for folder in (home, scratch, work):
        folder.mkdir()
    env = {"PATH": path, "HOME": str(home), "TMPDIR": str(scratch), "LANG": "C.UTF-8"}
    # Without espeak-ng and ffmpeg on the system the wheels' own copies must do;
    # where the system has them, ask for the bundled ones so they are still tested.
    if shutil.which("ffmpeg", path=path):
        env["DIGEST_FFMPEG"] = "bundled"
    if ctypes.util.find_library("espeak-ng") or shutil.which("espeak-ng", path=path):
        env["DIGEST_ESPEAK"] = "bundled"

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    version = run(["digest", "--version"], work, env).stdout
    assert version == f"digest {project['version']}\n"
    doctor = run(["digest", "doctor"], work, env).stdout
    assert "libespeak-ng from espeakng-loader" in doctor
    assert "from imageio-ffmpeg" in doctor
    # The profiles come from the installed package, never the checkout.
    assert "/site-packages/digest/voices/host.toml)" in doctor
    assert str(REPO) not in doctor

    assert list(work.iterdir()) == []  # still empty before the build
    reviews = SHARED_REVIEWS if SHARED_REVIEWS.is_dir() else EXAMPLES
    built = run(["digest", "build", reviews, "-o", "ep/x.mp3"], work, env)
    assert built.stdout.startswith("Wrote ep/x.mp3 (")

    episode = work / "ep" / "x.mp3"
    written = sorted(p.relative_to(work).as_posix() for p in work.rglob("*"))
    assert "ep/x.mp3" in written
    assert [p for p in written if p != "ep" and not p.startswith("ep/")] == []
    assert list(scratch.iterdir()) == []  # temporary files gone
    # Nothing in ~ but espeak's steady data folder (a link farm with its own
    # voice variants, see media/engines.py): no settings, no other caches.
    assert [p.name for p in home.iterdir()] == [".cache"]
    (steady,) = (home / ".cache" / "digest").iterdir()
    assert steady.name.startswith("espeak-ng-data-steady-")
    assert (steady / "voices" / "!v" / "digest-steady").is_file()
    assert (steady / "phontab").is_symlink()
    assert MP3(episode).info.length > 10
    assert decoded_seconds(episode) == pytest.approx(MP3(episode).info.length, abs=1)
