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
