"""Given / when / then on reply deadlines counted in a site's working hours."""

import datetime as dt

from aerie_events.rules.escalation import (
    is_news,
    is_watched,
    overdue_command_id,
    rejection_command_id,
)
from aerie_services.voice.deadlines import anonymous_routing, reply_due
from aerie_services.voice.departments import Department

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class OfficeHours:
    """A fake calendar for the test: 09:00-17:00 (UTC+8), Monday to Friday, minus holidays."""

    def __init__(self, holidays: frozenset[dt.date] = frozenset()) -> None:
        self.holidays = holidays

    def add_working_time(self, start: dt.datetime, span: dt.timedelta) -> dt.datetime:
        moment, left = start.astimezone(SHANGHAI), span
        while True:
            day = moment.date()
            opens = dt.datetime.combine(day, dt.time(9), SHANGHAI)
            closes = dt.datetime.combine(day, dt.time(17), SHANGHAI)
            if day.weekday() < 5 and day not in self.holidays and moment < closes:
                moment = max(moment, opens)
                if moment + left <= closes:
                    return moment + left
                left -= closes - moment
            moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), SHANGHAI)


def department(**minutes: int) -> Department:
    times = {"urgent": 60, "high": 240, "normal": 480, "low": 960, **minutes}
    return Department("hr", "HR", "Pay", "hr@example.com", times, False, 3)


def test_an_urgent_issue_raised_on_friday_afternoon_is_due_on_monday_morning() -> None:
    friday = dt.datetime(2026, 3, 6, 16, 30, tzinfo=SHANGHAI)
    due = reply_due(friday, department(), "urgent", OfficeHours())
    assert due == dt.datetime(2026, 3, 9, 9, 30, tzinfo=SHANGHAI)
    assert due.tzinfo == dt.UTC


def test_holidays_do_not_count_towards_a_deadline() -> None:
    monday = dt.datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
    tuesday = dt.date(2026, 3, 10)
    due = reply_due(monday.isoformat(), department(), "normal", OfficeHours({tuesday}))
    assert due == dt.datetime(2026, 3, 9, 17, 0, tzinfo=SHANGHAI)
    due = reply_due(monday.isoformat(), department(), "low", OfficeHours({tuesday}))
    assert due == dt.datetime(2026, 3, 11, 17, 0, tzinfo=SHANGHAI)


def test_a_deadline_that_passes_while_the_platform_holds_the_issue_is_watched() -> None:
    at = "2026-03-09T01:00:00+00:00"
    assert is_watched(at, at, "2026-03-09T09:00:00+00:00")


def test_a_deadline_news_moves_into_the_past_is_watched_so_it_fires_at_once() -> None:
    at = "2026-03-09T11:00:00+00:00"
    assert is_watched(at, "2026-03-09T11:00:01+00:00", "2026-03-09T10:00:00+00:00")


def test_history_loaded_after_its_deadline_is_not_escalated_again() -> None:
    loaded = "2026-05-01T00:00:00+00:00"
    assert not is_watched("2026-03-09T01:00:00+00:00", loaded, "2026-03-09T09:00:00+00:00")


def test_history_loaded_before_its_deadline_is_watched() -> None:
    loaded = "2026-05-01T00:00:00+00:00"
    assert is_watched("2026-04-29T01:00:00+00:00", loaded, "2026-05-02T09:00:00+00:00")


def test_the_same_breach_always_gets_the_same_escalation_command_id() -> None:
    once = overdue_command_id("IS-1", "2026-03-09T17:00:00+08:00")
    again = overdue_command_id("IS-1", "2026-03-09T09:00:00+00:00")
    later = overdue_command_id("IS-1", "2026-03-10T09:00:00+00:00")
    assert once == again != later
    assert len(once) <= 64


def test_each_rejected_reply_is_a_breach_of_its_own() -> None:
    first, second = rejection_command_id("IS-1", 1), rejection_command_id("IS-1", 2)
    assert first == rejection_command_id("IS-1", 1) != second
    assert first != overdue_command_id("IS-1", "2026-03-09T09:00:00+00:00")


def test_an_event_recorded_soon_after_it_happened_is_news_and_history_loaded_later_is_not() -> None:
    assert is_news("2026-03-09T10:00:00+00:00", "2026-03-09T11:00:05+00:00")
    assert not is_news("2026-03-01T10:00:00+00:00", "2026-03-09T11:00:00+00:00")


def test_an_anonymous_issue_reaches_its_department_when_its_release_window_ends() -> None:
    raised = "2026-03-09T10:17:00+00:00"
    assert anonymous_routing(raised, 3600) == dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.UTC)
    assert anonymous_routing(raised, 7200) == dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def test_an_anonymous_issues_deadline_never_counts_from_before_the_end_of_its_hour() -> None:
    raised = "2026-03-09T10:17:00+00:00"  # a one-minute window would tell the minute
    assert anonymous_routing(raised, 60) == dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.UTC)
