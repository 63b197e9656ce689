"""Given / when / then on the growth aggregates: the agent's ladder record and learning record."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from aerie_events.catalog.learning import (
    ACCEPTANCE_TEST_FAILED,
    ACCEPTANCE_TEST_PASSED,
    MAKEUP_EXAM_PASSED,
    QUIZ_SCORED,
    STUDY_LOGGED,
    STUDY_MISSED,
    STUDY_PLAN_STARTED,
    TRAINING_PASSED,
)
from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    EMPLOYEE_REPOSITIONED,
    ENERGY_REWARDED,
    KPI_RECORDED,
    OFFPOST_TRAINING_ORDERED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)
from aerie_events.rules.growth.policy import Evidence
from aerie_services.kit.errors import AlreadyRecorded, DateInFuture
from aerie_services.learning.errors import (
    AcceptanceTestTooEarly,
    AlreadyPassed,
    InvalidStudyPlan,
    NotAnOrder,
    StudyDayMet,
)
from aerie_services.learning.record import LearnerRecord
from aerie_services.performance.domainmodel import StarLadder, StepGround
from aerie_services.performance.errors import (
    AssessmentDiffers,
    CriteriaUnmet,
    KpiTooLate,
    NotOnTheLadder,
    StarLevelMismatch,
)

from tests.growth_support import STEADY

TODAY = dt.date(2026, 4, 1)
ZONE = "Asia/Shanghai"
HIRED = "2025-06-01"
COURSES = frozenset({"C-ONBOARD", "C-EMPATHY", "C-BILLING"})
GOOD = STEADY
POOR = {
    **GOOD,
    "customer_satisfaction": "3.00",
    "qa_score": "60.00",
    "first_contact_resolution": "60.00",
    "attendance": "85.00",
}
_ids = iter(range(1_000_000))


def meta(kind: str) -> dict[str, Any]:
    return {"type": kind, "command_id": f"c{next(_ids)}", "digest": "d"}


def with_days(ladder: StarLadder, values: dict[str, Any], last: dt.date, days: int) -> StarLadder:
    for n in range(days - 1, -1, -1):
        day = (last - dt.timedelta(days=n)).isoformat()
        ladder.record_kpi(meta(KPI_RECORDED), {"day": day, "team_id": "t1", **values}, TODAY, ZONE)
    return ladder


def graduated(star: int = 1) -> StarLadder:
    ladder = StarLadder(employee_id="E-1")
    ladder.graduated, ladder.star, ladder.level_since = True, star, "2025-06-01"
    return ladder


def evidence(ladder: StarLadder, courses: frozenset[str] = COURSES) -> Evidence:
    return Evidence(courses, ladder.kpi_days())


def ground(ladder: StarLadder) -> StepGround:
    """The ground of a step by an agent hired in 2025 who passed the ladder's courses."""
    return StepGround(evidence(ladder), HIRED, TODAY, ZONE)


def promote(ladder: StarLadder, to_star: int, on: str = TODAY.isoformat()) -> None:
    data = {"to_star": to_star, "reason": "r", "promoted_on": on}
    ladder.promote(meta(STAR_PROMOTED), data, ground(ladder))


def demote(ladder: StarLadder, to_star: int) -> None:
    data = {"to_star": to_star, "reason": "r", "demoted_on": TODAY.isoformat()}
    ladder.demote(meta(STAR_DEMOTED), data, ground(ladder))


def test_a_new_hire_without_training_is_not_promoted_and_every_unmet_criterion_is_named() -> None:
    ladder = StarLadder(employee_id="E-1")
    with pytest.raises(NotOnTheLadder):
        ladder.promote(
            meta(STAR_PROMOTED),
            {"to_star": 2, "reason": "r", "promoted_on": "2026-03-31"},
            StepGround(Evidence(), "2026-03-20", TODAY, ZONE),
        )
    with pytest.raises(CriteriaUnmet) as caught:
        ladder.graduate(
            meta(CHICK_GRADUATED),
            {"graduated_on": "2026-03-31", "reason": "r"},
            StepGround(Evidence(), "2026-03-20", TODAY, ZONE),
        )
    unmet = {c.key: (c.required, c.actual) for c in caught.value.criteria if not c.met}
    assert unmet["course:C-ONBOARD"] == ("passed", "not passed")
    assert unmet["time_at_level"] == ("at least 30 days", "11 days")
    assert caught.value.details["policyVersion"] == "ladder/2026-01"
    assert len(caught.value.problems) == len(unmet)


