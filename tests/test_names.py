"""safe_filename: hostile titles → short, deterministic, portable file name stems."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.names import DEFAULT_MAX_LENGTH, safe_filename

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{d}{i}" for d in ("com", "lpt") for i in range(10)
}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("La La Land", "la-la-land"),
        ("Amélie", "amelie"),
        ("Straße der Sehnsucht", "strasse-der-sehnsucht"),
        ("Mr. Smith Goes to Washington!", "mr-smith-goes-to-washington"),
        ("  spaced   out  ", "spaced-out"),
        ("../../etc/passwd", "etc-passwd"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        (".hidden", "hidden"),
        ("...", None),
        ("Se7en", "se7en"),
        ("Øresund Ærø", "oresund-aero"),
    ],
)
def test_readable_slugs(title: str, expected: str | None) -> None:
    name = safe_filename(title)
    if expected is None:
        assert name.startswith("untitled-")
    else:
        assert name == expected


@pytest.mark.parametrize("title", ["CON", "con", "Nul", "COM1", "lpt9", "aux"])
def test_reserved_windows_names_get_a_hash(title: str) -> None:
    name = safe_filename(title)
    assert name.split("-")[0] == title.lower()
    assert name.lower() not in RESERVED
    assert re.fullmatch(r"[a-z]+\d?-[0-9a-f]{8}", name)


def test_untransliterable_titles_stay_distinct() -> None:
    a, b = safe_filename("東京物語"), safe_filename("七人の侍")
    assert a != b
    assert a.startswith("untitled-")
    assert safe_filename("", fallback="feed").startswith("feed-")


def test_partly_lost_title_keeps_ascii_and_adds_a_hash() -> None:
    assert re.fullmatch(r"review-[0-9a-f]{8}", safe_filename("Review 東京"))


def test_long_titles_are_cut_at_a_word_with_a_hash() -> None:
    title = "A Very Long Title " * 20
    name = safe_filename(title)
    assert len(name) <= DEFAULT_MAX_LENGTH
    assert name.startswith("a-very-long-title-a-very")
    assert re.search(r"-[0-9a-f]{8}$", name)
    other = safe_filename(title + "!")  # same slug prefix, different title
    assert safe_filename(title) == name  # deterministic
    assert len(safe_filename(title, max_length=20)) <= 20
    assert other.rsplit("-", 1)[0] == name.rsplit("-", 1)[0]


def test_max_length_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="max_length"):
        safe_filename("x", max_length=5)


@given(st.text(max_size=300), st.integers(min_value=10, max_value=120))
def test_property_always_a_safe_slug(title: str, max_length: int) -> None:
    name = safe_filename(title, max_length=max_length)
    assert SLUG.fullmatch(name)
    assert 0 < len(name) <= max_length
    assert name.isascii()
    assert name not in RESERVED
    assert not name.startswith((".", "-"))
    assert "/" not in name
    assert "\\" not in name
    assert safe_filename(title, max_length=max_length) == name
