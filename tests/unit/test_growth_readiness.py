"""Readiness for calls on a day, with its true reasons (the rows as the read model gives them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aerie_projections.growth.queries import readiness_from

DAY = dt.date(2026, 7, 20)


def agent(**changes: Any) -> dict[str, Any]:
    return {
        "status": "active",
        "left_on": None,
        "post": None,
        "offpost": [],
        "makeup": [],
    } | changes


def test_an_agent_with_nothing_against_them_is_ready() -> None:
    assert readiness_from(agent(), DAY) == {"ready": True, "reasons": []}


def test_a_leaver_is_ready_until_their_leaving_day_and_not_from_it() -> None:
    leaver = agent(status="left", left_on=DAY)
    assert readiness_from(leaver, DAY - dt.timedelta(days=1))["ready"]
    assert readiness_from(leaver, DAY)["reasons"] == [("left", f"left the company on {DAY}")]


def test_after_the_training_ends_the_acceptance_test_is_awaited_until_re_positioned() -> None:
    order = {"order_id": "o1", "starts_on": "2026-07-06", "ends_on": "2026-07-12"}
    waiting = readiness_from(agent(offpost=[{**order, "acceptance_test": True}]), DAY)
    assert [kind for kind, _ in waiting["reasons"]] == ["acceptance_test"]
    moved = readiness_from(
        agent(post="back_office", offpost=[{**order, "acceptance_test": True}]), DAY
    )
    assert [kind for kind, _ in moved["reasons"]] == ["repositioned"]


def test_every_reason_is_named_at_once() -> None:
    order = {"order_id": "o1", "starts_on": "2026-07-18", "ends_on": "2026-07-24"}
    missed = {"day": "2026-07-17", "reason": "12 of 30 minutes"}
    both = readiness_from(
        agent(offpost=[{**order, "acceptance_test": False}], makeup=[missed]), DAY
    )
    assert not both["ready"]
    assert [kind for kind, _ in both["reasons"]] == ["offpost_training", "makeup_exam"]
