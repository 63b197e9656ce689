"""The running sums of survey answers give the statistics a batch computation gives."""

from __future__ import annotations

import random
from typing import Any

import pytest
from aerie_events.rules.scales import SCALES, enps
from aerie_projections.satisfaction.statistics import (
    ENPS,
    OVERALL,
    ItemStatistics,
    ItemSums,
    batch_statistics,
    fold,
    pearson,
)

SCALE_OF = {OVERALL: SCALES["1-5"], ENPS: SCALES["0-10"], ("driver", "workload"): SCALES["1-5"]}
SCALE_OF[("driver", "coaching")] = SCALES["0-10"]


def random_answer(rng: random.Random) -> dict[str, Any]:
    workload = rng.randint(1, 5)
    overall = max(1, min(5, workload + rng.choice((-1, 0, 0, 1))))
    return {
        "overall": overall,
        "enps": rng.randint(0, 10),
        "drivers": {"workload": workload, "coaching": rng.randint(0, 10)},
    }


def answered(response: str, answer: dict[str, Any], team: str, previous: Any = None) -> dict:
    payload = {"survey_id": "s1", "response_id": response, "site_id": "north", "team_id": team}
    payload.update(answer)
    if previous is not None:
        payload["previous"] = previous
    return payload


def incremental(sums: dict, group: tuple, overall_group: tuple | None = None) -> dict:
    overall = sums[("s1", overall_group or group, OVERALL)]
    return {
        item: ItemStatistics.of(s, overall, SCALE_OF[item], is_enps=item == ENPS)
        for (survey, g, item), s in sums.items()
        if g == group
    }


def test_running_sums_with_corrections_equal_a_batch_computation_of_the_last_answers() -> None:
    rng = random.Random(11)
    last: dict[str, dict[str, Any]] = {}
    events = []
    for _ in range(400):
        response = f"R-{rng.randint(1, 150)}"
        team = last[response]["team_id"] if response in last else rng.choice(("t1", "t2", "t3"))
        answer = random_answer(rng)
        previous = None
        if response in last:
            previous = {k: last[response][k] for k in ("overall", "enps", "drivers")}
        event = answered(response, answer, team, previous)
        events.append(event)
        last[response] = event
    totals: dict = {}
    for start in range(0, len(events), 37):  # batches of any size add up the same
        for key, delta in fold(events[start : start + 37]).items():
            totals.setdefault(key, ItemSums()).merge(delta)
    reference = batch_statistics(list(last.values()), SCALE_OF)
    for group in (("company", "", ""), ("site", "north", ""), ("team", "north", "t2")):
        got = incremental(totals, group)
        for item, stats in got.items():
            expected = reference[(group, item)]
            assert stats.responses == expected.responses
            assert stats.mean == pytest.approx(expected.mean)
            assert stats.favourable == pytest.approx(expected.favourable)
            assert stats.unfavourable == pytest.approx(expected.unfavourable)
            assert stats.correlation == pytest.approx(expected.correlation)
            assert stats.enps == pytest.approx(expected.enps)


def test_an_answer_counts_in_its_team_its_site_and_the_company() -> None:
    sums = fold([answered("R-1", random_answer(random.Random(1)), "t1")])
    groups = {group for _, group, item in sums if item == OVERALL}
    assert groups == {("company", "", ""), ("site", "north", ""), ("team", "north", "t1")}


def test_a_correction_to_the_same_answer_changes_no_sums() -> None:
    answer = random_answer(random.Random(2))
    assert fold([answered("R-1", answer, "t1", previous=dict(answer))]) == {}


def test_overall_satisfaction_correlates_perfectly_with_itself() -> None:
    events = [answered(f"R-{i}", random_answer(random.Random(i)), "t1") for i in range(20)]
    stats = incremental(fold(events), ("team", "north", "t1"))
    assert stats[OVERALL].correlation == pytest.approx(1.0)


def test_a_driver_that_never_varies_has_no_correlation() -> None:
    assert pearson(5, 15, 12, 45, 34, 36) is None


def test_favourable_and_unfavourable_shares_follow_the_scale() -> None:
    five, ten = SCALES["1-5"], SCALES["0-10"]
    histogram = [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]  # one answer each of 1..5
    assert (five.favourable(histogram), five.unfavourable(histogram)) == (2, 2)
    histogram = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]  # one answer each of 0..10
    assert (ten.favourable(histogram), ten.unfavourable(histogram)) == (4, 4)


def test_enps_is_promoters_minus_detractors_in_points() -> None:
    histogram = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]  # 6 detractor, 7-8 passive, 9-10 promoters
    assert enps(histogram) == pytest.approx(20.0)
