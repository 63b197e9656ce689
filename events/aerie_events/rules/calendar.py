"""A site's working time: its zone, working days and hours, and holidays.

Pure arithmetic, shared by the write side (is this date in the future at the
site?) and the read side (when is a reply due, counted in working hours?).
Every instant given or returned is time-zone aware; sums and differences are
taken in UTC, so a daylight-saving change never stretches or shrinks an hour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from aerie_events.catalog.organisation import WEEKDAYS

DEFAULT_ZONE = "UTC"
"""The zone of a site that was never opened (no ``site.opened`` event names it)."""
HORIZON_DAYS = 800
"""How far a calendar looks for working time: over two years, past any list of holidays."""


class NoWorkingTime(ValueError):
    """The calendar has no working time within the horizon (no working days, say)."""


@dataclass(frozen=True)
class WorkingCalendar:
    """When a site works: local working days and hours, less its holidays."""

    time_zone: str = DEFAULT_ZONE
    working_days: frozenset[int] = frozenset(range(5))
    """Weekday numbers, Monday = 0."""
    opens_at: dt.time = dt.time(9)
    closes_at: dt.time = dt.time(18)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    version: str | None = None

    def __post_init__(self) -> None:
        if not self.closes_at > self.opens_at:
            raise ValueError(f"closes at {self.closes_at} before it opens at {self.opens_at}")

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], time_zone: str | None) -> WorkingCalendar:
        """The calendar a ``site.calendar_published`` payload describes, in the site's zone."""
        return cls(
            time_zone=time_zone or DEFAULT_ZONE,
            working_days=frozenset(WEEKDAYS.index(d) for d in payload["working_days"]),
            opens_at=dt.time.fromisoformat(payload["opens_at"]),
            closes_at=dt.time.fromisoformat(payload["closes_at"]),
            holidays=frozenset(dt.date.fromisoformat(d) for d in payload["holidays"]),
            version=payload.get("calendar_version"),
        )

    def to_payload(self) -> dict[str, Any]:
        """As a ``site.calendar_published`` payload has it (without the site)."""
        return {
            "calendar_version": self.version,
            "working_days": [WEEKDAYS[d] for d in sorted(self.working_days)],
            "opens_at": self.opens_at.strftime("%H:%M"),
            "closes_at": self.closes_at.strftime("%H:%M"),
            "holidays": sorted(d.isoformat() for d in self.holidays),
        }

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_date(self, instant: dt.datetime) -> dt.date:
        """The site's calendar day at ``instant``."""
        return _aware(instant).astimezone(self.zone).date()

    def day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The first instant of the local ``day`` and of the day after it, in UTC."""
        start = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def is_working(self, instant: dt.datetime) -> bool:
        """Whether the site works at ``instant``."""
        moment = _aware(instant).astimezone(dt.UTC)
        day = self.local_date(moment)
        if not self.is_working_day(day):
            return False
        opens, closes = self._hours(day)
        return opens <= moment < closes

    def add_working_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant ``duration`` of working time after ``start`` (in UTC).

        Time outside working hours does not count: an issue raised on Friday
        evening with 8 working hours to go is due on Monday afternoon (or later,
        past holidays). A zero duration gives the next working instant.
        """
        moment, remaining = _aware(start).astimezone(dt.UTC), duration
        for opens, closes in self._windows_from(moment):
            begin = max(opens, moment)
            if begin + remaining <= closes:
                return begin + remaining
            remaining -= closes - begin
        raise NoWorkingTime(f"no working time within {HORIZON_DAYS} days of {start.isoformat()}")

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """How much working time lies between two instants (zero when end is not after start)."""
        first, last = _aware(start).astimezone(dt.UTC), _aware(end).astimezone(dt.UTC)
        total = dt.timedelta()
        if last <= first:
            return total
        for opens, closes in self._windows_from(first):
            if opens >= last:
                break
            total += min(closes, last) - max(opens, first)
        return total

    def _hours(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        opens = dt.datetime.combine(day, self.opens_at, tzinfo=self.zone)
        closes = dt.datetime.combine(day, self.closes_at, tzinfo=self.zone)
        return opens.astimezone(dt.UTC), closes.astimezone(dt.UTC)

    def _windows_from(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The working windows (UTC) that end after ``start``, in order."""
        day = self.local_date(start)
        moment = start.astimezone(dt.UTC)
        for offset in range(HORIZON_DAYS):
            current = day + dt.timedelta(days=offset)
            if not self.is_working_day(current):
                continue
            opens, closes = self._hours(current)
            if closes > moment:
                yield opens, closes


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError(f"{instant.isoformat()} has no time zone")
    return instant
