"""Reading settings from the mapping the platform hands a part (never the process's environment).

Only the deploy package reads the environment: it passes the mapping to every
part that declares settings (``Projection.configure``), and reads its own with
the same readers. A value that is malformed is refused with a message naming
the setting and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping


class SettingRefused(ValueError):
    """A setting that is malformed; the message names it and what is allowed."""


def whole_number(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """``name`` as a whole number from ``low`` to ``high`` (``default`` when unset)."""
    raw = env.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingRefused(f"{name}={raw!r} is not allowed: a whole number from {low} to {high}")
    return int(raw)


def one_of(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first when unset)."""
    raw = env.get(name, "").strip().lower() or allowed[0]
    if raw not in allowed:
        raise SettingRefused(f"{name}={raw!r} is not allowed: {' or '.join(allowed)}")
    return raw


def switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """``on`` or ``off`` (also true/false, 1/0, yes/no; ``default`` when unset)."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in {"on", "off", "true", "false", "1", "0", "yes", "no"}:
        raise SettingRefused(f"{name}={raw!r} is not allowed: on or off")
    return raw in {"on", "true", "1", "yes"}
