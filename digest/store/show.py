"""The show file: an output folder's own show settings, kept in ``show.toml``.

In: the folder, and the show settings a command was given. Out: :class:`Show`
(every key the file sets; None where it says nothing), checked key by key, and
the file itself, a small TOML document a person can edit. Every later build and
``digest feed`` in the folder reads it, so settings given once stay until
changed. A bad value in the file is a :class:`ConfigError` naming the file and
key; a bad value given on the command line is a :class:`UsageError` naming the
flag. Text is stored without control characters, so nothing read from here can
break the feed's XML.
"""

import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from digest.config import http_url
from digest.errors import ConfigError, UsageError
from digest.models import plain_text
from digest.store.files import write_atomic

SHOW_FILE = "show.toml"

# Apple Podcasts' categories and their subcategories (Apple's list since 2019).
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts",
             "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management",
                 "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine",
                         "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals",
                      "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games",
                "Hobbies", "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News",
             "News Commentary", "Politics", "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam",
                                "Judaism", "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences",
                "Mathematics", "Natural Sciences", "Nature", "Physics",
                "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy",
                          "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football",
               "Golf", "Hockey", "Rugby", "Running", "Soccer", "Swimming",
               "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews",
                  "TV Reviews"),
}  # fmt: skip

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
# BCP 47 in the shape feeds use it: a primary language, then subtags ("en-us").
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True, slots=True)
class Show:
    """A show's settings as its folder keeps them; None: not set (the default)."""

    title: str | None = None
    author: str | None = None
    description: str | None = None
    link: str | None = None
    language: str | None = None
    category: str | None = None
    subcategory: str | None = None
    explicit: bool | None = None
    owner_name: str | None = None
    owner_email: str | None = None
    base_url: str | None = None
    artwork: str | None = None
    copyright: str | None = None

    def settings(self, keys: Collection[str] | None = None) -> dict[str, Any]:
        """The values :class:`~digest.config.Settings` holds too, by its names
        (only those of ``keys``, when given)."""
        return {
            name: getattr(self, key)
            for name, key in SETTINGS_KEYS.items()
            if keys is None or key in keys
        }


# Settings names of the keys Settings holds too (the environment can set them).
SETTINGS_KEYS = {"show": "title", "artist": "author", "base_url": "base_url"}
# The command-line flag behind each key (errors name it); the others are --KEY.
FLAGS = {"title": "--show", "author": "--artist", "artwork": "--cover-url"}
KEYS = tuple(f.name for f in fields(Show))


def flag_for(key: str) -> str:
    """The flag that sets ``key``: ``owner_email`` → ``--owner-email``."""
    return FLAGS.get(key, "--" + key.replace("_", "-"))


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("is not an e-mail address like name@example.com")
    return value


def _language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError("is not a language tag like en or en-us")
    return value


def _named(value: str, names: Iterable[str], what: str) -> str:
    """``value`` spelt as Apple spells it (case aside), or ValueError."""
    for name in names:
        if name.casefold() == value.casefold():
            return name
    raise ValueError(f"is not {what}")


def _category(value: str) -> str:
    listed = ", ".join(APPLE_CATEGORIES)
    return _named(value, APPLE_CATEGORIES, f"an Apple Podcasts category ({listed})")


def _subcategory(value: str) -> str:
    every = [sub for subs in APPLE_CATEGORIES.values() for sub in subs]
    return _named(value, every, "an Apple Podcasts subcategory")


_CHECKS: dict[str, Callable[[str], str]] = {
    "link": http_url,
    "base_url": http_url,
    "artwork": http_url,
    "owner_email": _email,
    "language": _language,
    "category": _category,
    "subcategory": _subcategory,
}


def check_value(key: str, value: object) -> object:
    """``value`` cleaned for ``key``; None for an empty text (unset it).

    Raises ValueError with the reason (said after the value) when it is wrong.
    """
    if key == "explicit":
        if value == "":
            return None
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if not isinstance(value, str):
        raise ValueError("must be text")
    text = plain_text(value)
    if not text:
        return None
    check = _CHECKS.get(key)
    return check(text) if check else text


