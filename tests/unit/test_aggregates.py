"""Given / when / then on the aggregates, without a database (the ladder: test_growth_aggregates)."""

from decimal import Decimal

import pytest
from aerie_events.catalog.coupons import COUPON_GRANTED
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from aerie_services.coupons.domainmodel import CouponGrant
from aerie_services.coupons.errors import CouponOverLimit
from aerie_services.kit.base import Command
from aerie_services.kit.errors import CommandIdReused
from aerie_services.learning.domainmodel import TrainingPassage
from aerie_services.learning.errors import ScoreBelowPassMark
from aerie_services.people.domainmodel import Employee
from aerie_services.people.errors import EmployeeHasLeft


def command(kind: str, command_id: str = "c1", **data: object) -> Command:
    return Command(kind, command_id, "E-1", dict(data), "2026-01-05T09:00:00+00:00")


def test_a_score_below_the_pass_mark_is_not_a_pass() -> None:
    cmd = command(TRAINING_PASSED, course_id="C", course_title="t", score=59, pass_mark=60)
    with pytest.raises(ScoreBelowPassMark):
        TrainingPassage.record(None, "st-1", "E-1", cmd.meta(site_id="s"), cmd.data)


def test_a_coupon_over_the_agents_limit_is_refused() -> None:
    cmd = command(COUPON_GRANTED, coupon_id="K1", amount="80.01")
    with pytest.raises(CouponOverLimit):
        CouponGrant.grant(None, "E-1", 2, Decimal("80.00"), cmd.meta(site_id="s"), cmd.data)


def test_a_coupon_records_the_limit_that_applied() -> None:
    data = {
        "coupon_id": "K1",
        "customer_ref": "c",
        "scenario": "other",
        "amount": "30.00",
        "currency": "CNY",
    }
    cmd = command(COUPON_GRANTED, **data)
    grant = CouponGrant.grant(None, "E-1", 1, Decimal("50.00"), cmd.meta(site_id="s"), cmd.data)
    assert grant.collect_events()[0].payload["limit"] == "50.00"


def hired() -> Employee:
    data = {"display_name": "A", "team_id": "t1", "role": "agent", "hired_on": "2026-01-05"}
    cmd = command(EMPLOYEE_HIRED, "h1", **data)
    return Employee.hire(None, "E-1", "s1", cmd.meta(site_id="s1"), cmd.data)


def test_a_transfer_records_where_the_employee_came_from() -> None:
    employee = hired()
    cmd = command(
        EMPLOYEE_TRANSFERRED,
        "t1",
        to_site_id="s2",
        to_team_id="t9",
        transferred_on="2026-03-01",
    )
    employee.transfer(cmd.meta(site_id="s2"), cmd.data)
    payload = employee.collect_events()[-1].payload
    assert (payload["from_site_id"], payload["from_team_id"]) == ("s1", "t1")
    assert employee.site_id == "s2"


def test_nothing_can_happen_to_an_employee_who_left() -> None:
    employee = hired()
    cmd = command(EMPLOYEE_LEFT, "l1", left_on="2026-03-01", reason="resigned")
    employee.leave(cmd.meta(site_id="s1"), cmd.data)
    with pytest.raises(EmployeeHasLeft):
        employee.leave(cmd.meta(site_id="s1"), cmd.data)


def test_a_retried_command_returns_its_first_outcome() -> None:
    employee = hired()
    data = {"display_name": "A", "team_id": "t1", "role": "agent", "hired_on": "2026-01-05"}
    outcome = employee.outcome_of(command(EMPLOYEE_HIRED, "h1", **data), "people")
    assert outcome is not None
    assert outcome.duplicate
    assert outcome.version == 1


def test_a_command_id_reused_for_different_content_is_refused() -> None:
    employee = hired()
    data = {"display_name": "B", "team_id": "t1", "role": "agent", "hired_on": "2026-01-05"}
    with pytest.raises(CommandIdReused):
        employee.outcome_of(command(EMPLOYEE_HIRED, "h1", **data), "people")
