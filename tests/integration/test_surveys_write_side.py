"""Surveys on the real PostgreSQL: answers stored under pseudonyms, refusals that store nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from aerie_services.errors import DomainError

from tests.conftest import hire, new_id, write_side

SURVEY_QUESTIONS = [
    {"question_id": "overall", "text": "Satisfied?", "scale": "1-5", "role": "overall"},
    {"question_id": "recommend", "text": "Recommend?", "scale": "0-10", "role": "enps"},
    {"question_id": "workload", "text": "Workload", "scale": "1-5", "role": "driver"},
]


@pytest.fixture(scope="module")
def url(fresh_database: Callable[[str], str]) -> str:
    return fresh_database("surveys_write")


@pytest.fixture(scope="module")
def bus(url: str) -> Any:
    side = write_side(url)
    yield side.bus
    side.close()


def publish(bus: Any, survey_id: str, **changes: Any) -> Any:
    data = {
        "survey_id": survey_id,
        "series_id": "pulse",
        "title": "Pulse",
        "questions": SURVEY_QUESTIONS,
        "comment_prompt": "Anything else?",
        "sites": ["site-w"],
        "opens_on": "2026-03-02",
        "closes_on": "2026-03-08",
        **changes,
    }
    return bus.handle(
        "survey.published",
        command_id=f"publish-{survey_id}",
        data=data,
        occurred_at="2026-03-01T08:00:00+00:00",
    )


def answer(
    bus: Any, survey_id: str, employee: str, command_id: str, day: int = 3, **given: Any
) -> Any:
    data = {"survey_id": survey_id, "overall": 4, "enps": 9, "drivers": {"workload": 2}, **given}
    return bus.handle(
        "survey.answered",
        command_id=command_id,
        employee_id=employee,
        data=data,
        occurred_at=f"2026-03-0{day}T10:17:23+00:00",
    )


def close(bus: Any, survey_id: str, reason: str = "early") -> Any:
    return bus.handle(
        "survey.closed",
        command_id=new_id("close"),
        data={"survey_id": survey_id, "reason": reason},
        occurred_at="2026-03-06T12:00:00+00:00",
    )


def stored(url: str) -> list[dict[str, Any]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT state FROM surveys_events ORDER BY notification_id").fetchall()
    return [json.loads(bytes(state)) for (state,) in rows]


def dead_letters(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT kind, input, code, reason FROM aerie_dead_letters ORDER BY id"
        ).fetchall()


@pytest.fixture(scope="module")
def people(bus: Any) -> dict[str, str]:
    named = {"inside": new_id("W"), "again": new_id("W"), "outside": new_id("X")}
    hire(bus, named["inside"], site_id="site-w")
    hire(bus, named["again"], site_id="site-w")
    hire(bus, named["outside"], site_id="site-x")
    return named


def test_an_answer_is_stored_under_a_pseudonym_naming_no_one(bus, url, people) -> None:
    survey = new_id("S")
    publish(bus, survey)
    command_id = new_id("client-chosen")
    answer(bus, survey, people["inside"], command_id, comment="the rota is unfair")
    fact = stored(url)[-1]
    text = json.dumps(fact)
    assert people["inside"] not in text and command_id not in text
    assert "rota" not in text  # the comment is sealed
    meta, payload = fact["meta"], fact["payload"]
    assert meta["employee_id"] is None and meta["site_id"] is None
    assert meta["actor"] == {"kind": "employee", "id": "anonymous"}
    assert meta["occurred_at"] == "2026-03-03T10:00:00+00:00"
    assert payload["response_id"].startswith("R-")
    assert (payload["site_id"], payload["team_id"], payload["anonymous"]) == (
        "site-w",
        "team-1",
        True,
    )


def test_a_repeat_is_a_duplicate_and_a_new_answer_is_a_correction(bus, url, people) -> None:
    survey = new_id("S")
    publish(bus, survey)
    first = answer(bus, survey, people["again"], "a-1")
    again = answer(bus, survey, people["again"], "a-1")
    same = answer(bus, survey, people["again"], "a-2")  # the same answers under a new id
    assert again.duplicate and same.duplicate
    assert again.event_id == first.event_id == same.event_id
    before = len(stored(url))
    corrected = answer(bus, survey, people["again"], "a-3", overall=2)
    assert not corrected.duplicate and len(stored(url)) == before + 1
    payload = stored(url)[-1]["payload"]
    assert (payload["revision"], payload["previous"]["overall"], payload["overall"]) == (2, 4, 2)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("off the scale", "ANSWER_OUT_OF_SCALE"),
        ("unknown survey", "UNKNOWN_SURVEY"),
        ("outside the population", "NOT_IN_SURVEY_POPULATION"),
        ("before it opens", "SURVEY_NOT_OPEN"),
        ("after its last day", "SURVEY_CLOSED"),
        ("after it closed", "SURVEY_CLOSED"),
    ],
)
def test_a_refused_answer_stores_nothing_and_leaves_field_names_and_a_code(
    bus, url, people, case: str, code: str
) -> None:
    survey = new_id("S")
    publish(bus, survey)
    who, command_id = people["inside"], new_id("refused")
    if case == "after it closed":
        answer(bus, survey, people["again"], new_id("a"))
        close(bus, survey)
    before = len(stored(url))
    with pytest.raises(DomainError) as refused:
        match case:
            case "off the scale":
                answer(bus, survey, who, command_id, overall=6, drivers={"workload": 9})
            case "unknown survey":
                answer(bus, new_id("nowhere"), who, command_id)
            case "outside the population":
                answer(bus, survey, people["outside"], command_id)
            case "before it opens":
                answer(bus, survey, who, command_id, day=1)
            case "after its last day":
                answer(bus, survey, who, command_id, day=9)
            case _:
                answer(bus, survey, who, command_id)
    assert refused.value.code == code
    assert len(stored(url)) == before
    kind, kept, kept_code, reason = dead_letters(url)[-1]
    assert (kind, kept_code) == ("survey.answered", code)
    assert who not in json.dumps(kept) + reason and command_id not in json.dumps(kept) + reason
    assert kept == {"anonymous": True, "fields": ["drivers", "enps", "overall", "survey_id"]}


def test_an_answer_outside_the_scale_names_each_field_and_what_it_allows(bus, people) -> None:
    survey = new_id("S")
    publish(bus, survey)
    with pytest.raises(DomainError) as refused:
        answer(bus, survey, people["inside"], new_id("a"), overall=0, drivers={"pace": 3})
    problems = {p.field: p.allowed for p in refused.value.problems}
    assert problems == {
        "overall": "a whole number from 1 to 5",
        "drivers.pace": "the survey's driver questions: workload",
        "drivers.workload": "a whole number from 1 to 5",
    }
    with pytest.raises(DomainError) as refused:  # off every scale: the event type refuses it
        answer(bus, survey, people["inside"], new_id("a"), enps=11)
    assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", "enps")


def test_closing_on_schedule_a_survey_closed_early_records_nothing(bus, url) -> None:
    survey = new_id("S")
    publish(bus, survey)
    early = close(bus, survey)
    before = len(stored(url))
    scheduled = close(bus, survey, reason="scheduled")
    assert scheduled.duplicate and scheduled.event_id == early.event_id
    assert len(stored(url)) == before
    assert stored(url)[-1]["payload"] == {"survey_id": survey, "reason": "early", "responses": 0}


def test_a_survey_records_the_anonymity_policy_that_decides_its_results(bus, url) -> None:
    survey = new_id("S")
    publish(bus, survey, anonymity_threshold=8)
    fact = stored(url)[-1]
    assert fact["meta"]["policy_version"] == "anonymity/2026-01"
    assert fact["payload"]["anonymity_threshold"] == 8
    assert fact["payload"]["closes_at"] == "2026-03-09T12:00:00+00:00"
    with pytest.raises(DomainError) as refused:
        publish(bus, new_id("S"), anonymity_threshold=3)
    assert refused.value.code == "INVALID_SURVEY"