def test_a_promotion_meeting_the_policy_records_its_criteria_and_policy_version() -> None:
    ladder = with_days(graduated(2), GOOD, TODAY - dt.timedelta(days=1), 20)
    promote(ladder, 3)
    promoted = ladder.collect_events()[-1]
    assert promoted.meta["policy_version"] == "ladder/2026-01"
    assert promoted.payload["from_star"] == 2
    assert all(c["met"] for c in promoted.payload["criteria"])
    assert (ladder.star, ladder.level_since) == (3, TODAY.isoformat())


def test_a_promotion_dated_after_the_sites_today_is_refused() -> None:
    ladder = graduated(2)
    with pytest.raises(DateInFuture) as caught:
        promote(ladder, 3, "2026-04-02")
    assert caught.value.field == "promotedOn"


def test_sustained_low_energy_allows_a_demotion_one_star_down() -> None:
    ladder = with_days(graduated(3), POOR, TODAY - dt.timedelta(days=1), 20)
    with pytest.raises(NotOnTheLadder) as caught:
        demote(ladder, 1)
    assert caught.value.allowed == "2"
    demote(ladder, 2)
    assert ladder.star == 2


def test_a_demotion_of_a_performing_agent_is_refused_with_the_energy_it_found() -> None:
    ladder = with_days(graduated(3), GOOD, TODAY - dt.timedelta(days=1), 20)
    with pytest.raises(CriteriaUnmet) as caught:
        demote(ladder, 2)
    [unmet] = [c for c in caught.value.criteria if not c.met]
    assert (unmet.key, unmet.required, unmet.actual) == ("average:energy", "below 65.00", "95.83")


def test_a_promotion_that_skips_a_star_is_refused_naming_the_next_star() -> None:
    ladder = with_days(graduated(2), GOOD, TODAY - dt.timedelta(days=1), 20)
    with pytest.raises(StarLevelMismatch) as caught:
        promote(ladder, 4)
    assert caught.value.allowed == "3"


def test_no_promotion_beyond_five_stars_and_a_five_star_changes_track_instead() -> None:
    ladder = graduated(5)
    with pytest.raises(StarLevelMismatch):
        promote(ladder, 6, "2026-03-01")
    with pytest.raises(NotOnTheLadder):
        graduated(4).change_track(
            meta(TRACK_CHANGED),
            {"to_track": "qa", "reason": "r", "changed_on": "2026-03-01"},
            StepGround(Evidence(), HIRED, TODAY, ZONE),
        )


def test_one_kpi_fact_per_agent_and_day() -> None:
    ladder = with_days(StarLadder(employee_id="E-1"), GOOD, TODAY, 1)
    with pytest.raises(AlreadyRecorded):
        with_days(ladder, GOOD, TODAY, 1)


def test_a_kpi_fact_for_a_day_after_the_sites_today_is_refused() -> None:
    with pytest.raises(DateInFuture):
        with_days(StarLadder(employee_id="E-1"), GOOD, TODAY + dt.timedelta(days=1), 1)


def test_the_record_keeps_eight_weeks_and_refuses_what_is_older() -> None:
    ladder = with_days(StarLadder(employee_id="E-1"), GOOD, TODAY, 70)
    kept = sorted(ladder.kpi)
    assert 56 <= len(kept) < 63  # eight weeks, and the rest of the oldest week
    assert dt.date.fromisoformat(kept[0]).weekday() == 0  # weeks are forgotten whole
    with pytest.raises(KpiTooLate):
        with_days(ladder, GOOD, TODAY - dt.timedelta(days=60), 1)


