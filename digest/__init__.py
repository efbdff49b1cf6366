"""digest: turn written reviews into a podcast episode.

Public API: :func:`build_episode`, :func:`summarize_text`, :func:`build_settings`,
the records in :mod:`digest.models` and the errors in :mod:`digest.errors`.
Importing the package starts no engine, probes nothing and loads nothing heavy:
the names below are imported on first use (PEP 562), so a worker process that
only needs :mod:`digest.speak` does not pay for NLTK and numpy.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
# The distribution pip knows it by (``digest`` on PyPI is another project).
_DISTRIBUTION = "review-digest"

_WHERE = {
    "Settings": "config",
    "VoiceProfile": "config",
    "build_settings": "config",
    "DigestError": "errors",
    "ExitCode": "errors",
    "Episode": "models",
    "Review": "models",
    "Script": "models",
    "Summary": "models",
    "BuildResult": "pipeline",
    "build_episode": "pipeline",
    "summarize_paths": "pipeline",
    "summarize_text": "summarize.rank",
}

__all__ = [
    "BuildResult",
    "DigestError",
    "Episode",
    "ExitCode",
    "Review",
    "Script",
    "Settings",
    "Summary",
    "VoiceProfile",
    "__version__",
    "build_episode",
    "build_settings",
    "installed_version",
    "summarize_paths",
    "summarize_text",
]

if TYPE_CHECKING:
    from digest.config import Settings, VoiceProfile, build_settings
    from digest.errors import DigestError, ExitCode
    from digest.models import Episode, Review, Script, Summary
    from digest.pipeline import BuildResult, build_episode, summarize_paths
    from digest.summarize.rank import summarize_text


def installed_version() -> str:
    """The version pip installed (the distribution's metadata), else ``__version__``."""
    from importlib import metadata  # not at import: workers never need it

    try:
        return metadata.version(_DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree
        return __version__


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'digest' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
