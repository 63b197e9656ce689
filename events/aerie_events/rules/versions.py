"""Rules kept as dated versions: the version in force on a day.

A new version of a policy takes effect on its ``effective_from`` day and is in
force until a later one takes effect; events name the version that decided them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar


class Versioned(Protocol):
    """A policy's version, by the day it takes effect."""

    @property
    def effective_from(self) -> dt.date: ...


PolicyT = TypeVar("PolicyT", bound=Versioned)


def in_force_on(day: dt.date, versions: Sequence[PolicyT], what: str) -> PolicyT:
    """The version of ``what`` in force on ``day``: the latest that took effect by then.

    Raises ``LookupError`` naming ``what`` and the day when none had taken effect.
    """
    in_force = [v for v in versions if v.effective_from <= day]
    if not in_force:
        raise LookupError(f"no {what} is in force on {day.isoformat()}")
    return max(in_force, key=lambda v: v.effective_from)
