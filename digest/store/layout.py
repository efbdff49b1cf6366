"""Where digest keeps its own files in an output folder: the one map of ``.cache/``.

``<output folder>/.cache/`` holds the build lock (``build.lock``), each
episode's build record (``NAME.build.json``) and, unless ``--cache-dir`` moves
them, the caches: ``clips/`` with ``clips/units/`` and ``clips/summaries/``
inside. Deleting the folder is always safe: the next build is a cold one.
"""

from pathlib import Path

CACHE_DIR = ".cache"
CLIPS_DIR = Path(CACHE_DIR) / "clips"
UNITS_DIR = "units"
SUMMARIES_DIR = "summaries"
LOCK_NAME = "build.lock"


def cache_root(folder: Path) -> Path:
    """The ``.cache`` folder of an output folder."""
    return folder / CACHE_DIR


def default_cache_dir(output: Path) -> Path:
    """Where caches live when no folder is given: beside the episode ``output``."""
    return output.parent / CLIPS_DIR


def lock_file(folder: Path) -> Path:
    """The lock builds into ``folder`` take turns on."""
    return cache_root(folder) / LOCK_NAME


def manifest_file(output: Path) -> Path:
    """The build record of the episode at ``output``."""
    return cache_root(output.parent) / f"{output.stem}.build.json"
