"""Surveys on the real PostgreSQL: answers stored under pseudonyms, refusals that store nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_services.kit.base import event_id_of
from aerie_services.kit.errors import DomainError
from aerie_services.surveys.domainmodel import Survey

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
def side(url: str) -> Any:
    side = write_side(url)
    yield side
    side.close()


@pytest.fixture(scope="module")
def bus(side: Any) -> Any:
    return side.bus


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
    return bus.handle(  # history, as the platform's loader records it with its time
        SURVEY_PUBLISHED,
        command_id=f"publish-{survey_id}",
        data=data,
        occurred_at="2026-03-01T08:00:00+00:00",
        trusted_time=True,
    )


def answer(
    bus: Any, survey_id: str, employee: str, command_id: str, day: int = 3, **given: Any
) -> Any:
    data = {"survey_id": survey_id, "overall": 4, "enps": 9, "drivers": {"workload": 2}, **given}
    return bus.handle(
        SURVEY_ANSWERED,
        command_id=command_id,
        employee_id=employee,
        data=data,
        occurred_at=f"2026-03-0{day}T10:17:23+00:00",
        trusted_time=True,
    )


def close(bus: Any, survey_id: str, reason: str = "early") -> Any:
    return bus.handle(
        SURVEY_CLOSED,
        command_id=new_id("close"),
        data={"survey_id": survey_id, "reason": reason},
        occurred_at="2026-03-06T12:00:00+00:00",
        trusted_time=True,
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
    assert (kind, kept_code) == (SURVEY_ANSWERED, code)
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
    assert fact["meta"]["policy_version"] == "anonymity/2026-12"
    assert fact["payload"]["anonymity_threshold"] == 8
    assert fact["payload"]["closes_at"] == "2026-03-09T12:00:00+00:00"
    with pytest.raises(DomainError) as refused:
        publish(bus, new_id("S"), anonymity_threshold=3)
    assert refused.value.code == "INVALID_SURVEY"


TODAY = dt.datetime.now(dt.UTC).date()


def as_person(employee: str, role: str = "agent") -> dict[str, str]:
    """The actor the gateway records for a person's token."""
    return {"kind": "person", "id": employee, "role": role}


def publish_open(bus: Any, survey_id: str, occurred_at: str | None = None, **changes: Any) -> Any:
    """A survey open from yesterday to tomorrow (site-w has no zone: UTC), recorded now."""
    data = {
        "survey_id": survey_id,
        "series_id": "pulse",
        "title": "Pulse",
        "questions": SURVEY_QUESTIONS,
        "sites": ["site-w"],
        "opens_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        "closes_on": (TODAY + dt.timedelta(days=1)).isoformat(),
        **changes,
    }
    return bus.handle(
        SURVEY_PUBLISHED,
        command_id=f"publish-{survey_id}",
        data=data,
        occurred_at=occurred_at,
        trusted_time=occurred_at is not None,  # history the platform's loader dates
    )


def answer_live(bus: Any, survey_id: str, employee: str, command_id: str, **given: Any) -> Any:
    """An answer as the gateway sends it: no time stated, the person's token as actor."""
    inputs = {"actor": as_person(employee), **given.pop("envelope", {})}
    data = {"survey_id": survey_id, "overall": 4, "enps": 9, "drivers": {"workload": 2}, **given}
    return bus.handle(
        SURVEY_ANSWERED,
        channel="graphql",
        command_id=command_id,
        employee_id=employee,
        data=data,
        **inputs,
    )


def survey_versions(url: str, survey_id: str) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT originator_version FROM surveys_events WHERE originator_id = %s "
            "ORDER BY originator_version",
            (Survey.id_for(survey_id),),
        ).fetchall()
    return [version for (version,) in rows]


def test_one_command_id_answers_two_surveys_as_two_answers(bus, url, people) -> None:
    first, second = new_id("S"), new_id("S")
    publish(bus, first)
    publish(bus, second)
    chosen = new_id("client-chosen")  # a client that numbers its commands per survey
    answer(bus, first, people["inside"], chosen)
    answer(bus, second, people["inside"], chosen, overall=2)
    answer(bus, second, people["again"], new_id("a"))
    assert survey_versions(url, first) == [1, 2]
    assert survey_versions(url, second) == [1, 2, 3]


def test_a_save_refused_after_the_survey_changed_leaves_the_survey_as_the_store_has_it(
    side, bus, url, people
) -> None:
    """A save that fails once the survey has taken the answer (here: its command id is taken
    on the platform, as a reused id is) must not leave the cached survey ahead of the store."""
    survey = new_id("S")
    publish(bus, survey)
    answer(bus, survey, people["again"], new_id("a"))
    app = side.apps["surveys"]
    command_id = new_id("a")
    taken = app.anonymous_command_id(survey, people["inside"], command_id)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO aerie_command_ids (command_id, digest, events_table, originator_id, "
            "originator_version) VALUES (%s, 'another command', 'people_events', %s, 1)",
            (taken, Survey.id_for("elsewhere")),
        )
    with pytest.raises(DomainError) as refused:
        answer(bus, survey, people["inside"], command_id)
    assert refused.value.code == "COMMAND_ID_REUSED"
    answer(bus, survey, people["inside"], new_id("a"), overall=1)  # the next answer
    assert survey_versions(url, survey) == [1, 2, 3]
    fresh = write_side(url)
    try:
        reloaded = fresh.apps["surveys"].find(Survey.id_for(survey))
        assert reloaded.version == 3 and len(reloaded.responses) == 2
        close(fresh.bus, survey)
    finally:
        fresh.close()
    assert survey_versions(url, survey) == [1, 2, 3, 4]


