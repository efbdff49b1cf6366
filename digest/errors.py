"""The error tree and the exit codes it maps to.

Every failure a user can cause or fix is a :class:`DigestError` subclass carrying its
own :class:`ExitCode`; :class:`digest.cli.ReportingGroup` is the one place that
turns them into an ``Error: ...`` line and a process exit status. Anything else is
a bug.
"""

from enum import IntEnum, unique


# unique: a repeated value would silently make one name an alias of another.
@unique
class ExitCode(IntEnum):
    """Process exit statuses; documented in the README."""

    OK = 0
    ERROR = 1
    USAGE = 2
    INPUT = 3
    MISSING_DEPENDENCY = 4
    SYNTHESIS = 5
    ENCODE = 6
    OUTPUT = 7
    CONFIG = 8
    NETWORK = 9
    INTERRUPTED = 130


class DigestError(Exception):
    """Root of every error digest reports to the user."""

    exit_code: ExitCode = ExitCode.ERROR


class UsageError(DigestError):
    """The command line asks for something impossible."""

    exit_code = ExitCode.USAGE


class InputError(DigestError):
    """A review file is missing, unreadable, empty or not text."""

    exit_code = ExitCode.INPUT


class MissingDependencyError(DigestError):
    """An engine (espeak-ng, ffmpeg) or data the build needs is absent."""

    exit_code = ExitCode.MISSING_DEPENDENCY


class SynthesisError(DigestError):
    """The speech engine failed, hung or wrote a broken clip."""

    exit_code = ExitCode.SYNTHESIS


class EncodeError(DigestError):
    """ffmpeg could not encode or tag the episode."""

    exit_code = ExitCode.ENCODE


class OutputError(DigestError):
    """The output file or folder cannot be written."""

    exit_code = ExitCode.OUTPUT


class ConfigError(DigestError):
    """A setting or voice profile is invalid."""

    exit_code = ExitCode.CONFIG


class NetworkError(DigestError):
    """A URL the user gave cannot be fetched (no answer, HTTP error, too large)."""

    exit_code = ExitCode.NETWORK
