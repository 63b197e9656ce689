"""Drivers placed in the importance / performance matrix and ranked, against the last wave."""

from __future__ import annotations

import pytest
from aerie_projections.satisfaction.drivers import (
    CONCENTRATE_HERE,
    KEEP_UP,
    LOW_PRIORITY,
    POSSIBLE_OVERKILL,
    DriverPoint,
    analyse,
)


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
