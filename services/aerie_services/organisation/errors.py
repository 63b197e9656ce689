"""The organisation's refusals: sites and their calendars."""

from __future__ import annotations

from aerie_services.kit.errors import DomainError


class UnknownSite(DomainError):
    code = "UNKNOWN_SITE"

    def __init__(self, site_id: str) -> None:
        super().__init__(
            f"no site {site_id!r} has been opened",
            field="siteId",
            allowed="the id of an opened site (openSite first)",
        )


class InvalidCalendar(DomainError):
    code = "INVALID_CALENDAR"

    def __init__(self, field: str, problem: str, allowed: str) -> None:
        super().__init__(f"the calendar {problem}", field=field, allowed=allowed)
