"""Drivers placed in the importance / performance matrix and ranked, against the last wave."""

from __future__ import annotations

import pytest
from aerie_events.rules.scales import scales_of
from aerie_projections.satisfaction.drivers import (
    CONCENTRATE_HERE,
    KEEP_UP,
    LOW_PRIORITY,
    POSSIBLE_OVERKILL,
    DriverPoint,
    analyse,
)
from aerie_projections.satisfaction.results import (
    DISSATISFACTION,
    MEAN,
    GroupResult,
    ItemResult,
    Question,
    drivers_of,
)
from aerie_projections.satisfaction.statistics import ItemStatistics, ItemSums


def point(question_id: str, importance: float | None, performance: float) -> DriverPoint:
    return DriverPoint(question_id, question_id.title(), importance, performance)


WAVE = [
    point("workload", 0.62, 48.0),
    point("coaching", 0.55, 81.0),
    point("canteen", 0.12, 40.0),
    point("tools", 0.18, 85.0),
]


def test_each_driver_lands_in_its_quadrant() -> None:
    quadrants = {d.point.question_id: d.quadrant for d in analyse(WAVE).drivers}
    assert quadrants == {
        "workload": CONCENTRATE_HERE,
        "coaching": KEEP_UP,
        "canteen": LOW_PRIORITY,
        "tools": POSSIBLE_OVERKILL,
    }


def test_the_important_and_weak_driver_ranks_first() -> None:
    ranked = analyse(WAVE).drivers
    assert ranked[0].point.question_id == "workload"
    assert ranked[0].priority == pytest.approx(0.62 * 0.52)
    assert [d.rank for d in ranked] == [1, 2, 3, 4]


def test_the_matrix_is_cut_at_the_drivers_means() -> None:
    analysis = analyse(WAVE)
    assert analysis.importance_cut == pytest.approx((0.62 + 0.55 + 0.12 + 0.18) / 4)
    assert analysis.performance_cut == pytest.approx((48 + 81 + 40 + 85) / 4)


def test_each_driver_is_compared_with_the_previous_wave() -> None:
    previous = [point("workload", 0.50, 60.0), point("coaching", 0.58, 70.0)]
    ranked = {d.point.question_id: d for d in analyse(WAVE, previous).drivers}
    workload = ranked["workload"]
    assert workload.importance_change == pytest.approx(0.12)
    assert workload.performance_change == pytest.approx(-12.0)
    assert workload.previous_rank is not None
    assert ranked["canteen"].previous is None


def test_a_driver_without_variance_counts_as_unimportant() -> None:
    ranked = analyse([point("a", None, 10.0), point("b", 0.4, 50.0)]).drivers
    assert ranked[0].point.question_id == "b"
    assert ranked[1].priority == 0.0


def test_a_driver_with_negative_importance_has_no_priority_however_low_it_scores() -> None:
    """A driver rated higher by the less satisfied is not what raises satisfaction: its
    shortfall claims no priority, and it ranks below a driver that matters."""
    ranked = analyse([point("parking", -0.4, 5.0), point("pay", 0.1, 90.0)]).drivers
    assert [d.point.question_id for d in ranked] == ["pay", "parking"]
    assert ranked[1].priority == 0.0 and ranked[0].priority == pytest.approx(0.1 * 0.1)


OVERALL_ANSWERS = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
DRIVER_ANSWERS = {
    "pay": [1, 1, 1, 5, 5, 5, 5, 5, 5, 5],  # mean 3.8 (70%), three in ten dissatisfied
    "tools": [2, 2, 3, 3, 3, 3, 3, 3, 4, 4],  # mean 3.0 (50%), two in ten dissatisfied
    "canteen": [3, 4, 3, 4, 3, 4, 3, 4, 3, 4],  # no bearing on satisfaction
}


def a_group() -> GroupResult:
    """Ten respondents of a team, their overall satisfaction and three drivers (1-5)."""
    scale = scales_of("scales/2026-01")["1-5"]
    overall = ItemSums()
    for value in OVERALL_ANSWERS:
        overall.add(value, value)
    items = []
    for question_id, values in DRIVER_ANSWERS.items():
        sums = ItemSums()
        for value, satisfaction in zip(values, OVERALL_ANSWERS, strict=True):
            sums.add(value, satisfaction)
        question = Question("driver", question_id, question_id.title(), scale)
        items.append(ItemResult(question, ItemStatistics.of(sums, overall, scale, is_enps=False)))
    return GroupResult(("team", "n", "a"), None, 10, 10, tuple(items))


def test_drivers_rank_by_their_dissatisfaction_rate_as_well_as_by_their_mean() -> None:
    """By the mean, tools (50%) come before pay (70%); by how many are dissatisfied, pay
    (30%) comes first: its high mean hides a dissatisfied three in ten."""
    by_mean = drivers_of(a_group(), None, MEAN)
    by_dissatisfaction = drivers_of(a_group(), None, DISSATISFACTION)
    assert by_mean is not None and by_dissatisfaction is not None
    assert [d.point.question_id for d in by_mean.drivers] == ["tools", "pay", "canteen"]
    ranked = {d.point.question_id: d for d in by_dissatisfaction.drivers}
    assert [d.point.question_id for d in by_dissatisfaction.drivers] == ["pay", "tools", "canteen"]
    assert ranked["pay"].point.performance == pytest.approx(70.0)  # 100 less 30% dissatisfied
    assert ranked["pay"].priority == pytest.approx(ranked["pay"].point.importance * 0.3)
    assert ranked["tools"].priority == pytest.approx(ranked["tools"].point.importance * 0.2)
    assert ranked["canteen"].priority == 0.0  # nobody dissatisfied, and it does not matter
