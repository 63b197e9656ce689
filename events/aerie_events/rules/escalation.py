"""What the write side and the deadline manager agree on about escalations.

An escalation's command id is derived from the issue and the breach, so the
manager firing a timer twice, or a history loader recording the same breach,
records one escalation. A deadline is watched unless it had passed in history
loaded later (``is_watched``); notices go out only for news (``is_news``).
"""

from __future__ import annotations

import datetime as dt
import hashlib

LIVE_WITHIN = dt.timedelta(days=1)
"""An event recorded this long after it happened is history being loaded, not news."""


def is_news(occurred_at: str | dt.datetime, recorded_at: str | dt.datetime) -> bool:
    """True when an event was recorded soon after it happened (anonymous ones wait for their
    window), so people are told of it; history loaded later tells no one."""
    return instant(recorded_at) - instant(occurred_at) <= LIVE_WITHIN


def is_watched(
    occurred_at: str | dt.datetime, recorded_at: str | dt.datetime, due_at: str | dt.datetime
) -> bool:
    """True when the deadline manager watches ``due_at``, set by an event of these times.

    A deadline still ahead when the event was recorded is watched, and so is
    any deadline news sets (a priority raised, a reassignment): one already
    past fires at once. Only a deadline that had passed in history loaded
    later (an import, the demo) is not: that history brings its own
    escalations, under the same command ids.
    """
    return instant(due_at) > instant(recorded_at) or is_news(occurred_at, recorded_at)


def overdue_command_id(issue_id: str, due_at: str | dt.datetime) -> str:
    """The command id of escalating ``issue_id`` for missing the deadline ``due_at``.

    Derived from the issue and the breach, so a timer fired twice (or the
    history loader recording the same breach) records one escalation.
    """
    return _command_id("overdue", f"{issue_id}\x00{instant(due_at).isoformat()}")


def rejection_command_id(issue_id: str, reply_number: int) -> str:
    """The command id of escalating ``issue_id`` because its reply ``reply_number`` was rejected."""
    return _command_id("rejected", f"{issue_id}\x00{reply_number}")


def _command_id(reason: str, breach: str) -> str:
    return f"escalate:{reason}:{hashlib.sha256(breach.encode()).hexdigest()[:40]}"


def instant(moment: str | dt.datetime) -> dt.datetime:
    """An ISO 8601 time with its zone (or an aware datetime), in UTC; refuses a naive one."""
    value = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if value.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone")
    return value.astimezone(dt.UTC)
