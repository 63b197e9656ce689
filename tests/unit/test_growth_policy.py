"""Given / when / then on the ladder's policy: stages, steps and criteria, without a database."""

import datetime as dt
from decimal import Decimal

from aerie_events.rules.growth.kpi import DailyKpi
from aerie_events.rules.growth.ladder import (
    Stage,
    Standing,
    Step,
    StepKind,
    Track,
    next_steps,
    stage_of,
)
from aerie_events.rules.growth.policy import Evidence, ladder_policy_on

AS_OF = dt.date(2026, 4, 1)
POLICY = ladder_policy_on(AS_OF)


def day(on: dt.date, **changes: str) -> DailyKpi:
    values = {
        "calls_answered": "70",
        "average_handling_seconds": "320",
        "first_contact_resolution": "86",
        "customer_satisfaction": "4.5",
        "qa_score": "90",
        "attendance": "98",
        **changes,
    }
    return DailyKpi(on, {k: Decimal(v) for k, v in values.items()})


def window(days: int = 28, **changes: str) -> list[DailyKpi]:
    return [day(AS_OF - dt.timedelta(days=n), **changes) for n in range(1, days + 1)]


def test_a_new_hire_is_a_chick_and_graduation_is_their_next_step() -> None:
    standing = Standing(Track.AGENT, 1, graduated=False, level_since=AS_OF)
    assert standing.stage is Stage.CHICK
    assert next_steps(standing) == [Step(StepKind.GRADUATE)]


def test_stages_follow_the_star_and_the_track() -> None:
    assert stage_of("agent", 1, True) is Stage.FLYING
    assert stage_of("agent", 3, True) is Stage.FLYING
    assert stage_of("agent", 4, True) is Stage.SOARING
    assert stage_of("agent", 2, False) is Stage.FLYING
    assert stage_of("team_lead", 5, True) is Stage.ELITE
    assert stage_of("qa", 5, True) is Stage.ELITE


def test_a_five_star_agent_may_move_to_any_other_track() -> None:
    steps = next_steps(Standing(Track.AGENT, 5, True, AS_OF))
    assert {s.to_track for s in steps} == {
        "team_lead",
        "group_leader",
        "specialist",
        "trainer",
        "qa",
    }


def test_a_new_hire_without_training_or_kpis_meets_no_promotion_criterion_but_none_is_hidden() -> (
    None
):
    standing = Standing(Track.AGENT, 1, graduated=True, level_since=AS_OF - dt.timedelta(days=3))
    evaluation = POLICY.evaluate(Step(StepKind.PROMOTE, to_star=2), standing, Evidence(), AS_OF)
    assert not evaluation.met
    unmet = {r.key: (r.required, r.actual) for r in evaluation.unmet}
    assert unmet["course:C-EMPATHY"] == ("passed", "not passed")
    assert unmet["time_at_level"] == ("at least 60 days", "3 days")
    assert unmet["kpi_days"] == ("at least 15 days", "0 days")
    assert unmet["average:energy"] == ("at least 75.00", "no data")
    assert len(evaluation.unmet) == len(evaluation.results)


def test_a_strong_agent_with_the_course_and_the_time_meets_the_promotion() -> None:
    standing = Standing(Track.AGENT, 2, True, AS_OF - dt.timedelta(days=200))
    evidence = Evidence(frozenset({"C-ONBOARD", "C-EMPATHY", "C-BILLING"}), window())
    evaluation = POLICY.evaluate(Step(StepKind.PROMOTE, to_star=3), standing, evidence, AS_OF)
    assert evaluation.met, evaluation.unmet
    assert evaluation.policy_version == "ladder/2026-01"
    assert (evaluation.window_start, evaluation.window_end) == (
        dt.date(2026, 3, 4),
        dt.date(2026, 3, 31),
    )


def test_kpi_days_outside_the_window_do_not_count() -> None:
    standing = Standing(Track.AGENT, 2, True, AS_OF - dt.timedelta(days=200))
    old = [day(AS_OF - dt.timedelta(days=40 + n)) for n in range(20)]
    evidence = Evidence(frozenset({"C-BILLING"}), old)
    evaluation = POLICY.evaluate(Step(StepKind.PROMOTE, to_star=3), standing, evidence, AS_OF)
    assert {r.key for r in evaluation.unmet} >= {"kpi_days", "average:energy"}


def test_one_low_average_is_named_with_its_required_and_actual_value() -> None:
    standing = Standing(Track.AGENT, 2, True, AS_OF - dt.timedelta(days=200))
    evidence = Evidence(frozenset({"C-BILLING"}), window(customer_satisfaction="3.9"))
    evaluation = POLICY.evaluate(Step(StepKind.PROMOTE, to_star=3), standing, evidence, AS_OF)
    [unmet] = evaluation.unmet
    assert (unmet.key, unmet.required, unmet.actual) == (
        "average:customer_satisfaction",
        "at least 4.10",
        "3.90",
    )


def test_demotion_needs_sustained_low_energy_not_one_bad_opinion() -> None:
    standing = Standing(Track.AGENT, 3, True, AS_OF - dt.timedelta(days=100))
    step = Step(StepKind.DEMOTE, to_star=2)
    good = POLICY.evaluate(step, standing, Evidence(kpi_days=window()), AS_OF)
    assert [r.key for r in good.unmet] == ["average:energy"]
    poor = window(customer_satisfaction="3.0", qa_score="62", first_contact_resolution="60")
    low = POLICY.evaluate(step, standing, Evidence(kpi_days=poor), AS_OF)
    assert low.met


def test_a_fresh_demotion_protects_the_new_level_for_four_weeks() -> None:
    standing = Standing(Track.AGENT, 2, True, AS_OF - dt.timedelta(days=10))
    poor = window(customer_satisfaction="3.0", qa_score="62", first_contact_resolution="60")
    evaluation = POLICY.evaluate(
        Step(StepKind.DEMOTE, to_star=1), standing, Evidence(kpi_days=poor), AS_OF
    )
    assert [r.key for r in evaluation.unmet] == ["time_at_level"]


def test_leaving_a_track_for_the_agent_track_requires_nothing() -> None:
    standing = Standing(Track.TEAM_LEAD, 5, True, AS_OF)
    evaluation = POLICY.evaluate(
        Step(StepKind.CHANGE_TRACK, to_track="agent"), standing, Evidence(), AS_OF
    )
    assert evaluation.met and evaluation.results == ()


def test_skills_come_from_the_courses_passed() -> None:
    assert POLICY.skills_of(frozenset({"C-BILLING", "C-OUTAGE", "C-LEAD"})) == {"billing", "outage"}
