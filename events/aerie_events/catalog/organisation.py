"""The organisation's events: sites, their time zones and working calendars."""

from __future__ import annotations

from aerie_events.catalog.kit import EventType, define
from aerie_events.fields import Field

CONTEXT = "organisation"

SITE_OPENED = "site.opened"
SITE_CALENDAR_PUBLISHED = "site.calendar_published"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

TYPES: tuple[EventType, ...] = (
    define(
        SITE_OPENED,
        CONTEXT,
        "A contact-center site joined the company, with the time zone its days are counted in.",
        keyed_by="site_id",
        site_id=Field("id", "The site's identifier."),
        name=Field("text", "The site's name.", max_length=120),
        time_zone=Field("zone", "The site's time zone: its days and working hours are local."),
        opened_on=Field("date", "First working day of the site."),
    ),
    define(
        SITE_CALENDAR_PUBLISHED,
        CONTEXT,
        "A site's working hours and holidays, as of a version; deadlines count only these hours.",
        keyed_by="site_id",
        site_id=Field("id", "The site."),
        calendar_version=Field("id", "This calendar's version, e.g. 2026-01."),
        working_days=Field(
            "list",
            "The days of the week the site works.",
            item=Field("enum", "A day of the week.", choices=WEEKDAYS),
            max_items=7,
        ),
        opens_at=Field("time", "When a working day starts, local time."),
        closes_at=Field("time", "When a working day ends, local time (after opens_at)."),
        holidays=Field(
            "list",
            "Days the site does not work, though they fall on working days.",
            item=Field("date", "A holiday."),
            max_items=366,
        ),
    ),
)
