"""Given / when / then on the daily required study of staff working from home."""

import datetime as dt

from aerie_events.rules.growth.study import plan_days, study_policy_on

POLICY = study_policy_on(dt.date(2026, 2, 1))


def test_a_day_with_the_minutes_and_a_passed_quiz_is_met() -> None:
    assert POLICY.judge(30, 45, [55, 80]).met


def test_too_few_minutes_is_a_missed_day_with_the_reason() -> None:
    judged = POLICY.judge(30, 20, [90])
    assert not judged.met
    assert judged.reason == "studied 20 of 30 minutes"


def test_no_quiz_or_a_failed_quiz_misses_the_day() -> None:
    assert POLICY.judge(30, 30, []).reason == "took no quiz"
    assert "under the pass mark" in POLICY.judge(30, 30, [40]).reason


def test_a_day_is_judged_after_it_ends_in_the_sites_zone() -> None:
    judged = POLICY.judged_at(dt.date(2026, 2, 1), "Asia/Shanghai")
    assert judged == dt.datetime(2026, 2, 1, 18, 0, tzinfo=dt.UTC)  # midnight +08:00, plus 2 h


def test_a_plan_covers_each_day_from_first_to_last() -> None:
    days = plan_days(dt.date(2026, 2, 27), dt.date(2026, 3, 2))
    assert [d.isoformat() for d in days] == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
