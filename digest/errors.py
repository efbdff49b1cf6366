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
    """The command line asks for something impossible.

    A flag's value is out of range, or two flags contradict each other; typer's
    own usage errors end with the same code.
    """

    exit_code = ExitCode.USAGE


class InputError(DigestError):
    """A review file is missing, unreadable, empty or not text.

    Also a cover or music file that cannot be used. Inside a folder a bad
    file is only skipped with a warning; this is for what the user named.
    """

    exit_code = ExitCode.INPUT


class MissingDependencyError(DigestError):
    """An engine (espeak-ng, ffmpeg) or data the build needs is absent.

    The message names the fix: the package to install or the setting to use.
    """

    exit_code = ExitCode.MISSING_DEPENDENCY


class SynthesisError(DigestError):
    """The speech engine failed, hung or wrote a broken clip."""

    exit_code = ExitCode.SYNTHESIS


class EncodeError(DigestError):
    """ffmpeg could not encode or tag the episode.

    A full disk is reported as an :class:`OutputError` instead, since that is
    the user's to fix.
    """

    exit_code = ExitCode.ENCODE


class OutputError(DigestError):
    """The output file or folder cannot be written (or the disk is full)."""

    exit_code = ExitCode.OUTPUT


class ConfigError(DigestError):
    """A setting or voice profile is invalid.

    From a ``voices/*.toml`` file, the templates file or a ``DIGEST_*``
    variable; the message names the file and key, or the variable.
    """

    exit_code = ExitCode.CONFIG


class NetworkError(DigestError):
    """A URL the user gave cannot be fetched (no answer, HTTP error, too large)."""

    exit_code = ExitCode.NETWORK