def test_only_the_respondent_answers_and_a_refusal_tells_nothing_about_them(
    bus, url, people
) -> None:
    survey = new_id("S")
    publish_open(bus, survey)
    victim, silent = people["inside"], people["again"]
    own = new_id("a")
    assert not answer_live(bus, survey, victim, own).duplicate
    before = len(stored(url))
    refusals = []
    admin = {"envelope": {"actor": as_person("admin", "admin")}}
    client = {"envelope": {"actor": {"kind": "integration", "id": "client:feed", "role": "lms"}}}
    for employee, command_id, given in (
        (victim, own, admin),  # the victim's own command, replayed
        (victim, new_id("a"), admin),  # the victim's answer, guessed under a new id
        (victim, new_id("a"), {**admin, "overall": 1}),  # a different answer in their name
        (silent, new_id("a"), admin),  # someone who has not answered
        (victim, own, client),
    ):
        with pytest.raises(DomainError) as refused:
            answer_live(bus, survey, employee, command_id, **given)
        refusals.append((refused.value.code, refused.value.message, refused.value.problems))
    assert all(r == refusals[0] for r in refusals)
    assert refusals[0][0] == "NOT_ONESELF"
    assert len(stored(url)) == before
    kept = json.dumps(dead_letters(url)[-5:])
    assert victim not in kept and silent not in kept and own not in kept


def test_a_person_states_no_time_for_a_survey_command_it_is_when_it_is_received(
    bus, url, people
) -> None:
    past, future = new_id("S"), new_id("S")
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    nine_days_ago = TODAY - dt.timedelta(days=9)
    publish_open(  # history loaded by the platform: it states when it happened
        bus,
        past,
        occurred_at=f"{nine_days_ago}T08:00:00+00:00",
        opens_on=nine_days_ago.isoformat(),
        closes_on=yesterday,
    )
    in_five_days = (TODAY + dt.timedelta(days=5)).isoformat()
    publish_open(bus, future, opens_on=in_five_days, closes_on=in_five_days)
    who = people["inside"]
    back_dated = {"envelope": {"occurred_at": f"{yesterday}T12:00:00+00:00"}}
    with pytest.raises(DomainError) as stated:
        answer_live(bus, past, who, new_id("a"), **back_dated)
    assert (stated.value.code, stated.value.field) == ("INVALID_INPUT", "occurred_at")
    with pytest.raises(DomainError) as late:  # its last day is over where the respondent is
        answer_live(bus, past, who, new_id("a"))
    assert late.value.code == "SURVEY_CLOSED"
    with pytest.raises(DomainError) as early:
        answer_live(bus, future, who, new_id("a"))
    assert early.value.code == "SURVEY_NOT_OPEN"
    hr = {"kind": "person", "id": "H-1", "role": "hr"}
    for kind, data in (
        (SURVEY_PUBLISHED, {**PUBLISHED_SURVEY, "survey_id": new_id("S")}),
        (SURVEY_CLOSED, {"survey_id": future, "reason": "early"}),
    ):
        with pytest.raises(DomainError) as refused:
            bus.handle(
                kind,
                command_id=new_id("c"),
                data=data,
                actor=hr,
                occurred_at="2026-01-01T00:00:00+00:00",
            )
        assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", "occurred_at")
    assert [p["payload"]["survey_id"] for p in stored(url)[-2:]] == [past, future]


PUBLISHED_SURVEY = {
    "series_id": "pulse",
    "title": "Pulse",
    "questions": SURVEY_QUESTIONS,
    "opens_on": TODAY.isoformat(),
    "closes_on": TODAY.isoformat(),
}


def test_an_answers_receipt_tells_no_one_how_many_have_answered(bus, people) -> None:
    survey = new_id("S")
    publish_open(bus, survey)
    first = answer_live(bus, survey, people["inside"], new_id("a"))
    second = answer_live(bus, survey, people["again"], new_id("a"))
    again = answer_live(bus, survey, people["again"], new_id("a"))  # the same answers
    counted = {event_id_of(Survey.id_for(survey), version) for version in range(1, 10)}
    assert first.position is None and second.position is None
    assert {first.event_id, second.event_id}.isdisjoint(counted)
    assert again.duplicate and again.event_id == second.event_id != first.event_id


def test_a_survey_read_afresh_from_its_snapshot_is_the_survey_its_answers_make(
    bus, url, people, monkeypatch
) -> None:
    from aerie_services.surveys import application

    monkeypatch.setattr(application, "SNAPSHOT_EVERY", 3)
    survey = new_id("S")
    publish(bus, survey)
    for n in range(5):
        employee = new_id("W")
        hire(bus, employee, site_id="site-w")
        answer(bus, survey, employee, new_id("a"), overall=1 + n % 5, comment=f"note {n}")
    answer(bus, survey, people["again"], new_id("a"))
    answer(bus, survey, people["again"], new_id("a"), overall=2)  # a correction: version 8
    with psycopg.connect(url) as conn:
        kept = conn.execute(
            "SELECT originator_version FROM surveys_snapshots WHERE originator_id = %s ORDER BY 1",
            (Survey.id_for(survey),),
        ).fetchall()
    assert kept == [(6,)]  # the latest only
    fresh, replayed = write_side(url), write_side(url)
    try:
        replayed.apps["surveys"].repository.snapshot_store = None  # every event, no snapshot
        from_snapshot = fresh.apps["surveys"].find(Survey.id_for(survey))
        from_events = replayed.apps["surveys"].find(Survey.id_for(survey))
        assert from_snapshot.version == from_events.version == 8
        assert from_snapshot.snapshot_state() == from_events.snapshot_state()
        assert answer(fresh.bus, survey, people["again"], new_id("a"), overall=2).duplicate
        close(fresh.bus, survey)
    finally:
        fresh.close()
        replayed.close()
    assert survey_versions(url, survey) == list(range(1, 10))
