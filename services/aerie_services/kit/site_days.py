"""Days as a site counts them: today in the site's zone, and dates that may not be after it."""

from __future__ import annotations

import datetime as dt

from aerie_events.rules.calendar import WorkingCalendar

from aerie_services.kit.context import Facts
from aerie_services.kit.errors import DateInFuture
from aerie_services.organisation import SITE_TIME_ZONE


def site_today(facts: Facts, site_id: str) -> tuple[dt.date, str]:
    """The site's date now (the write side may read the clock; projections never do), and its zone."""
    zone = facts.ask(SITE_TIME_ZONE, site_id)
    return WorkingCalendar(time_zone=zone).local_date(dt.datetime.now(dt.UTC)), zone


def not_after(day: str, field: str, today: dt.date, zone: str) -> dt.date:
    """``day`` as a date, refused when it is after the site's ``today``."""
    parsed = dt.date.fromisoformat(day)
    if parsed > today:
        raise DateInFuture(field, day, today.isoformat(), zone)
    return parsed
