"""A site's working time: deadlines count working hours in the site's zone, past holidays."""

import datetime as dt

import pytest
from aerie_events.rules.calendar import NoWorkingTime, WorkingCalendar

SHANGHAI = WorkingCalendar(
    time_zone="Asia/Shanghai",
    holidays=frozenset({dt.date(2026, 10, 1), dt.date(2026, 10, 2)}),
)
BERLIN = WorkingCalendar(time_zone="Europe/Berlin")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_working_time_added_within_a_day_ends_the_same_day() -> None:
    due = SHANGHAI.add_working_time(at("2026-09-07T10:00:00+08:00"), dt.timedelta(hours=4))
    assert due == at("2026-09-07T14:00:00+08:00")


def test_working_time_left_at_closing_carries_over_to_the_next_morning() -> None:
    due = SHANGHAI.add_working_time(at("2026-09-07T16:00:00+08:00"), dt.timedelta(hours=4))
    assert due == at("2026-09-08T11:00:00+08:00")


def test_a_friday_evening_issue_is_due_on_monday() -> None:
    due = SHANGHAI.add_working_time(at("2026-09-11T20:00:00+08:00"), dt.timedelta(hours=8))
    assert due == at("2026-09-14T17:00:00+08:00")


def test_holidays_do_not_count() -> None:
    due = SHANGHAI.add_working_time(at("2026-09-30T17:00:00+08:00"), dt.timedelta(hours=2))
    assert due == at("2026-10-05T10:00:00+08:00")  # 1 and 2 October off, then a weekend


def test_a_daylight_saving_night_does_not_change_working_hours() -> None:
    # Berlin moves to summer time on 29 March 2026: nine working hours on Friday and Monday alike
    friday = BERLIN.working_time_between(
        at("2026-03-27T00:00:00+01:00"), at("2026-03-28T00:00:00+01:00")
    )
    monday = BERLIN.working_time_between(
        at("2026-03-30T00:00:00+02:00"), at("2026-03-31T00:00:00+02:00")
    )
    assert friday == monday == dt.timedelta(hours=9)


def test_working_time_between_counts_only_working_hours() -> None:
    spent = SHANGHAI.working_time_between(
        at("2026-09-11T17:00:00+08:00"), at("2026-09-14T10:30:00+08:00")
    )
    assert spent == dt.timedelta(hours=2, minutes=30)


def test_the_local_date_is_the_sites_day_not_utcs() -> None:
    instant = at("2026-09-07T23:30:00+00:00")
    assert SHANGHAI.local_date(instant) == dt.date(2026, 9, 8)
    assert BERLIN.local_date(instant) == dt.date(2026, 9, 8)
    assert WorkingCalendar().local_date(instant) == dt.date(2026, 9, 7)


def test_a_day_is_bounded_by_local_midnights() -> None:
    start, end = SHANGHAI.day_bounds(dt.date(2026, 9, 8))
    assert start == at("2026-09-07T16:00:00+00:00")
    assert end == at("2026-09-08T16:00:00+00:00")


def test_is_working_knows_hours_weekends_and_holidays() -> None:
    assert SHANGHAI.is_working(at("2026-09-07T09:00:00+08:00"))
    assert not SHANGHAI.is_working(at("2026-09-07T18:00:00+08:00"))
    assert not SHANGHAI.is_working(at("2026-09-12T10:00:00+08:00"))  # a Saturday
    assert not SHANGHAI.is_working(at("2026-10-01T10:00:00+08:00"))


def test_a_calendar_reads_back_the_payload_it_was_published_with() -> None:
    payload = {
        "calendar_version": "2026-09",
        "working_days": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "opens_at": "08:30",
        "closes_at": "20:00",
        "holidays": ["2026-10-01"],
    }
    calendar = WorkingCalendar.from_payload(payload, "Asia/Urumqi")
    assert calendar.to_payload() == payload
    assert calendar.is_working(at("2026-09-12T09:00:00+06:00"))  # works Saturdays


def test_a_calendar_without_working_days_says_so() -> None:
    closed = WorkingCalendar(working_days=frozenset())
    with pytest.raises(NoWorkingTime):
        closed.add_working_time(at("2026-09-07T10:00:00+00:00"), dt.timedelta(hours=1))


def test_a_calendar_closing_before_it_opens_is_refused() -> None:
    with pytest.raises(ValueError, match="before it opens"):
        WorkingCalendar(opens_at=dt.time(18), closes_at=dt.time(9))
