"""Process managers: projections whose handlers issue commands, with durable timers.

A manager keeps its own state tables (like any projection), and from the same
batch derives commands to issue now and timers to set or cancel. Command ids
are derived from the triggering event (or the timer), so a redelivered batch
or a timer fired twice decides nothing twice: the command path answers a
repeated id with its first outcome. Timers are rows in PostgreSQL (due time,
data, cause) written in the batch's transaction; the worker fires the due
ones, survives restarts, and marks each fired once its commands are recorded.

Replays rebuild a manager's state tables only: decisions are recorded as
events, never recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from aerie_events.envelope import Envelope
from psycopg import AsyncConnection

from aerie_projections.kit import Projection


@dataclass(frozen=True)
class CommandRequest:
    """A command a manager asks the command path to record (inputs as ``Aerie.handle`` takes)."""

    kind: str
    command_id: str
    employee_id: str | None
    data: dict[str, Any]
    causation_id: str | None = None
    correlation_id: str | None = None
    occurred_at: str | None = None
    """When it happened (event time, e.g. that of the triggering event); now if None."""


@dataclass(frozen=True)
class Timer:
    """Set (or move) the timer ``key`` to fire at ``due_at`` (ISO 8601, from event time)."""

    key: str
    due_at: str
    cause: UUID
    data: dict[str, Any] = field(default_factory=dict)
    replace: bool = True
    """False: a timer already set under ``key`` (due, firing or fired) is left as it is.

    Such a set takes no lock on an existing timer, so a batch never waits for a
    timer that is firing (a trigger many events repeat, say)."""
    earlier: bool = False
    """With ``replace=False``: a timer already set under ``key`` that has not fired is
    moved to ``due_at`` when that is sooner, never later (a later fact brings a decision
    forward); one that fired is left as it is."""


@dataclass(frozen=True)
class CancelTimer:
    key: str


@dataclass(frozen=True)
class DueTimer:
    """A timer that came due, as the manager receives it."""

    key: str
    due_at: Any
    cause: UUID
    data: dict[str, Any]


class ProcessManager(Projection):
    """A projection that also decides: commands now, and timers for later."""

    def commands(self, envelopes: Sequence[Envelope]) -> list[CommandRequest]:
        """Commands to record because of these events (default: none)."""
        return []

    def timers(self, envelopes: Sequence[Envelope]) -> list[Timer | CancelTimer]:
        """Timers to set or cancel because of these events (default: none)."""
        return []

    async def on_timer(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        """Commands to record now that ``timer`` is due; may read the manager's tables."""
        return []

    async def deliver(self, conn: AsyncConnection[Any], schema: str) -> int:
        """Side effects outside the event store (emails), from rows its batches wrote.

        Called after the timers, on the timers' connection; sends what is due and
        marks it in the same transaction, so a crash sends again at most what
        was not marked (the receiver sees the same message). Returns how many.
        """
        return 0
