"""The growth rules on the write side, against the real PostgreSQL: the ladder's policy,
KPI facts' ranges and days, courses passed once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.learning import (
    ACCEPTANCE_TEST_FAILED,
    ACCEPTANCE_TEST_PASSED,
    TRAINING_PASSED,
)
from aerie_events.catalog.organisation import SITE_OPENED
from aerie_events.catalog.people import EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    KPI_RECORDED,
    OFFPOST_TRAINING_ORDERED,
    REGROUPING_ACCEPTED,
    REGROUPING_PROPOSED,
    STAR_DEMOTED,
    STAR_PROMOTED,
)
from aerie_services.kit.errors import DomainError
from aerie_services.learning.record import LearnerRecord
from aerie_services.performance import REGROUPING_CANDIDATES, proposal_id_for

from tests.conftest import hire, new_id
from tests.growth_support import (
    POOR,
    PROMOTED_ON,
    STRONG,
    kpi_days,
    passed,
    ready_for_demotion,
    ready_for_promotion,
)


def refusal(bus: Any, kind: str, **inputs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        bus.handle(kind, **inputs)
    return caught.value


def test_a_new_hire_without_training_is_refused_a_promotion_naming_every_unmet_criterion(
    bus,
) -> None:
    employee = new_id()
    hire(bus, employee)
    error = refusal(
        bus,
        CHICK_GRADUATED,
        command_id=f"g-{employee}",
        employee_id=employee,
        data={"graduated_on": "2026-01-20", "reason": "review"},
    )
    assert error.code == "CRITERIA_UNMET"
    unmet = {
        c["key"]: (c["required"], c["actual"]) for c in error.details["criteria"] if not c["met"]
    }
    assert unmet == {
        "course:C-ONBOARD": ("passed", "not passed"),
        "time_at_level": ("at least 30 days", "15 days"),
        "kpi_days": ("at least 10 days", "0 days"),
        "average:attendance": ("at least 90.00", "no data"),
    }
    assert {p.field for p in error.problems} == {"graduatedOn"}
    chick = refusal(
        bus,
        STAR_PROMOTED,
        command_id=f"p-{employee}",
        employee_id=employee,
        data={"to_star": 2, "reason": "review", "promoted_on": "2026-01-20"},
    )
    assert chick.code == "NOT_A_LADDER_STEP"


def test_an_agent_meeting_the_policy_is_promoted_with_the_criteria_it_met(
    bus, database_url
) -> None:
    employee = new_id()
    ready_for_promotion(bus, employee)
    outcome = bus.handle(
        STAR_PROMOTED,
        command_id=f"p-{employee}",
        employee_id=employee,
        data={"to_star": 2, "reason": "review", "promoted_on": PROMOTED_ON.isoformat()},
    )
    assert outcome.event_type == STAR_PROMOTED
    assert bus.apps["performance"].star_of(employee) == 2


def test_the_ladder_goes_down_one_star_after_sustained_low_energy_and_not_below_one(bus) -> None:
    employee = new_id()
    demoted_on = ready_for_demotion(bus, employee)
    skip = refusal(
        bus,
        STAR_DEMOTED,
        command_id=f"d0-{employee}",
        employee_id=employee,
        data={"to_star": 0, "reason": "r", "demoted_on": demoted_on.isoformat()},
    )
    assert skip.code == "INVALID_INPUT"
    bus.handle(
        STAR_DEMOTED,
        command_id=f"d-{employee}",
        employee_id=employee,
        data={"to_star": 1, "reason": "sustained low energy", "demoted_on": demoted_on.isoformat()},
    )
    assert bus.apps["performance"].star_of(employee) == 1


def test_demoting_a_performing_agent_is_refused_with_the_energy_found(bus) -> None:
    employee = new_id()
    ready_for_promotion(bus, employee)
    bus.handle(
        STAR_PROMOTED,
        command_id=f"p-{employee}",
        employee_id=employee,
        data={"to_star": 2, "reason": "review", "promoted_on": PROMOTED_ON.isoformat()},
    )
    later = PROMOTED_ON + dt.timedelta(days=30)
    bus.handle_many(
        kpi_days(employee, PROMOTED_ON, later - dt.timedelta(days=1), STRONG), channel="test"
    )
    error = refusal(
        bus,
        STAR_DEMOTED,
        command_id=f"d-{employee}",
        employee_id=employee,
        data={"to_star": 1, "reason": "r", "demoted_on": later.isoformat()},
    )
    assert error.code == "CRITERIA_UNMET"
    [energy] = [c for c in error.details["criteria"] if not c["met"]]
    assert (energy["key"], energy["required"]) == ("average:energy", "below 65.00")


def kpi(employee: str, day: str, **changes: Any) -> dict[str, Any]:
    return {
        "command_id": new_id("k"),
        "employee_id": employee,
        "data": {"day": day, **STRONG, **changes},
    }


def test_a_kpi_out_of_range_is_refused_naming_each_field_and_kept_as_a_dead_letter(
    bus, database_url
) -> None:
    employee = new_id()
    hire(bus, employee)
    given = kpi(employee, "2026-03-02", calls_answered=-3, customer_satisfaction="5.40")
    error = refusal(bus, KPI_RECORDED, **given)
    assert error.code == "INVALID_INPUT"
    assert {p.field for p in error.problems} == {"calls_answered", "customer_satisfaction"}
    assert any("1 and at most 5" in p.allowed for p in error.problems)
    with psycopg.connect(database_url) as conn:
        kept = conn.execute(
            "SELECT code FROM aerie_dead_letters WHERE input::text LIKE %s",
            (f"%{given['command_id']}%",),
        ).fetchall()
    assert kept == [("INVALID_INPUT",)]


def test_a_kpi_at_the_lowest_value_of_each_scale_is_accepted(bus) -> None:
    employee = new_id()
    hire(bus, employee)
    lowest = {
        "calls_answered": 0,
        "first_contact_resolution": "0",
        "customer_satisfaction": "1",
        "qa_score": "0",
        "attendance": "0",
    }
    assert (
        bus.handle(KPI_RECORDED, **kpi(employee, "2026-03-02", **lowest)).event_type == KPI_RECORDED
    )


def test_a_kpi_for_a_day_after_the_sites_today_is_refused(bus) -> None:
    site = new_id("site")
    bus.handle(
        SITE_OPENED,
        command_id=f"open-{site}",
        data={
            "site_id": site,
            "name": "Far east",
            "time_zone": "Pacific/Kiritimati",
            "opened_on": "2020-01-01",
        },
    )
    employee = new_id()
    hire(bus, employee, site_id=site)
    kiritimati_today = dt.datetime.now(dt.timezone(dt.timedelta(hours=14))).date()
    bus.handle(KPI_RECORDED, **kpi(employee, kiritimati_today.isoformat()))
    tomorrow = (kiritimati_today + dt.timedelta(days=1)).isoformat()
    error = refusal(bus, KPI_RECORDED, **kpi(employee, tomorrow))
    assert error.code == "DATE_IN_FUTURE"
    assert "Pacific/Kiritimati" in error.message


def test_a_kpi_for_an_unknown_agent_is_refused(bus) -> None:
    error = refusal(bus, KPI_RECORDED, **kpi(new_id("nobody"), "2026-03-02"))
    assert error.code == "UNKNOWN_EMPLOYEE"


def test_one_kpi_fact_per_agent_and_day(bus) -> None:
    employee = new_id()
    hire(bus, employee)
    bus.handle(KPI_RECORDED, **kpi(employee, "2026-03-02"))
    assert refusal(bus, KPI_RECORDED, **kpi(employee, "2026-03-02")).code == "ALREADY_RECORDED"


def test_a_course_passed_again_is_refused_unless_it_is_a_retake(bus) -> None:
    employee = new_id()
    hire(bus, employee)
    kind, first = passed(employee, "C-BILLING", dt.date(2026, 3, 2))
    bus.handle(kind, **first)
    _kind, again = passed(employee, "C-BILLING", dt.date(2026, 3, 20))
    again["command_id"] = new_id("again")
    assert refusal(bus, kind, **again).code == "ALREADY_PASSED"
    again["command_id"] = new_id("retake")
    again["data"] = {**again["data"], "retake": True}
    assert bus.handle(kind, **again).event_type == TRAINING_PASSED


def proposal_of_two(bus: Any, first: str, second: str, proposal: str) -> None:
    """A proposal at site-t into team-1 and team-2 of two agents of team-1, who are the
    site's agents available today (as the growth read model would answer)."""
    available = [
        {"employee_id": e, "star": 1, "team_id": "team-1", "courses": []} for e in (first, second)
    ]
    with bus.facts.answering(REGROUPING_CANDIDATES, lambda _site_and_day: available):
        bus.handle(
            REGROUPING_PROPOSED,
            command_id=proposal,
            data={"site_id": "site-t", "team_count": 2, "team_ids": ["team-1", "team-2"]},
        )


