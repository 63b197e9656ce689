"""The survey-closing manager: a timer for each survey still open when recorded, and its close."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aerie_events.catalog.surveys import SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_events.envelope import Envelope
from aerie_projections.manager import DueTimer
from aerie_projections.survey_closing import MANAGER


def published(closes_at: str, recorded_at: str) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        type=SURVEY_PUBLISHED,
        schema_version=1,
        occurred_at=recorded_at,
        recorded_at=recorded_at,
        position=1,
        context="surveys",
        site_id=None,
        employee_id=None,
        actor={"kind": "employee", "id": "H-1"},
        source={"system": "aerie"},
        correlation_id="c",
        causation_id=None,
        policy_version="anonymity/2026-01",
        payload={"survey_id": "pulse-9", "closes_at": closes_at},
    )


def test_a_survey_recorded_before_its_close_gets_a_timer_for_it() -> None:
    [timer] = MANAGER.timers([published("2026-03-09T12:00:00+00:00", "2026-03-01T09:00:00+00:00")])
    assert (timer.key, timer.due_at) == ("close:pulse-9", "2026-03-09T12:00:00+00:00")


def test_a_survey_recorded_after_its_close_gets_none() -> None:
    assert (
        MANAGER.timers([published("2026-03-09T12:00:00+00:00", "2026-04-01T09:00:00+00:00")]) == []
    )


def test_the_timer_closes_the_survey_on_schedule_under_an_id_of_its_own() -> None:
    cause = uuid.uuid4()
    timer = DueTimer("close:pulse-9", None, cause, {"survey_id": "pulse-9"})
    conn: Any = None
    [request] = asyncio.run(MANAGER.on_timer(conn, "s", timer))
    assert request.kind == SURVEY_CLOSED and request.employee_id is None
    assert request.data == {"survey_id": "pulse-9", "reason": "scheduled"}
    assert (request.command_id, request.causation_id) == ("survey-closing:pulse-9", str(cause))
