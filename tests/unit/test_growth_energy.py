"""Given / when / then on the energy value and what its level leads to."""

import datetime as dt
from decimal import Decimal

from aerie_events.rules.growth.energy import (
    Consequence,
    EnergyLevel,
    assess_week,
    energy_of_day,
    energy_policy_on,
    week_of,
)
from aerie_events.rules.growth.kpi import DailyKpi, better_first

MONDAY = dt.date(2026, 3, 2)
TARGET = {
    "calls_answered": "80",
    "average_handling_seconds": "300",
    "first_contact_resolution": "90",
    "customer_satisfaction": "4.5",
    "qa_score": "90",
    "attendance": "98",
}


def day(on: dt.date, **changes: str) -> DailyKpi:
    return DailyKpi(on, {k: Decimal(v) for k, v in {**TARGET, **changes}.items()})


def week(days: int = 5, **changes: str) -> list[DailyKpi]:
    return [day(MONDAY + dt.timedelta(days=n), **changes) for n in range(days)]


def test_an_agent_exactly_on_every_target_has_full_energy() -> None:
    energy, version = energy_of_day(day(MONDAY))
    assert energy == Decimal("100.00")
    assert version == "energy/2026-01"


def test_shorter_handling_is_better_and_longer_is_worse() -> None:
    faster, _ = energy_of_day(day(MONDAY, average_handling_seconds="240"))
    slower, _ = energy_of_day(day(MONDAY, average_handling_seconds="450"))
    assert faster > Decimal(100) > slower
    assert not better_first("average_handling_seconds")
    assert better_first("customer_satisfaction")


def test_each_score_is_capped_so_one_kpi_cannot_buy_the_whole_energy() -> None:
    energy, _ = energy_of_day(day(MONDAY, calls_answered="1000"))
    assert energy == Decimal("102.50")  # 0.05 x the 150 cap, not 0.05 x 1,633


def test_overflowing_energy_earns_a_reward_in_proportion_to_the_overflow() -> None:
    small = assess_week(week(customer_satisfaction="4.6"), MONDAY)
    large = assess_week(week(customer_satisfaction="4.9"), MONDAY)
    assert small.consequence is Consequence.REWARD
    assert small.energy == Decimal("102.00")
    assert small.reward_amount == Decimal("10.00")
    assert large.reward_amount == 4 * small.reward_amount


def test_low_energy_sends_the_agent_to_a_day_of_off_post_training() -> None:
    low = assess_week(
        week(customer_satisfaction="3.5", qa_score="70", first_contact_resolution="70"), MONDAY
    )
    assert low.level is EnergyLevel.LOW
    assert (low.consequence, low.offpost_days, low.acceptance_test) == (
        Consequence.OFFPOST_TRAINING,
        1,
        False,
    )


def test_very_low_energy_means_seven_days_off_post_and_an_acceptance_test() -> None:
    poor = week(
        customer_satisfaction="3.0", qa_score="60", first_contact_resolution="60", attendance="85"
    )
    very_low = assess_week(poor, MONDAY)
    assert very_low.level is EnergyLevel.VERY_LOW
    assert (very_low.offpost_days, very_low.acceptance_test) == (7, True)


def test_a_week_with_too_few_kpi_days_decides_nothing() -> None:
    assessment = assess_week(week(days=2, customer_satisfaction="3.0"), MONDAY)
    assert assessment.consequence is Consequence.NOTHING
    assert assessment.energy is None
    assert "only 2 KPI days" in assessment.reason


def test_the_assessment_names_its_window_and_policy_version() -> None:
    thursday = MONDAY + dt.timedelta(days=3)
    assessment = assess_week([*week(), day(MONDAY + dt.timedelta(days=7))], thursday)
    assert (assessment.window_start, assessment.window_end) == week_of(MONDAY)
    assert assessment.kpi_days == 5
    assert assessment.policy_version == energy_policy_on(MONDAY).version