def test_a_proposal_whose_agent_changed_team_since_is_refused_naming_them(bus) -> None:
    moving, staying, command = new_id("moving"), new_id("staying"), new_id("proposal")
    for employee in (moving, staying):
        hire(bus, employee)
    proposal_of_two(bus, moving, staying, command)
    proposal = proposal_id_for(command)
    bus.handle(
        EMPLOYEE_TRANSFERRED,
        command_id=new_id("moved"),
        employee_id=staying,
        data={"to_site_id": "site-t", "to_team_id": "team-3", "transferred_on": "2026-03-03"},
    )
    accept = {"proposal_id": proposal, "accepted_on": "2026-03-09"}
    error = refusal(bus, REGROUPING_ACCEPTED, command_id=new_id("accept"), data=accept)
    assert error.code == "STALE_PROPOSAL"
    assert staying in error.message and moving not in error.message
    assert error.allowed.endswith("propose again")


def test_a_proposal_whose_agents_are_where_it_found_them_is_accepted_once(bus) -> None:
    moving, staying, command = new_id("moving"), new_id("staying"), new_id("proposal")
    for employee in (moving, staying):
        hire(bus, employee)
    proposal_of_two(bus, moving, staying, command)
    proposal = proposal_id_for(command)
    accept = {"proposal_id": proposal, "accepted_on": "2026-03-09"}
    accepted = bus.handle(REGROUPING_ACCEPTED, command_id=new_id("accept"), data=accept)
    assert accepted.event_type == REGROUPING_ACCEPTED
    again = refusal(bus, REGROUPING_ACCEPTED, command_id=new_id("again"), data=accept)
    assert again.code == "ALREADY_RECORDED"