def test_a_week_whose_facts_were_forgotten_is_still_decided_on_its_own_facts() -> None:
    """The energy manager working through a backlog asks about weeks long past."""
    long_ago = dt.date(2025, 11, 3)  # a Monday, 149 days before TODAY
    overflowing = {**GOOD, "customer_satisfaction": "4.90"}
    ladder = with_days(
        StarLadder(employee_id="E-1"), overflowing, long_ago + dt.timedelta(days=4), 5
    )
    ladder = with_days(ladder, POOR, long_ago + dt.timedelta(days=120), 100)
    assert long_ago.isoformat() not in ladder.kpi
    with pytest.raises(AssessmentDiffers):
        ladder.order_offpost_training(
            meta(OFFPOST_TRAINING_ORDERED),
            {"order_id": "o1", "window_start": long_ago.isoformat()},
        )
    ladder.reward(meta(ENERGY_REWARDED), {"window_start": long_ago.isoformat()})
    rewarded = ladder.collect_events()[-1].payload
    assert (rewarded["window_start"], rewarded["kpi_days"]) == (long_ago.isoformat(), 5)


MONDAY = dt.date(2026, 3, 2)


def test_the_energy_manager_may_reward_only_a_week_whose_facts_overflow() -> None:
    ladder = with_days(
        StarLadder(employee_id="E-1"),
        {**GOOD, "customer_satisfaction": "4.90"},
        MONDAY + dt.timedelta(days=4),
        5,
    )
    with pytest.raises(AssessmentDiffers):
        ladder.order_offpost_training(
            meta(OFFPOST_TRAINING_ORDERED), {"order_id": "o1", "window_start": MONDAY.isoformat()}
        )
    ladder.reward(meta(ENERGY_REWARDED), {"window_start": MONDAY.isoformat()})
    rewarded = ladder.collect_events()[-1]
    assert rewarded.payload["energy"] == "103.83"
    assert rewarded.payload["reward_amount"] == "19.15"  # 3.83 points over full, 5.00 a point
    assert rewarded.payload["window_end"] == "2026-03-08"
    assert rewarded.meta["policy_version"] == "energy/2026-01"
    with pytest.raises(AlreadyRecorded):
        ladder.reward(meta(ENERGY_REWARDED), {"window_start": MONDAY.isoformat()})


def reposition(ladder: StarLadder, order_id: str) -> None:
    data = {
        "order_id": order_id,
        "reason": "r",
        "repositioned_on": "2026-03-19",
        "to_post": "back_office",
    }
    ladder.reposition(meta(EMPLOYEE_REPOSITIONED), data)


def test_very_low_energy_orders_a_week_off_post_and_only_its_order_can_reposition() -> None:
    ladder = with_days(StarLadder(employee_id="E-1"), POOR, MONDAY + dt.timedelta(days=4), 5)
    ladder.order_offpost_training(
        meta(OFFPOST_TRAINING_ORDERED), {"order_id": "o1", "window_start": MONDAY.isoformat()}
    )
    ordered = ladder.collect_events()[-1].payload
    assert (
        ordered["days"],
        ordered["acceptance_test"],
        ordered["starts_on"],
        ordered["ends_on"],
    ) == (7, True, "2026-03-09", "2026-03-15")
    with pytest.raises(NotAnOrder):
        reposition(ladder, "o2")
    reposition(ladder, "o1")
    repositioned = ladder.collect_events()[-1]
    caused_by = (repositioned.payload["window_start"], repositioned.payload["window_end"])
    assert caused_by == (ordered["window_start"], ordered["window_end"])
    assert repositioned.meta["policy_version"] == "energy/2026-01"  # the order's, not the ladder's
    with pytest.raises(NotAnOrder):
        reposition(ladder, "o1")


PASSED = {
    "course_id": "C-BILLING",
    "course_title": "Billing",
    "score": 80,
    "pass_mark": 60,
    "passed_on": "2026-03-01",
}


def test_a_course_passed_twice_is_refused_unless_it_is_a_retake() -> None:
    record = LearnerRecord(employee_id="E-1")
    record.pass_course(meta(TRAINING_PASSED), PASSED, TODAY, ZONE)
    with pytest.raises(AlreadyPassed):
        record.pass_course(
            meta(TRAINING_PASSED), {**PASSED, "passed_on": "2026-03-10"}, TODAY, ZONE
        )
    record.pass_course(
        meta(TRAINING_PASSED), {**PASSED, "passed_on": "2026-03-10", "retake": True}, TODAY, ZONE
    )
    assert record.courses_passed() == {"C-BILLING": "2026-03-01"}