def _check_pair(show: Show) -> str | None:
    """Why the subcategory does not go with the category, or None."""
    if show.subcategory is None:
        return None
    if show.category is None:
        return "needs a category too"
    if show.subcategory not in APPLE_CATEGORIES[show.category]:
        return f"is not a subcategory of {show.category!r}"
    return None


def with_flags(
    show: Show,
    given: Mapping[str, object],
    flag: Callable[[str], str] = flag_for,
) -> Show:
    """``show`` changed by command-line values (None: not given; "": unset).

    A bad value is a :class:`UsageError` naming its flag (``flag(key)``). A new
    category drops a stored subcategory that does not belong to it.
    """
    changes: dict[str, object] = {}
    for key, value in given.items():
        if value is None:
            continue
        try:
            changes[key] = check_value(key, value)
        except ValueError as exc:
            raise UsageError(f"{flag(key)} {value!r} {exc}") from None
    merged = replace(show, **changes)  # type: ignore[arg-type]
    if "category" in changes and "subcategory" not in changes and _check_pair(merged):
        merged = replace(merged, subcategory=None)
    problem = _check_pair(merged)
    if problem:
        raise UsageError(f"{flag('subcategory')} {merged.subcategory!r} {problem}")
    return merged


def update_show(
    folder: Path,
    given: Mapping[str, object],
    flag: Callable[[str], str] = flag_for,
) -> Show:
    """``folder``'s show settings changed by ``given`` (see :func:`with_flags`),
    and kept in its show file when anything was given."""
    show = with_flags(read_show(folder), given, flag)
    if any(value is not None for value in given.values()):
        write_show(folder, show)
    return show


def parse_assignments(items: Sequence[str]) -> dict[str, object]:
    """``KEY=VALUE`` items (``digest show --set``) as values by key; ``KEY=``
    unsets. ``explicit`` takes true or false."""
    given: dict[str, object] = {}
    for item in items:
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or key not in KEYS:
            raise UsageError(
                f"--set {item!r}: give KEY=VALUE, KEY one of {', '.join(KEYS)}"
            )
        if key == "explicit" and value:
            if value.lower() not in ("true", "false"):
                raise UsageError(f"--set {item!r}: explicit is true or false")
            given[key] = value.lower() == "true"
        else:
            given[key] = value
    return given


def show_path(folder: Path) -> Path:
    """Where ``folder`` keeps its show settings."""
    return folder / SHOW_FILE


def read_show(folder: Path) -> Show:
    """The show settings kept in ``folder`` (all unset when there is no file)."""
    path = show_path(folder)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return Show()  # a folder that is no folder is the build's to report
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the show file ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc
    values: dict[str, object] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(KEYS)})")
        try:
            values[key] = check_value(key, value)
        except ValueError as exc:
            raise ConfigError(f"{path}: key {key!r}: {value!r} {exc}") from None
    show = Show(**values)  # type: ignore[arg-type]
    problem = _check_pair(show)
    if problem:
        raise ConfigError(f"{path}: key 'subcategory': {problem}")
    return show


def _toml_value(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # Stored text has no control characters, so only \ and " need escaping.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_HEADER = """\
# The show's settings for this folder, used by every `digest build` and
# `digest feed` here until changed. Edit this file or run `digest show`.
# A commented-out key takes the default; the README lists every key.
"""


def render_show(show: Show) -> str:
    """The show file's text: every key, the unset ones commented out."""
    lines = [_HEADER]
    for key in KEYS:
        value = getattr(show, key)
        if value is None:
            lines.append(f"# {key} =\n")
        else:
            lines.append(f"{key} = {_toml_value(value)}\n")
    return "".join(lines)


def write_show(folder: Path, show: Show) -> Path:
    """Keep ``show`` in ``folder``'s show file; an unchanged file is not rewritten."""
    path = show_path(folder)
    data = render_show(show).encode("utf-8")
    try:
        unchanged = path.read_bytes() == data
    except OSError:
        unchanged = False
    return path if unchanged else write_atomic(path, data)