def test_a_regrouping_the_available_agents_cannot_form_is_refused_naming_the_input(bus) -> None:
    first, second = new_id("first"), new_id("second")
    for employee in (first, second):
        hire(bus, employee)
    available = [
        {"employee_id": e, "star": 1, "team_id": "team-1", "courses": []} for e in (first, second)
    ]
    asked = {
        "too many teams": ({"team_count": 3}, "team_count", "at least one available agent"),
        "out of range": ({"team_count": 101}, "team_count", "1 to 100"),
        "ids for other teams": ({"team_count": 2, "team_ids": ["t-1"]}, "team_ids", "2 different"),
    }
    with bus.facts.answering(REGROUPING_CANDIDATES, lambda _site_and_day: available):
        for what, (given, field, allowed) in asked.items():
            error = refusal(
                bus,
                REGROUPING_PROPOSED,
                command_id=new_id("p"),
                data={"site_id": "site-t", **given},
            )
            assert (error.code, error.field) == ("INVALID_ARGUMENT", field), what
            assert allowed in str(error.allowed), what


def test_an_acceptance_test_dated_during_the_off_post_training_is_refused_naming_its_days(
    bus: Any, database_url: str
) -> None:
    """A week of very low energy orders seven days off post (9 to 15 March); a failed test
    on the second of them would re-position the agent: refused, and nothing is stored.
    Once the training is over the same test is taken."""
    employee = new_id()
    hire(bus, employee)
    monday = dt.date(2026, 3, 2)
    bus.handle_many(kpi_days(employee, monday, monday + dt.timedelta(days=4), POOR), channel="t")
    order = f"offpost-{employee}"
    bus.handle(
        OFFPOST_TRAINING_ORDERED,
        command_id=f"o-{employee}",
        employee_id=employee,
        data={"order_id": order, "window_start": monday.isoformat()},
    )
    test = {"order_id": order, "score": 41, "pass_mark": 60}
    before = learning_events(database_url)
    for taken_on in ("2026-03-10", "2026-03-15"):
        early = refusal(
            bus,
            ACCEPTANCE_TEST_FAILED,
            command_id=new_id("t"),
            employee_id=employee,
            data={**test, "taken_on": taken_on},
        )
        assert (early.code, early.field, early.allowed) == (
            "ACCEPTANCE_TEST_TOO_EARLY",
            "takenOn",
            "2026-03-16 or later",
        )
        assert f"dated {taken_on}" in early.message
        assert "from 2026-03-09 to 2026-03-15" in early.message
    passed_early = refusal(
        bus,
        ACCEPTANCE_TEST_PASSED,
        command_id=new_id("t"),
        employee_id=employee,
        data={**test, "score": 80, "taken_on": "2026-03-12"},
    )
    assert passed_early.code == "ACCEPTANCE_TEST_TOO_EARLY"
    assert learning_events(database_url) == before
    bus.handle(
        ACCEPTANCE_TEST_FAILED,
        command_id=new_id("t"),
        employee_id=employee,
        data={**test, "taken_on": "2026-03-16"},
    )
    record = bus.apps["learning"].find(LearnerRecord.id_for(employee))
    assert record.acceptance == {order: False}  # and its failure re-positions the agent


def learning_events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM learning_events").fetchone()[0]
