"""What the write side and the deadline manager agree on about escalations.

An escalation's command id is derived from the issue and the breach, so the
manager firing a timer twice, or a history loader recording the same breach,
records one escalation. A deadline is watched only when the platform held the
issue before it passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib


def is_armed(routing_recorded_at: str | dt.datetime, due_at: str | dt.datetime) -> bool:
    """True when the platform held the issue before its deadline passed, so it watches the breach.

    A routing recorded after its own deadline is history being loaded (an import,
    the demo): its breach, if any, was already decided and is recorded with it.
    """
    return _instant(routing_recorded_at) <= _instant(due_at)


LIVE_WITHIN = dt.timedelta(days=1)
"""An event recorded this long after it happened is history being loaded, not news."""


def is_news(occurred_at: str | dt.datetime, recorded_at: str | dt.datetime) -> bool:
    """True when an event was recorded soon after it happened (anonymous ones wait for their
    window), so people are told of it; history loaded later tells no one."""
    return _instant(recorded_at) - _instant(occurred_at) <= LIVE_WITHIN


def overdue_command_id(issue_id: str, due_at: str | dt.datetime) -> str:
    """The command id of escalating ``issue_id`` for missing the deadline ``due_at``.

    Derived from the issue and the breach, so a timer fired twice (or the
    history loader recording the same breach) records one escalation.
    """
    return _command_id("overdue", f"{issue_id}\x00{_instant(due_at).isoformat()}")


def rejection_command_id(issue_id: str, reply_number: int) -> str:
    """The command id of escalating ``issue_id`` because its reply ``reply_number`` was rejected."""
    return _command_id("rejected", f"{issue_id}\x00{reply_number}")


def _command_id(reason: str, breach: str) -> str:
    return f"escalate:{reason}:{hashlib.sha256(breach.encode()).hexdigest()[:40]}"


def _instant(moment: str | dt.datetime) -> dt.datetime:
    value = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if value.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone")
    return value.astimezone(dt.UTC)
