"""Reply deadlines: when a department's reply is due, and which breaches the platform escalates.

A deadline counts working time on the site's calendar (its working days, hours
and holidays) from the moment the issue reached the department, for as many
working minutes as the department publishes for the issue's priority. The due
time is decided once, when the issue is routed, and recorded with the routing
(with the department version that set it), so a replay or a read model never
computes it again.

An anonymous issue reaches its department only when the relay releases it, at
the end of its release window (windows aligned to the epoch): its deadline
counts from then, and never from before the end of the hour it was raised in
(its recorded times say no more than the hour).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Protocol

from aerie_services.voice.departments import Department


class WorkingTime(Protocol):
    """What a deadline needs of a site's calendar (``aerie_events.rules.calendar.WorkingCalendar``)."""

    def add_working_time(self, start: dt.datetime, span: dt.timedelta) -> dt.datetime: ...


def reply_due(
    routed_at: str | dt.datetime, department: Department, priority: str, calendar: WorkingTime
) -> dt.datetime:
    """When ``department`` must have replied to an issue of ``priority`` routed at ``routed_at``."""
    start = dt.datetime.fromisoformat(routed_at) if isinstance(routed_at, str) else routed_at
    span = dt.timedelta(minutes=department.minutes_for(priority))
    return calendar.add_working_time(start, span).astimezone(dt.UTC)


def anonymous_routing(raised_at: str | dt.datetime, release_seconds: int) -> dt.datetime:
    """When an anonymous issue raised at ``raised_at`` reaches its department: the end of its
    release window of ``release_seconds``, and not before the end of its hour."""
    start = dt.datetime.fromisoformat(raised_at) if isinstance(raised_at, str) else raised_at
    seconds = start.timestamp()
    released = (math.floor(seconds / release_seconds) + 1) * release_seconds
    hour_over = (math.floor(seconds / 3600) + 1) * 3600
    return dt.datetime.fromtimestamp(max(released, hour_over), dt.UTC)
