"""Saved queries, sent by hash: each committed operation answers as its golden file says.

Each ``graphql/operations/NAME.graphql`` has a ``NAME.json`` beside it: the role
that sends it, the variables, and the data it must answer on the fixture
below. ``AERIE_UPDATE_GOLDEN=1`` rewrites the data after a deliberate change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.people import EMPLOYEE_HIRED
from aerie_events.catalog.performance import CHICK_GRADUATED, STAR_PROMOTED
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_events.catalog.voice import ISSUE_RAISED
from aerie_gateway.operations import OPERATIONS_DIR, saved_queries

from tests.conftest import Platform, token_for, wait_until
from tests.growth_support import STEADY, kpi_days, passed, step

SITE = "site-golden"
CREW = [f"G-{n:02d}" for n in range(1, 9)]  # six in team g1, two in g2
AUDITED = 38
"""Events about CREW[0]: hire, 2 courses, 32 KPI days, graduation, promotion, issue (a survey
answer names no one; a steady energy: the energy manager decides nothing about them)."""


def fixture_history(bus: Any) -> None:
    """A small site whose every fact is fixed: ids, days, scores."""
    bus.handle(
        SURVEY_PUBLISHED,
        command_id="golden-pulse-published",
        occurred_at="2026-01-30T09:00:00+08:00",
        trusted_time=True,
        data={
            "survey_id": "pulse-2026-02",
            "series_id": "pulse",
            "title": "February pulse",
            "questions": [
                {"question_id": "overall", "text": "Satisfied?", "scale": "1-5", "role": "overall"},
                {"question_id": "recommend", "text": "Recommend?", "scale": "0-10", "role": "enps"},
                {"question_id": "pay", "text": "Pay is fair", "scale": "1-5", "role": "driver"},
            ],
            "sites": [SITE],
            "opens_on": "2026-02-01",
            "closes_on": "2026-02-07",
        },
    )
    for n, employee in enumerate(CREW):
        bus.handle(
            EMPLOYEE_HIRED,
            command_id=f"golden-hire-{employee}",
            employee_id=employee,
            site_id=SITE,
            occurred_at="2026-01-05T09:00:00+08:00",
            data={
                "display_name": f"Golden {n + 1}",
                "team_id": "g1" if n < 6 else "g2",
                "role": "agent",
                "hired_on": "2026-01-05",
            },
        )
    for n, employee in enumerate(CREW[:6]):  # team g1 answers; g2 does not
        bus.handle(
            SURVEY_ANSWERED,
            command_id=f"golden-pulse-{employee}",
            employee_id=employee,
            occurred_at="2026-02-01T10:00:00+08:00",
            trusted_time=True,
            data={
                "survey_id": "pulse-2026-02",
                "overall": 2 + n % 4,
                "enps": 6 + n % 4,  # no question answered as one: the team is shown
                "drivers": {"pay": 1 + n % 3},
            },
        )
    bus.handle(
        SURVEY_CLOSED,
        command_id="golden-pulse-closed",
        occurred_at="2026-02-08T12:00:00+00:00",
        trusted_time=True,
        data={"survey_id": "pulse-2026-02", "reason": "scheduled"},
    )
    bus.handle(
        TRAINING_PASSED,
        command_id="golden-training-1",
        employee_id=CREW[0],
        occurred_at="2026-01-20T15:00:00+08:00",
        data={
            "course_id": "C-EMPATHY",
            "course_title": "Empathy on the phone",
            "score": 88,
            "pass_mark": 60,
            "passed_on": "2026-01-20",
        },
    )
    promoted_on = dt.date(2026, 3, 10)
    bus.handle_many(  # what the ladder policy reads before two stars: courses, four weeks of KPIs
        [
            passed(CREW[0], "C-ONBOARD", dt.date(2026, 1, 12)),
            *kpi_days(CREW[0], dt.date(2026, 2, 6), promoted_on - dt.timedelta(days=1), STEADY),
            step(CHICK_GRADUATED, CREW[0], dt.date(2026, 3, 1)),
        ],
        channel="test",
    )
    bus.handle(
        STAR_PROMOTED,
        command_id="golden-star-1",
        employee_id=CREW[0],
        occurred_at="2026-03-10T09:00:00+08:00",
        data={"to_star": 2, "reason": "steady quality", "promoted_on": promoted_on.isoformat()},
    )
    bus.handle(
        ISSUE_RAISED,
        command_id="golden-issue-1",
        employee_id=CREW[0],
        occurred_at="2026-02-12T11:00:00+08:00",
        trusted_time=True,  # a fixed time for the golden answers, as the platform's loader may
        data={
            "issue_id": "I-GOLDEN-1",
            "department": "it",
            "title": "Headset crackles",
            "description": "Since Monday.",
            "anonymous": False,
        },
    )


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, bus) -> Iterator[Platform]:
    fixture_history(bus)
    running = Platform(database_url, broker, workdir, "saved")
    running.env["AERIE_ANONYMOUS_RELEASE_SECONDS"] = "1"  # survey answers are held that long
    running.run_parts("relay", "worker", "gateway")
    view = "query($id: ID!) { employee(id: $id) { openIssueCount starLevel } }"
    wait_until(
        lambda: (
            running.graphql(view, {"id": CREW[0]})["data"]["employee"]
            == {"openIssueCount": 1, "starLevel": 2}
        ),
        60,
        "the fixture did not reach the read models",
    )
    wait_until(
        lambda: (
            running.graphql(
                "query($id: ID!) { auditTrail(employeeId: $id) { entries { type } } }",
                {"id": CREW[0]},
            )["data"]["auditTrail"]["entries"].__len__()
            == AUDITED
        ),
        60,
        "the fixture did not reach the audit trail",
    )
    summary = "query($site: ID!) { siteSummary(siteId: $site) { surveyId } }"
    wait_until(
        lambda: running.graphql(summary, {"site": SITE})["data"]["siteSummary"]["surveyId"],
        60,
        "the closed survey did not reach the satisfaction read model",
    )
    yield running
    running.stop()


def send_saved(port: int, document_id: str, variables: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"documentId": document_id, "variables": variables}).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


SAVED = sorted(saved_queries().values(), key=lambda q: q.name)


def test_every_saved_query_has_its_golden_file() -> None:
    names = {q.name for q in SAVED}
    assert names, "graphql/operations/ holds no saved query"
    assert names == {p.stem for p in OPERATIONS_DIR.glob("*.json")}


@pytest.mark.parametrize("saved", SAVED, ids=[q.name for q in SAVED])
def test_a_saved_query_sent_by_its_hash_answers_as_its_golden_file(
    platform: Platform, saved: Any
) -> None:
    golden_path = OPERATIONS_DIR / f"{saved.name}.json"
    golden = json.loads(golden_path.read_text())
    token = token_for(golden["role"], **golden.get("claims", {}))
    status, answer = send_saved(platform.port, f"sha256:{saved.sha256}", golden["variables"], token)
    assert status == 200 and "errors" not in answer, answer
    if os.environ.get("AERIE_UPDATE_GOLDEN"):
        golden["data"] = answer["data"]
        golden_path.write_text(json.dumps(golden, indent=2, ensure_ascii=False) + "\n")
    assert answer["data"] == golden["data"]


def test_an_unknown_hash_is_a_coded_error_not_a_guess(platform: Platform) -> None:
    status, answer = send_saved(platform.port, "sha256:" + "0" * 64, {}, token_for())
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_the_apollo_style_hash_is_understood_too(platform: Platform) -> None:
    saved = next(q for q in SAVED if q.name == "site_overview")
    request = urllib.request.Request(
        f"http://127.0.0.1:{platform.port}/graphql",
        data=json.dumps(
            {
                "variables": {"site": SITE},
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": saved.sha256}},
            }
        ).encode(),
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {token_for('analyst')}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert answer["data"]["siteSummary"]["headcount"] == len(CREW)
