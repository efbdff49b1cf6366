"""Find the external engines a build needs: libespeak-ng and ffmpeg.

In: nothing but the environment. Out: :class:`Engines`, which says where each piece
came from. Nothing is probed at import time; :func:`preflight` does the work once
per build (and for ``digest doctor``) and raises :class:`MissingDependencyError`
naming the fix when something is absent.

Order of preference: the system's libespeak-ng if it loads, else the copy shipped
in the ``espeakng-loader`` wheel; ffmpeg from ``PATH``, else the binary in the
``imageio-ffmpeg`` wheel.

Either libespeak-ng reads a *steady* data folder (:func:`steady_data_folder`): the
library's own espeak-ng-data, linked file by file, except that every voice variant
ends with ``flutter 0`` and ``roughness 0`` and one extra variant
(:data:`STEADY_VARIANT`) holds just those two lines. Both settings drive state that
libespeak-ng keeps between utterances (the flutter table's index and the parity of
the glottal-cycle count, wavegen.c), so without them a clip's samples depend on
what the process spoke before it. The folder is built once per user, in the cache.
"""

import ctypes
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from digest.errors import MissingDependencyError
from digest.media.ffmpeg import ffmpeg_version
from digest.store.files import sha256_hex

# The name pyttsx3's espeak driver asks the dynamic loader for.
ESPEAK_SONAME = "libespeak-ng.so.1"

# The variant a plain voice (no ``+variant``) is given in a steady data folder.
STEADY_VARIANT = "digest-steady"
# What every variant of a steady data folder ends with (see the module doc).
_STEADY_LINES = "\n# digest: no state kept between utterances\nflutter 0\nroughness 0\n"
# Bump when the steady folder's layout or lines change.
_STEADY_FORMAT = 1


@dataclass(frozen=True, slots=True)
class EspeakInfo:
    """Which libespeak-ng this process uses."""

    source: str  # "system", "espeakng-loader" or "platform" (non-Linux drivers)
    library: str
    data_path: Path | None  # the folder libespeak-ng reads (the steady one on Linux)
    upstream_data: Path | None = None  # the library's own espeak-ng-data


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
    steady = steady_data_folder(data)
    os.environ["ESPEAK_DATA_PATH"] = str(steady)
    return EspeakInfo("espeakng-loader", library, steady, data)


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "digest"


def steady_data_folder(upstream: Path, cache: Path | None = None) -> Path:
    """A data folder like ``upstream`` whose voices keep no state between utterances.

    Built at most once per user and espeak-ng-data folder (under ``cache``, default
    ``$XDG_CACHE_HOME/digest``, else the temp folder), in a private folder renamed
    into place, so concurrent workers never see a half-built one. Everything but
    ``voices/!v`` is a symlink to ``upstream``; the variants are small copies.
    """
    upstream = upstream.resolve()
    if (upstream / "voices" / "!v" / STEADY_VARIANT).is_file():
        return upstream  # already a steady folder
    phontab = (upstream / "phontab").stat()
    ident = f"{_STEADY_FORMAT}|{upstream}|{phontab.st_size}|{phontab.st_mtime_ns}"
    key = sha256_hex(ident.encode())[:16]
    private_tmp = Path(tempfile.gettempdir()) / f"digest-{os.getuid()}"
    roots = [cache] if cache else [_cache_root(), private_tmp]
    errors = []
    for root in roots:
        target = root / f"espeak-ng-data-steady-{key}"
        if (target / "voices" / "!v" / STEADY_VARIANT).is_file():
            return target
        try:
            _build_steady(upstream, target)
        except OSError as exc:
            errors.append(f"{root}: {exc}")
            continue
        return target
    raise MissingDependencyError(
        "could not prepare the espeak-ng data folder: " + "; ".join(errors)
    )


def _build_steady(upstream: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".steady-", dir=target.parent))
    try:
        for entry in upstream.iterdir():
            if entry.name != "voices":
                (tmp / entry.name).symlink_to(entry)
        voices = tmp / "voices"
        voices.mkdir()
        for entry in (upstream / "voices").iterdir():
            if entry.name != "!v":
                (voices / entry.name).symlink_to(entry)
        variants = voices / "!v"
        variants.mkdir()
        source = upstream / "voices" / "!v"
        for entry in sorted(source.iterdir()) if source.is_dir() else []:
            if entry.is_file():
                text = entry.read_bytes().rstrip(b"\n") + _STEADY_LINES.encode()
                (variants / entry.name).write_bytes(text)
        steady = f"language variant\nname {STEADY_VARIANT}{_STEADY_LINES}"
        (variants / STEADY_VARIANT).write_text(steady, encoding="ascii")
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "voices" / "!v" / STEADY_VARIANT).is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _system_data_path() -> Path | None:
    """Where the loaded system libespeak-ng looks for its data (before init)."""
    try:
        lib = ctypes.CDLL(ESPEAK_SONAME)
        init_path = lib.espeak_ng_InitializePath
        info = lib.espeak_Info
    except (OSError, AttributeError):
        return None
    init_path.argtypes = [ctypes.c_char_p]
    init_path.restype = None
    info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
    info.restype = ctypes.c_char_p
    init_path(None)  # only sets the library's data path (ESPEAK_DATA_PATH or built-in)
    path = ctypes.c_char_p()
    info(ctypes.byref(path))
    return Path(os.fsdecode(path.value)) if path.value else None


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
            data = _system_data_path()
            if data is None or not (data / "phontab").is_file():
                raise MissingDependencyError(
                    f"espeak-ng data missing at {data}: reinstall espeak-ng-data"
                )
            steady = steady_data_folder(data)
            os.environ["ESPEAK_DATA_PATH"] = str(steady)
            return EspeakInfo("system", ESPEAK_SONAME, steady, data)
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
