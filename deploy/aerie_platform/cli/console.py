"""How the ``aerie`` command speaks: one line at a time, each starting ``aerie:``."""

from __future__ import annotations


def say(message: str) -> None:
    """Print ``message`` for the person at the terminal, at once."""
    print(f"aerie: {message}", flush=True)
