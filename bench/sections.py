"""Rewrite one marked section of BENCHMARKS.md, keeping the rest of the file."""

import os
import re
from pathlib import Path


def write_section(target: Path, begin: str, end: str, heading: str, body: str) -> None:
    """Put ``body`` between the ``begin``/``end`` markers (appended if absent)."""
    text = target.read_text(encoding="utf-8") if target.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        text = re.sub(
            re.escape(begin) + ".*?" + re.escape(end),
            lambda _: block,
            text,
            flags=re.DOTALL,
        )
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
