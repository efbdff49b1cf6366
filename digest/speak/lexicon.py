"""The pronunciation lexicon: written words and how to say them, from voices/.

In: the bundled ``voices/lexicon.toml`` (package data) and, on top of it, the
one in the build's voices folder, if it has its own. Out: a
:data:`~digest.speak.ear.Lexicon`, a sorted tuple of pairs (it travels with the
speak stage's settings and into the clip cache's keys through the text).
"""

import tomllib
from importlib import resources
from pathlib import Path

from digest.config import LEXICON_FILE
from digest.errors import ConfigError
from digest.speak.ear import Lexicon


def parse_lexicon(text: str, where: str) -> dict[str, str]:
    """The entries of one lexicon file's text; errors name ``where`` and the word."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from None
    entries: dict[str, str] = {}
    for word, said in data.items():
        if not isinstance(said, str) or not word.strip() or not said.strip():
            raise ConfigError(
                f"{where}: {word!r} must be a word and a non-empty string to say"
            )
        # Words match in any case, so one entry per word, the later file's.
        entries[word.strip().lower()] = " ".join(said.split())
    return entries


def load_lexicon(voices_dir: Path | None = None) -> Lexicon:
    """The bundled lexicon, with ``voices_dir/lexicon.toml``'s entries over it."""
    bundled = resources.files("digest.voices") / LEXICON_FILE
    entries = parse_lexicon(bundled.read_text(encoding="utf-8"), LEXICON_FILE)
    own = voices_dir / LEXICON_FILE if voices_dir is not None else None
    if own is not None and own.is_file():
        try:
            text = own.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{own}: cannot read the lexicon ({exc})") from None
        entries.update(parse_lexicon(text, str(own)))
    return tuple(sorted(entries.items()))
