"""The company's sites: each with the time zone its days are counted in, and its calendar."""

from __future__ import annotations

from typing import Any

from aerie_events.catalog.organisation import SITE_CALENDAR_PUBLISHED, SITE_OPENED
from aerie_events.rules.calendar import DEFAULT_ZONE, WorkingCalendar
from eventsourcing.domain import event

from aerie_services.kit.base import AerieAggregate, stable_id
from aerie_services.kit.errors import AlreadyRecorded
from aerie_services.organisation.errors import InvalidCalendar


class Site(AerieAggregate):
    """A contact-center site: its name, zone, and the versions of its working calendar."""

    @staticmethod
    def id_for(site_id: str) -> Any:
        return stable_id("site", site_id)

    @staticmethod
    def create_id(payload: dict) -> Any:
        return Site.id_for(payload["site_id"])

    @event("Opened")
    def __init__(self, meta: dict, payload: dict) -> None:
        self.site_id = payload["site_id"]
        self.time_zone = payload["time_zone"]
        self.calendar: dict[str, Any] | None = None
        self.calendar_versions: list[str] = []
        self.remember(meta, SITE_OPENED, 1)

    @classmethod
    def open(cls, existing: Site | None, meta: dict, payload: dict) -> Site:
        if existing is not None:
            raise AlreadyRecorded(f"site {payload['site_id']!r}", "siteId")
        return cls(meta=meta, payload=payload)

    def publish_calendar(self, meta: dict, payload: dict) -> None:
        """A new version of the site's working calendar; a published version never changes."""
        if payload["calendar_version"] in self.calendar_versions:
            raise AlreadyRecorded(
                f"calendar version {payload['calendar_version']!r} of site {self.site_id!r}",
                "calendarVersion",
            )
        check_calendar(payload)
        self._calendar_published(meta=meta, payload=payload)

    @event("CalendarPublished")
    def _calendar_published(self, meta: dict, payload: dict) -> None:
        self.calendar = {k: v for k, v in payload.items() if k != "site_id"}
        self.calendar_versions = [*self.calendar_versions, payload["calendar_version"]]
        self.remember(meta, SITE_CALENDAR_PUBLISHED, self.version + 1)

    def working_calendar(self) -> WorkingCalendar:
        """The calendar in force: the latest published, or the default in the site's zone."""
        if self.calendar is None:
            return WorkingCalendar(time_zone=self.time_zone)
        return WorkingCalendar.from_payload(self.calendar, self.time_zone)


def check_calendar(payload: dict) -> None:
    """Refuse a calendar with no working day, a repeated day, or hours that end before they start."""
    days = payload["working_days"]
    if not days or len(set(days)) != len(days):
        raise InvalidCalendar(
            "workingDays", "has no day, or names a day twice", "1 to 7 distinct days"
        )
    try:
        WorkingCalendar.from_payload(payload, DEFAULT_ZONE)
    except ValueError as error:
        raise InvalidCalendar("closesAt", str(error), "a time after opensAt") from None
