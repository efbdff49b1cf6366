"""Options for reading reviews, and parsing them from command-line strings.

In: ``FIELD=KEY`` strings (a ``--field`` flag) and limits. Out: a frozen
:class:`IngestOptions`. Bad strings raise :class:`UsageError` (exit code 2). No I/O.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from digest.errors import UsageError
from digest.ingest.fields import DEFAULT_FIELDS

DEFAULT_TIMEOUT_S = 15.0
DEFAULT_MAX_DOWNLOAD_BYTES = 8 << 20
_FIELD_SPEC = re.compile(r"\s*([A-Za-z]+)\s*=\s*(\S(?:.*\S)?)\s*")


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How to read reviews: record field names, and limits for URL downloads.

    ``fields`` maps a Review field (title, text, critic, outlet, rating, url, date,
    language) to the key or column that holds it in JSON/CSV records, e.g.
    ``{"text": "reviewBody", "critic": "author.name"}`` (dotted keys reach into
    nested objects). Unmapped fields use the documented default names.
    """

    fields: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    detect_language: bool = True
    # Redirects to another host are refused unless this is set.
    follow_redirects: bool = False

    def __post_init__(self) -> None:
        unknown = sorted(set(self.fields) - set(DEFAULT_FIELDS))
        if unknown:
            raise UsageError(
                f"unknown review field {unknown[0]!r} in a field mapping "
                f"(known: {', '.join(DEFAULT_FIELDS)})"
            )
        empty = [k for k, v in self.fields.items() if not v or not v.strip()]
        if empty:
            raise UsageError(f"field mapping for {empty[0]!r} names no key")
        if not self.timeout_s > 0:
            raise UsageError(f"timeout must be positive, not {self.timeout_s}")
        if self.max_download_bytes <= 0:
            raise UsageError("download size limit must be positive")
        # Frozen all the way down: keep a read-only copy of the caller's mapping.
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    @classmethod
    def from_strings(
        cls,
        fields: Iterable[str] = (),
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        detect_language: bool = True,
        follow_redirects: bool = False,
    ) -> "IngestOptions":
        """Options from CLI ``FIELD=KEY`` strings (see :func:`parse_field_specs`)."""
        return cls(
            parse_field_specs(fields),
            timeout_s,
            max_download_bytes,
            detect_language,
            follow_redirects,
        )


def parse_field_specs(specs: Iterable[str]) -> dict[str, str]:
    """``["text=reviewBody", "critic=author.name"]`` → ``{"text": "reviewBody", ...}``.

    Raises :class:`UsageError` for a malformed spec or an unknown Review field.
    """
    mapping: dict[str, str] = {}
    for spec in specs:
        match = _FIELD_SPEC.fullmatch(spec)
        if not match:
            raise UsageError(
                f"field mapping {spec!r}: expected FIELD=KEY, e.g. text=reviewBody"
            )
        name, key = match.group(1).lower(), match.group(2)
        if name not in DEFAULT_FIELDS:
            raise UsageError(
                f"field mapping {spec!r}: {name!r} is not a review field "
                f"(known: {', '.join(DEFAULT_FIELDS)})"
            )
        mapping[name] = key
    return mapping
