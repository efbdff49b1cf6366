"""digest: turn written reviews into a podcast episode.

Public API: :func:`build_episode`, :func:`summarize_text`, :func:`build_settings`,
the records in :mod:`digest.models` and the errors in :mod:`digest.errors`.
Importing the package starts no engine and probes nothing.
"""

from .config import Settings, VoiceProfile, build_settings
from .errors import DigestError, ExitCode
from .models import Episode, Review, Script, Summary
from .pipeline import BuildResult, build_episode, summarize_paths
from .summarize import summarize_text

__version__ = "0.1.0"

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
    "summarize_paths",
    "summarize_text",
]
