"""Reply deadlines: when a department's reply is due, and which breaches the platform escalates.

A deadline counts working time on the site's calendar (its working days, hours
and holidays) from the moment the issue reached the department, for as many
working minutes as the department publishes for the issue's priority. The due
time is decided once, when the issue is routed, and recorded with the routing
(with the department version that set it), so a replay or a read model never
computes it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Protocol

from aerie_services.voice.departments import Department


class WorkingTime(Protocol):
    """What a deadline needs of a site's calendar (``aerie_events.calendar.WorkingCalendar``)."""

    def add_working_time(self, start: dt.datetime, span: dt.timedelta) -> dt.datetime: ...


def reply_due(
    routed_at: str | dt.datetime, department: Department, priority: str, calendar: WorkingTime
) -> dt.datetime:
    """When ``department`` must have replied to an issue of ``priority`` routed at ``routed_at``."""
    start = dt.datetime.fromisoformat(routed_at) if isinstance(routed_at, str) else routed_at
    span = dt.timedelta(minutes=department.minutes_for(priority))
    return calendar.add_working_time(start, span).astimezone(dt.UTC)


def is_armed(routing_recorded_at: str | dt.datetime, due_at: str | dt.datetime) -> bool:
    """True when the platform held the issue before its deadline passed, so it watches the breach.

    A routing recorded after its own deadline is history being loaded (an import,
    the demo): its breach, if any, was already decided and is recorded with it.
    """
    return _instant(routing_recorded_at) <= _instant(due_at)


def escalation_command_id(issue_id: str, reason: str, breach_at: str | dt.datetime) -> str:
    """The command id of escalating ``issue_id`` for one breach: a second firing is a duplicate."""
    breach = _instant(breach_at).isoformat()
    digest = hashlib.sha256(f"{issue_id}\x00{reason}\x00{breach}".encode()).hexdigest()
    return f"escalate:{reason}:{digest[:40]}"


def _instant(moment: str | dt.datetime) -> dt.datetime:
    value = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if value.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone")
    return value.astimezone(dt.UTC)
