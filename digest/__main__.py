"""``python -m digest``."""

from .cli import run

run()
