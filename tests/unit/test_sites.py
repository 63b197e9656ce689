"""Given / when / then on a site: its zone, and the versions of its working calendar."""

import datetime as dt

import pytest
from aerie_events.catalog.organisation import SITE_CALENDAR_PUBLISHED, SITE_OPENED
from aerie_services.kit.base import Command
from aerie_services.kit.errors import AlreadyRecorded
from aerie_services.organisation.domainmodel import Site
from aerie_services.organisation.errors import InvalidCalendar

CALENDAR = {
    "site_id": "site-n",
    "calendar_version": "2026-01",
    "working_days": ["mon", "tue", "wed", "thu", "fri"],
    "opens_at": "08:30",
    "closes_at": "17:30",
    "holidays": ["2026-10-01"],
}


def meta(kind: str, command_id: str) -> dict:
    return Command(kind, command_id, None, {}, "2026-01-05T09:00:00+00:00").meta(site_id="site-n")


def opened() -> Site:
    payload = {
        "site_id": "site-n",
        "name": "North",
        "time_zone": "Asia/Shanghai",
        "opened_on": "2026-01-01",
    }
    return Site.open(None, meta(SITE_OPENED, "o1"), payload)


def test_a_site_opened_without_a_calendar_works_weekdays_nine_to_six_in_its_zone() -> None:
    calendar = opened().working_calendar()
    assert calendar.time_zone == "Asia/Shanghai"
    assert calendar.is_working(dt.datetime(2026, 9, 7, 9, tzinfo=calendar.zone))
    assert not calendar.is_working(dt.datetime(2026, 9, 7, 18, tzinfo=calendar.zone))


def test_a_published_calendar_is_the_one_in_force() -> None:
    site = opened()
    site.publish_calendar(meta(SITE_CALENDAR_PUBLISHED, "c1"), CALENDAR)
    calendar = site.working_calendar()
    assert calendar.version == "2026-01"
    assert not calendar.is_working(dt.datetime(2026, 10, 1, 10, tzinfo=calendar.zone))


def test_a_site_is_opened_once() -> None:
    with pytest.raises(AlreadyRecorded):
        Site.open(opened(), meta(SITE_OPENED, "o2"), {"site_id": "site-n"})


def test_a_published_calendar_version_never_changes() -> None:
    site = opened()
    site.publish_calendar(meta(SITE_CALENDAR_PUBLISHED, "c1"), CALENDAR)
    with pytest.raises(AlreadyRecorded) as caught:
        site.publish_calendar(
            meta(SITE_CALENDAR_PUBLISHED, "c2"), {**CALENDAR, "opens_at": "09:00"}
        )
    assert caught.value.field == "calendarVersion"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"working_days": []}, "workingDays"),
        ({"working_days": ["mon", "mon"]}, "workingDays"),
        ({"opens_at": "18:00", "closes_at": "09:00"}, "closesAt"),
    ],
)
def test_a_calendar_without_working_time_is_refused_naming_the_field(
    change: dict, field: str
) -> None:
    with pytest.raises(InvalidCalendar) as caught:
        opened().publish_calendar(meta(SITE_CALENDAR_PUBLISHED, "c1"), {**CALENDAR, **change})
    assert caught.value.field == field
