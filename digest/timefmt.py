"""Every way digest writes a time or a date, each format once.

In: milliseconds, seconds or a date. Out: text for transcripts, show notes, the
feed and the terminal. No I/O, no clock, no locale: the same value always gives
the same string, which the published files depend on. A negative time counts as
zero.
"""

from datetime import UTC, date, datetime, time
from email.utils import format_datetime

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def _split(ms: int) -> tuple[int, int, int, int]:
    """Hours, minutes, seconds and milliseconds of ``ms``."""
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return hours, minutes, seconds, millis


def timestamp(ms: int, separator: str = ".") -> str:
    """``HH:MM:SS.mmm``: WebVTT and NPT use ``.`` before the ms, SubRip ``,``."""
    hours, minutes, seconds, millis = _split(ms)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def clock(ms: int) -> str:
    """A listener's timestamp, ms cut off: ``M:SS`` under an hour, else ``H:MM:SS``."""
    hours, minutes, seconds, _ = _split(ms)
    return (
        f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    )


def hours_clock(seconds: float) -> str:
    """A length to the nearest second with the hours always shown: ``0:05:03``."""
    hours, minutes, secs, _ = _split(round(seconds) * 1000)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def tenths_clock(ms: int) -> str:
    """Minutes (past 59 too), seconds and rounded tenths: ``2:05.3``, ``75:00.0``."""
    tenths = round(max(0, ms) / 100)
    return f"{tenths // 600}:{tenths // 10 % 60:02d}.{tenths % 10}"


def whole_seconds(seconds: float) -> str:
    """A length in whole seconds, rounded (``itunes:duration``): ``303``."""
    return str(max(0, round(seconds)))


def fraction_seconds(ms: int) -> str:
    """Seconds with three decimals, as a media fragment wants them: ``12.345``."""
    return f"{max(0, ms) / 1000:.3f}"


def long_date(day: date) -> str:
    """``May 6, 2024``, the same in every locale."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def rfc822_date(day: date, minutes: int = 0) -> str:
    """An RSS date (RFC 822), ``minutes`` past midnight UTC (a day's worth at most):
    ``Mon, 06 May 2024 00:00:00 GMT``."""
    hour, minute = divmod(min(max(0, minutes), 24 * 60 - 1), 60)
    moment = datetime.combine(day, time(hour, minute), tzinfo=UTC)
    return format_datetime(moment, usegmt=True)
