"""Engine discovery: system first, bundled wheels as the fallback; nothing on import."""

import subprocess
import sys
from pathlib import Path

import pytest

from digest.errors import MissingDependencyError
from digest.media.engines import ESPEAK_SONAME, find_ffmpeg


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_import_starts_nothing_and_prints_nothing() -> None:
    proc = _run(
        "import sys, digest, digest.cli\n"
        "heavy = [m for m in ('pyttsx3', 'pydub', 'imageio_ffmpeg')\n"
        "         if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == ""


def test_ffmpeg_falls_back_to_the_bundled_binary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    info = find_ffmpeg()
    assert info.source == "imageio-ffmpeg"
    assert info.path.is_file()


def test_ffmpeg_on_path_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'ffmpeg version 9.9-test Copyright'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    info = find_ffmpeg()
    assert (info.source, info.path, info.version) == ("PATH", fake, "9.9-test")


def test_ffmpeg_system_only_without_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingDependencyError, match="apt install ffmpeg"):
        find_ffmpeg("system")


@pytest.mark.integration
def test_bundled_espeak_loads_and_speaks_in_a_fresh_process(tmp_path: Path) -> None:
    out = tmp_path / "hi.wav"
    proc = _run(
        "from pathlib import Path\n"
        "from digest.media.engines import prepare_espeak\n"
        "from digest.speak.espeak import Pyttsx3Synthesizer\n"
        "from digest.config import VoiceProfile\n"
        "from digest.models import Line, LineKind\n"
        "info = prepare_espeak('bundled')\n"
        "print(info.source)\n"
        "clip = Pyttsx3Synthesizer().synthesize(\n"
        "    Line('host', 'Hello there, listener.', LineKind.INTRO, 0),\n"
        f"    VoiceProfile('host'), Path({str(out)!r}))\n"
        "print(clip.sample_rate, clip.frames > 10000)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["espeakng-loader", "22050", "True"]


def test_system_espeak_required_but_absent() -> None:
    # Probe in a fresh process: this one may already hold the bundled copy.
    if _run(f"import ctypes; ctypes.CDLL({ESPEAK_SONAME!r})").returncode == 0:
        pytest.skip("this machine has a system libespeak-ng")
    proc = _run(
        "from digest.media.engines import prepare_espeak\n"
        "from digest.errors import MissingDependencyError\n"
        "try:\n    prepare_espeak('system')\n"
        "except MissingDependencyError as e:\n    print(e)\n"
    )
    assert "apt install libespeak-ng1" in proc.stdout
