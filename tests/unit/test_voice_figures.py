"""Given / when / then on what the voice figures show a reader who may not read issues."""

import datetime as dt

from aerie_gateway.voice.types import trend_of

WEEK = {
    "week": dt.date(2026, 3, 2),
    "raised": 4,
    "suggestions": 1,
    "replied_in_time": 2,
    "escalated": 1,
    "resolved": 3,
    "adopted": 0,
}


def test_a_week_with_fewer_issues_than_the_threshold_is_withheld() -> None:
    shown = trend_of(WEEK, 5)
    assert shown.withheld
    assert (shown.raised, shown.replied_in_time, shown.escalated) == (None, None, None)


def test_a_week_at_the_threshold_is_shown() -> None:
    shown = trend_of(WEEK, 4)
    assert not shown.withheld and shown.raised == 4 and shown.replied_in_time == 2


def test_a_reader_of_every_issue_sees_every_week() -> None:
    assert trend_of(WEEK, None).raised == 4
