"""Script templates: the format strings for everything the host says.

Read from ``voices/templates.toml`` (or ``--templates``) over the built-in
defaults; every template is checked with sample values when its file is read.
"""

import re
import string
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from digest.config.profiles import check_known, read_toml
from digest.errors import ConfigError

# Placeholders each template may use (checked when the file is read).
_EPISODE_FIELDS = ("show", "title", "date", "weekday", "count", "reviews")
TEMPLATE_FIELDS: dict[str, tuple[str, ...]] = {
    "intro": _EPISODE_FIELDS,
    "intro_dated": _EPISODE_FIELDS,
    "announce": ("number", "total", "title"),
    "byline": ("critic", "outlet"),
    "byline_critic": ("critic",),
    "byline_outlet": ("outlet",),
    "certificate": ("certificate",),
    "runtime": ("runtime", "minutes"),
    "rating": ("rating",),
    "transitions": ("number", "total"),
    "final_transitions": ("number", "total"),
    "outro": _EPISODE_FIELDS,
}
_REQUIRED_TEMPLATES = ("intro", "intro_dated", "announce", "outro")
# A width or precision over 999 ("{show:>900000000}" builds 900 MB), or a nested
# placeholder (its value comes from a review).
_WIDE_SPEC = re.compile(r"\{|\d{4}")


@dataclass(frozen=True, slots=True)
class Templates:
    """Format strings for everything the host says; see the README for the keys.

    Optional pieces (byline, facts) are only spoken when the review has them; an
    empty template switches a piece off. Transitions are used in turn, starting
    at a place fixed by the episode, so the same input gives the same script.
    """

    intro: str = "Welcome to {show}. This is {title}, for {date}. Today: {reviews}."
    # Used instead of ``intro`` when the episode has no title of its own (its
    # title would only repeat the show and the date).
    intro_dated: str = "Welcome to {show}, for {date}. Today: {reviews}."
    announce: str = "Number {number} of {total}: {title}."
    byline: str = "By {critic}, for {outlet}."
    byline_critic: str = "By {critic}."
    byline_outlet: str = "From {outlet}."
    certificate: str = "Rated {certificate}."
    runtime: str = "Running time: {runtime}."
    rating: str = "Verdict: {rating}."
    transitions: tuple[str, ...] = (
        "Next up.",
        "On to the next review.",
        "Here is another take.",
        "And now, another review.",
        "Moving on.",
        "Let's turn to the next one.",
    )
    final_transitions: tuple[str, ...] = ("And finally.", "Last but not least.")
    outro: str = "That's all for this episode of {show}. Thanks for listening."
    source: Path | None = field(default=None, compare=False)


# --- templates -------------------------------------------------------------------

_SAMPLE_VALUES: dict[str, object] = {
    "show": "Show",
    "title": "Title",
    "date": "Monday, January 1, 2024",
    "weekday": "Monday",
    "count": "two",
    "reviews": "two reviews",
    "number": "one",
    "total": "two",
    "critic": "A. Critic",
    "outlet": "The Paper",
    "certificate": "P G 13",
    "runtime": "one hour and 52 minutes",
    "minutes": 112,
    "rating": "four stars",
}


def check_template(path: Path | str, key: str, text: str) -> str:
    """Raise ConfigError unless ``text`` formats with ``key``'s placeholders only."""
    allowed = TEMPLATE_FIELDS[key]
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigError(f"{path}: key {key!r}: bad format string ({exc})") from exc
    for _literal, name, spec, _conversion in parsed:
        if name is not None and name not in allowed:
            raise ConfigError(
                f"{path}: key {key!r}: unknown placeholder {{{name}}} "
                f"(allowed: {', '.join('{' + a + '}' for a in allowed)})"
            )
        if name is not None and _WIDE_SPEC.search(spec or ""):
            raise ConfigError(
                f"{path}: key {key!r}: {{{name}:{spec}}}: widths over 999 and "
                "nested placeholders are not allowed"
            )
    try:
        text.format_map(_SAMPLE_VALUES)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ConfigError(f"{path}: key {key!r}: bad format string ({exc})") from exc
    return text


def load_templates(path: Path, base: Templates | None = None) -> Templates:
    """Read a templates TOML file over ``base`` (the built-in defaults)."""
    base = base or Templates()
    data = read_toml(path, "templates")
    changes: dict[str, Any] = {"source": path}
    for key, value in data.items():
        check_known(path, key, TEMPLATE_FIELDS)
        if key.endswith("transitions"):
            if not isinstance(value, list) or not all(
                isinstance(item, str) and item.strip() for item in value
            ):
                raise ConfigError(
                    f"{path}: key {key!r} must be a list of non-empty strings"
                )
            changes[key] = tuple(check_template(path, key, item) for item in value)
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{path}: key {key!r} must be str")
        if key in _REQUIRED_TEMPLATES and not value.strip():
            raise ConfigError(f"{path}: key {key!r} must not be empty")
        changes[key] = check_template(path, key, value)
    return replace(base, **changes)
