"""timefmt: every time and date format digest writes, at its edges."""

from datetime import date

import pytest

from digest.timefmt import (
    clock,
    fraction_seconds,
    hours_clock,
    long_date,
    rfc822_date,
    tenths_clock,
    timestamp,
    whole_seconds,
)


@pytest.mark.parametrize(
    ("ms", "separator", "text"),
    [
        (0, ".", "00:00:00.000"),
        (-1, ".", "00:00:00.000"),
        (1_500, ",", "00:00:01,500"),
        (3_723_004, ".", "01:02:03.004"),
        (360_000_000, ".", "100:00:00.000"),
    ],
)
def test_timestamp(ms: int, separator: str, text: str) -> None:
    assert timestamp(ms, separator) == text


def test_timestamp_defaults_to_a_full_stop() -> None:
    """WebVTT and NPT share the default; only SubRip passes a comma."""
    assert timestamp(61_001) == "00:01:01.001"


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0:00"),
        (-5_000, "0:00"),
        (59_999, "0:59"),  # cut off, never rounded up to the next second
        (61_000, "1:01"),
        (3_599_999, "59:59"),
        (3_600_000, "1:00:00"),
        (3_723_999, "1:02:03"),
    ],
)
def test_clock(ms: int, text: str) -> None:
    assert clock(ms) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00:00"),
        (-3.0, "0:00:00"),
        (302.5, "0:05:02"),  # round() halves to even
        (302.6, "0:05:03"),
        (3599.6, "1:00:00"),
        (3723.4, "1:02:03"),
    ],
)
def test_hours_clock(seconds: float, text: str) -> None:
    assert hours_clock(seconds) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0:00.0"),
        (-900, "0:00.0"),
        (125_340, "2:05.3"),
        (59_960, "1:00.0"),  # tenths round up across the minute
        (4_500_000, "75:00.0"),  # no hours: minutes go on counting
    ],
)
def test_tenths_clock(ms: int, text: str) -> None:
    assert tenths_clock(ms) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0"), (-1.2, "0"), (302.5, "302"), (302.51, "303"), (7322.0, "7322")],
)
def test_whole_seconds(seconds: float, text: str) -> None:
    assert whole_seconds(seconds) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0.000"), (-10, "0.000"), (5, "0.005"), (12_345, "12.345")],
)
def test_fraction_seconds(ms: int, text: str) -> None:
    assert fraction_seconds(ms) == text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2024, 5, 6), "May 6, 2024"),
        (date(1999, 12, 31), "December 31, 1999"),
        (date(2025, 1, 1), "January 1, 2025"),
    ],
)
def test_long_date(day: date, text: str) -> None:
    assert long_date(day) == text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2024, 5, 6), "Mon, 06 May 2024 00:00:00 GMT"),
        (date(2024, 2, 29), "Thu, 29 Feb 2024 00:00:00 GMT"),
    ],
)
def test_rfc822_date(day: date, text: str) -> None:
    assert rfc822_date(day) == text
