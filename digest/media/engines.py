"""Find the external engines a build needs: libespeak-ng and ffmpeg.

In: nothing but the environment. Out: :class:`Engines`, which says where each piece
came from. Nothing is probed at import time; :func:`preflight` does the work once
per build (and for ``digest doctor``) and raises :class:`MissingDependencyError`
naming the fix when something is absent.

Order of preference: the system's libespeak-ng if it loads, else the copy shipped
in the ``espeakng-loader`` wheel; ffmpeg from ``PATH``, else the binary in the
``imageio-ffmpeg`` wheel.
"""

import ctypes
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from digest.errors import MissingDependencyError
from digest.media.ffmpeg import ffmpeg_version

# The name pyttsx3's espeak driver asks the dynamic loader for.
ESPEAK_SONAME = "libespeak-ng.so.1"


@dataclass(frozen=True, slots=True)
class EspeakInfo:
    """Which libespeak-ng this process uses."""

    source: str  # "system", "espeakng-loader" or "platform" (non-Linux drivers)
    library: str
    data_path: Path | None


@dataclass(frozen=True, slots=True)
class FfmpegInfo:
    """Which ffmpeg binary encodes and decodes audio."""

    source: str  # "PATH" or "imageio-ffmpeg"
    path: Path
    version: str


@dataclass(frozen=True, slots=True)
class Engines:
    """Everything external a build runs."""

    espeak: EspeakInfo
    ffmpeg: FfmpegInfo


def _load_bundled_espeak() -> EspeakInfo:
    try:
        import espeakng_loader
    except ImportError as exc:
        raise MissingDependencyError(
            "libespeak-ng not found: install the system package (apt install "
            "libespeak-ng1) or reinstall digest so the espeakng-loader wheel is present"
        ) from exc
    library = str(espeakng_loader.get_library_path())
    data = Path(espeakng_loader.get_data_path())
    # Without its data folder libespeak-ng exits the whole process (STACK_NOTES L20),
    # so check before anything initialises it.
    if not (data / "phontab").is_file():
        raise MissingDependencyError(
            f"espeak-ng data missing at {data}: reinstall the espeakng-loader package"
        )
    try:
        # RTLD_GLOBAL + the SONAME libespeak-ng.so.1 makes pyttsx3's later
        # LoadLibrary("libespeak-ng.so.1") resolve to this copy.
        ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        raise MissingDependencyError(
            f"could not load the bundled libespeak-ng ({exc}): "
            "install the system package libespeak-ng1"
        ) from exc
    os.environ["ESPEAK_DATA_PATH"] = str(data)
    return EspeakInfo("espeakng-loader", library, data)


def prepare_espeak(prefer: str = "auto") -> EspeakInfo:
    """Make libespeak-ng loadable for pyttsx3; ``prefer`` is auto, system or bundled."""
    if not sys.platform.startswith("linux"):
        return EspeakInfo("platform", "pyttsx3 default driver", None)
    if prefer not in ("auto", "system", "bundled"):
        raise MissingDependencyError(f"unknown espeak library choice {prefer!r}")
    if prefer != "bundled":
        try:
            ctypes.CDLL(ESPEAK_SONAME, mode=ctypes.RTLD_GLOBAL)
        except OSError:
            if prefer == "system":
                raise MissingDependencyError(
                    "system libespeak-ng not found: apt install libespeak-ng1, "
                    "or use the bundled copy (DIGEST_ESPEAK=auto)"
                ) from None
        else:
            data = os.environ.get("ESPEAK_DATA_PATH")
            return EspeakInfo("system", ESPEAK_SONAME, Path(data) if data else None)
    return _load_bundled_espeak()


def find_ffmpeg(prefer: str = "auto") -> FfmpegInfo:
    """Locate ffmpeg: on PATH first, else imageio-ffmpeg's bundled binary."""
    if prefer != "bundled":
        found = shutil.which("ffmpeg")
        if found:
            path = Path(found)
            return FfmpegInfo("PATH", path, ffmpeg_version(path))
        if prefer == "system":
            raise MissingDependencyError(
                "ffmpeg not found on PATH: apt install ffmpeg, or DIGEST_FFMPEG=auto"
            )
    try:
        import imageio_ffmpeg

        path = Path(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise MissingDependencyError(
            "ffmpeg not found: install it (apt install ffmpeg) or reinstall digest "
            "so the imageio-ffmpeg wheel is present"
        ) from exc
    return FfmpegInfo("imageio-ffmpeg", path, ffmpeg_version(path))


def preflight(espeak: str = "auto", ffmpeg: str = "auto") -> Engines:
    """Find every engine a build needs or raise MissingDependencyError with the fix."""
    return Engines(espeak=prepare_espeak(espeak), ffmpeg=find_ffmpeg(ffmpeg))
