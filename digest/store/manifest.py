"""The build manifest: is the episode on disk already what this build would make?

In: the reviews as ingested, the script written from them, the settings, the
engines and the files a build wrote. Out: ``<output folder>/.cache/NAME.build.json``
holding one hash of every input (:func:`input_hash`) and the size and sha256 of
every output file, plus what the CLI prints about the episode. A build whose
input hash matches and whose files are all present and unchanged is up to date:
nothing is synthesized or encoded.
"""

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

from digest.config import LEXICON_FILE, Settings
from digest.errors import DigestError, OutputError
from digest.media.engines import Engines
from digest.models import Chapter, Episode, Review, Script
from digest.store.files import Digest, file_sha256, sha256_hex, write_atomic
from digest.store.layout import manifest_file

log = logging.getLogger("digest")

MANIFEST_FORMAT = 1
# Settings that change how a build runs or where clips are kept, not its output.
# The feed is refreshed on every build anyway, so its settings are left out too.
RUN_ONLY_SETTINGS = frozenset(
    {
        "synth_timeout_s",
        "synth_retries",
        "jobs",
        "executor",
        "fetch_timeout_s",
        "follow_redirects",
        "cache_dir",
        "use_cache",
        "feed",
        "base_url",
    }
)


def manifest_path(output: Path) -> Path:
    """Where the manifest of the episode at ``output`` lives."""
    return manifest_file(output)


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data; file paths bring their contents' hash."""
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in fields(value)
            if f.name != "source"  # where a profile was read from, not what it says
        }
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def settings_record(settings: Settings) -> dict[str, Any]:
    """The settings that shape the output; named files add their contents' hash."""
    record = {
        f.name: _plain(getattr(settings, f.name))
        for f in fields(settings)
        if f.name not in RUN_ONLY_SETTINGS
    }
    for name in ("music", "cover"):
        path = getattr(settings, name)
        if path is not None:
            record[f"{name}_sha256"] = file_sha256(path)
    # The lexicon changes what is said but not the script: hash the file itself.
    lexicon = settings.voices_dir / LEXICON_FILE if settings.voices_dir else None
    if lexicon is not None and lexicon.is_file():
        record["lexicon_sha256"] = file_sha256(lexicon)
    return record


def input_hash(
    reviews: Sequence[Review], script: Script, settings: Settings, engines: Engines
) -> str:
    """One sha256 over the reviews, the script, the settings and the engines."""
    from digest import (
        __version__,  # the package module is complete by the time of a build
    )

    parts = {
        "manifest": MANIFEST_FORMAT,
        "digest": __version__,
        "reviews": [asdict(review) for review in reviews],
        "script": _plain(script),
        "settings": settings_record(settings),
        "espeak": [engines.espeak.source, engines.espeak.library],
        "ffmpeg": engines.ffmpeg.version,
    }
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return sha256_hex(blob.encode("utf-8"))


def sources_hash(
    files: Sequence[Path] | None, settings: Settings, engines: Engines
) -> str | None:
    """A hash of the review files' bytes, the settings and the engines, or None.

    This lets a rebuild with nothing changed stop before reading, summarizing
    or scripting anything. ``files`` are the review files the sources name, or
    None when a source is a URL or stdin (what they give can change without a
    trace) or cannot be listed; then, and when a file cannot be read, None.
    """
    from digest import __version__

    if files is None:
        return None
    # Anything odd (a missing music file, an unreadable review) is left for the
    # full build to report properly.
    try:
        head = {
            "manifest": MANIFEST_FORMAT,
            "digest": __version__,
            "settings": settings_record(settings),
            "espeak": [engines.espeak.source, engines.espeak.library],
            "ffmpeg": engines.ffmpeg.version,
        }
        digest = Digest()
        digest.update(json.dumps(head, sort_keys=True, default=str).encode("utf-8"))
        for path in files:
            digest.update(f"\0{path}\0{file_sha256(path)}".encode())
    except (DigestError, OSError):
        return None
    return digest.hexdigest()


def _file_records(paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    return {
        path.name: {"size": path.stat().st_size, "sha256": file_sha256(path)}
        for path in paths
    }


def write_manifest(
    inputs: str, episode: Episode, files: Sequence[Path], sources: str | None = None
) -> Path | None:
    """Record a finished build; a manifest that cannot be written only warns."""
    target = manifest_path(episode.path)
    record = {
        "format": MANIFEST_FORMAT,
        "inputs": inputs,
        "sources": sources,
        "files": _file_records(files),
        "episode": {
            "title": episode.title,
            "show": episode.show,
            "date": episode.episode_date.isoformat(),
            "seconds": episode.seconds,
            "sample_rate": episode.sample_rate,
            "bitrate_kbps": episode.bitrate_kbps,
            "reviews": episode.reviews,
            "loudness_lufs": episode.loudness_lufs,
            "true_peak_dbtp": episode.true_peak_dbtp,
            "near_peak": episode.near_peak,
            "chapters": [[c.title, c.start_ms, c.end_ms] for c in episode.chapters],
        },
    }
    data = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")
    try:
        return write_atomic(target, data)
    except OutputError as exc:
        log.warning("build record not written: %s", exc)
        return None


def up_to_date_episode(
    inputs: str, output: Path, files: Sequence[Path] | None, *, key: str = "inputs"
) -> Episode | None:
    """The recorded episode if the inputs match and no file changed, else None.

    ``key`` says which recorded hash ``inputs`` is: ``inputs`` (reviews as read,
    script, settings) or ``sources`` (:func:`sources_hash`). With ``files``
    None, the files the record lists are the ones checked.
    """
    try:
        record = json.loads(manifest_path(output).read_text(encoding="utf-8"))
        if record.get("format") != MANIFEST_FORMAT or record.get(key) != inputs:
            return None
        wanted = record["files"]
        if files is None:
            files = [output.with_name(name) for name in wanted]
        if sorted(wanted) != sorted(path.name for path in files):
            return None
        for path in files:
            entry = wanted[path.name]
            if path.stat().st_size != entry["size"]:
                return None
            if file_sha256(path) != entry["sha256"]:
                return None
        info = record["episode"]
        return Episode(
            path=output,
            title=info["title"],
            show=info["show"],
            episode_date=date.fromisoformat(info["date"]),
            seconds=float(info["seconds"]),
            sample_rate=int(info["sample_rate"]),
            bitrate_kbps=int(info["bitrate_kbps"]),
            chapters=tuple(
                Chapter(str(t), int(s), int(e)) for t, s, e in info["chapters"]
            ),
            reviews=int(info["reviews"]),
            loudness_lufs=float(info["loudness_lufs"]),
            true_peak_dbtp=float(info["true_peak_dbtp"]),
            near_peak=_optional_float(info.get("near_peak")),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _optional_float(value: object) -> float | None:
    """A recorded number, or None (records from before it was kept have none)."""
    return float(value) if isinstance(value, int | float) else None