def plan(record: LearnerRecord) -> LearnerRecord:
    data = {
        "first_day": "2026-03-01",
        "last_day": "2026-03-14",
        "required_minutes": 30,
        "reason": "working from home",
    }
    record.start_plan(meta(STUDY_PLAN_STARTED), data, ZONE)
    return record


def test_a_day_of_the_plan_with_its_study_and_quiz_is_not_a_missed_day() -> None:
    record = plan(LearnerRecord(employee_id="E-1"))
    record.log_study(
        meta(STUDY_LOGGED), {"day": "2026-03-02", "minutes": 35, "course_id": "C-X"}, TODAY, ZONE
    )
    record.score_quiz(
        meta(QUIZ_SCORED),
        {"quiz_id": "q1", "course_id": "C-X", "day": "2026-03-02", "score": 70},
        TODAY,
        ZONE,
    )
    with pytest.raises(StudyDayMet):
        record.miss_study(meta(STUDY_MISSED), {"day": "2026-03-02"})


def test_a_missed_day_waits_for_a_make_up_exam_passed_after_it() -> None:
    record = plan(LearnerRecord(employee_id="E-1"))
    record.log_study(
        meta(STUDY_LOGGED), {"day": "2026-03-03", "minutes": 10, "course_id": "C-X"}, TODAY, ZONE
    )
    record.miss_study(meta(STUDY_MISSED), {"day": "2026-03-03"})
    missed = record.collect_events()[-1]
    assert missed.payload["reason"] == "studied 10 of 30 minutes; took no quiz"
    assert missed.meta["policy_version"] == "study/2026-01"
    assert record.pending_makeup() == ["2026-03-03"]
    exam = {"score": 75, "pass_mark": 60, "taken_on": "2026-03-04"}
    record.take_makeup(meta(MAKEUP_EXAM_PASSED), exam, True, TODAY, ZONE)
    assert record.pending_makeup() == []


def test_a_day_outside_the_plan_cannot_be_missed_and_plans_do_not_overlap() -> None:
    record = plan(LearnerRecord(employee_id="E-1"))
    with pytest.raises(StudyDayMet.__mro__[1]):
        record.miss_study(meta(STUDY_MISSED), {"day": "2026-03-20"})
    with pytest.raises(InvalidStudyPlan):
        plan(record)


def test_one_acceptance_test_result_per_order() -> None:
    record = LearnerRecord(employee_id="E-1")
    result = {"order_id": "o1", "score": 50, "pass_mark": 60, "taken_on": "2026-03-17"}
    record.take_acceptance_test(meta(ACCEPTANCE_TEST_FAILED), result, False, TODAY, ZONE)
    with pytest.raises(AlreadyRecorded):
        record.take_acceptance_test(
            meta(ACCEPTANCE_TEST_PASSED), {**result, "score": 80}, True, TODAY, ZONE
        )


def test_an_acceptance_test_comes_after_its_off_post_training() -> None:
    """Training from 9 to 15 March: a test on the 15th is refused naming the days; the 16th is
    taken. An order not known yet (``training`` None) is not checked here."""
    record = LearnerRecord(employee_id="E-1")
    result = {"order_id": "o1", "score": 50, "pass_mark": 60, "taken_on": "2026-03-15"}
    training = ("2026-03-09", "2026-03-15")
    with pytest.raises(AcceptanceTestTooEarly) as early:
        record.take_acceptance_test(
            meta(ACCEPTANCE_TEST_FAILED), result, False, TODAY, ZONE, training
        )
    assert early.value.message == (
        "the acceptance test of order 'o1' is dated 2026-03-15, but its off-post training runs "
        "from 2026-03-09 to 2026-03-15: the test is taken once the training has ended"
    )
    assert early.value.allowed == "2026-03-16 or later"
    after = {**result, "taken_on": "2026-03-16"}
    record.take_acceptance_test(meta(ACCEPTANCE_TEST_FAILED), after, False, TODAY, ZONE, training)
    assert record.acceptance == {"o1": False}


def test_decimal_scores_of_the_kpi_window_are_read_back_as_decimals() -> None:
    ladder = with_days(StarLadder(employee_id="E-1"), GOOD, TODAY, 1)
    assert ladder.kpi_days()[0]["customer_satisfaction"] == Decimal("4.50")
