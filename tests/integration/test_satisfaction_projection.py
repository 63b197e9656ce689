"""The satisfaction projection on the real PostgreSQL: incremental sums equal a batch computation."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT
from aerie_events.catalog.performance import KPI_RECORDED
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_events.envelope import Envelope
from aerie_events.rules.scales import SCALES
from aerie_projections.kit import READ_SCHEMA
from aerie_projections.satisfaction import queries
from aerie_projections.satisfaction.results import SurveyResults
from aerie_projections.satisfaction.statistics import ENPS, OVERALL, batch_statistics
from aerie_projections.satisfaction.views import SatisfactionProjection

from tests.envelopes import migrate, read_with

SCHEMA = READ_SCHEMA  # the module has a database of its own
PROJECTION = SatisfactionProjection()
QUESTIONS = [
    {"question_id": "sat", "text": "Overall", "scale": "1-5", "role": "overall"},
    {"question_id": "rec", "text": "Recommend", "scale": "0-10", "role": "enps"},
    {"question_id": "workload", "text": "Workload", "scale": "1-5", "role": "driver"},
    {"question_id": "coaching", "text": "Coaching", "scale": "0-10", "role": "driver"},
]
SCALE_OF = {
    OVERALL: SCALES["1-5"],
    ENPS: SCALES["0-10"],
    ("driver", "workload"): SCALES["1-5"],
    ("driver", "coaching"): SCALES["0-10"],
}
TEAMS = {("north", "n1"): 9, ("north", "n2"): 7, ("north", "n3"): 3, ("south", "s1"): 12}


def envelope(kind: str, position: int, payload: dict[str, Any], **envelope: Any) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        type=kind,
        schema_version=2 if kind.startswith("survey.") and kind != SURVEY_CLOSED else 1,
        occurred_at=envelope.get("occurred_at", "2026-03-03T09:00:00+00:00"),
        recorded_at="2026-03-03T09:00:00+00:00",
        position=position,
        context=kind.split(".")[0],
        site_id=envelope.get("site_id"),
        employee_id=envelope.get("employee_id"),
        actor={"kind": "system", "id": "test"},
        source={"system": "test"},
        correlation_id="c",
        causation_id=None,
        policy_version=envelope.get("policy_version"),
        payload=payload,
    )


@pytest.fixture(scope="module")
def url(fresh_database: Callable[[str], str]) -> str:
    url = fresh_database("satisfaction")
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, PROJECTION, SCHEMA)
    return url


def apply(url: str, envelopes: Sequence[Envelope]) -> None:
    with psycopg.connect(url) as conn, conn.transaction():
        for statement in PROJECTION.plan(envelopes):
            conn.execute(statement.render(SCHEMA), statement.params)


def read(url: str, query: Callable[[Any], Any]) -> Any:
    return read_with(url, query)


def published(survey_id: str, closes_on: str = "2026-03-08") -> Envelope:
    return envelope(
        SURVEY_PUBLISHED,
        1,
        {
            "survey_id": survey_id,
            "series_id": "pulse",
            "title": "Pulse",
            "questions": QUESTIONS,
            "comment_prompt": "Anything else?",
            "sites": [],
            "teams": [],
            "opens_on": "2026-03-02",
            "closes_on": closes_on,
            "anonymity_threshold": 5,
            "scales_version": "scales/2026-01",
        },
        policy_version="anonymity/2026-01",
    )


def answers(survey_id: str, rng: random.Random) -> tuple[list[Envelope], list[dict[str, Any]]]:
    """Answers with corrections; and each response's last answer."""
    events, last = [], {}
    people = [(s, t, f"R-{s}{t}{i}") for (s, t), n in TEAMS.items() for i in range(n)]
    for position, (site, team, response) in enumerate(people * 2, start=10):
        if response in last and rng.random() < 0.5:
            continue
        workload = rng.randint(1, 5)
        payload = {
            "survey_id": survey_id,
            "response_id": response,
            "revision": last[response]["revision"] + 1 if response in last else 1,
            "site_id": site,
            "team_id": team,
            "overall": max(1, min(5, workload + rng.choice((-1, 0, 1)))),
            "enps": rng.randint(0, 10),
            "drivers": {"workload": workload, "coaching": rng.randint(0, 10)},
            "comment": f"comment {response}",
            "anonymous": True,
        }
        if response in last:
            payload["previous"] = {k: last[response][k] for k in ("overall", "enps", "drivers")}
        last[response] = payload
        events.append(envelope(SURVEY_ANSWERED, position, payload))
    return events, list(last.values())


def closed(survey_id: str, responses: int) -> Envelope:
    payload = {"survey_id": survey_id, "reason": "scheduled", "responses": responses}
    return envelope(SURVEY_CLOSED, 999, payload, occurred_at="2026-03-09T12:00:00+00:00")


def roster() -> list[Envelope]:
    hires = [
        envelope(
            EMPLOYEE_HIRED,
            100 + number,
            {"team_id": team, "role": "agent", "hired_on": "2026-01-05", "display_name": None},
            employee_id=f"E-{site}{team}{number}",
            site_id=site,
        )
        for (site, team), n in TEAMS.items()
        for number in range(n + 1)
    ]
    left = envelope(
        EMPLOYEE_LEFT,
        300,
        {"left_on": "2026-02-01", "reason": "resigned"},
        employee_id="E-souths10",
    )
    return [*hires, left]


def test_incremental_results_equal_a_batch_computation_of_the_last_answers(url: str) -> None:
    events, last = answers("wave-1", random.Random(3))
    apply(url, [published("wave-1"), *roster()])
    for start in range(0, len(events), 13):
        apply(url, events[start : start + 13])
    apply(url, [closed("wave-1", len(last))])
    results: SurveyResults = read(url, lambda c: queries.survey_results(c, "wave-1"))
    reference = batch_statistics(last, SCALE_OF)
    shown = [g for g in results.groups if g.shown]
    assert {g.group for g in shown} >= {("company", "", ""), ("team", "north", "n1")}
    for group in shown:
        for item in group.items:
            expected = reference[(group.group, item.question.item)]
            assert item.statistics.responses == expected.responses
            assert item.statistics.mean == pytest.approx(expected.mean)
            assert item.statistics.favourable == pytest.approx(expected.favourable)
            assert item.statistics.correlation == pytest.approx(expected.correlation)
            assert item.statistics.enps == pytest.approx(expected.enps)


def test_the_running_sums_equal_a_recomputation_in_the_database(url: str) -> None:
    kept, again = read(url, lambda c: queries.sums_and_recomputation(c, "wave-1"))
    assert kept == again
    assert len(kept) > 20


def test_a_small_team_and_the_team_that_would_reveal_it_are_withheld(url: str) -> None:
    results: SurveyResults = read(url, lambda c: queries.survey_results(c, "wave-1"))
    north = {g.group[2]: g.withheld for g in results.of_kind("team") if g.group[1] == "north"}
    assert north == {"n1": None, "n2": "COMPLEMENTARY", "n3": "BELOW_THRESHOLD"}
    assert results.group(("team", "north", "n3")).items == ()


def test_response_rates_count_who_was_placed_in_the_group_while_the_survey_was_open(
    url: str,
) -> None:
    results: SurveyResults = read(url, lambda c: queries.survey_results(c, "wave-1"))
    south = results.group(("site", "south", ""))
    assert south.invited == 12  # thirteen hired, one left before the survey opened
    assert south.response_rate == pytest.approx(1.0)


def test_an_open_survey_shows_no_figures(url: str) -> None:
    events, _ = answers("wave-2", random.Random(4))
    apply(url, [published("wave-2", closes_on="2026-04-08"), *events])
    results: SurveyResults = read(url, lambda c: queries.survey_results(c, "wave-2"))
    assert results.survey.status == "OPEN"
    assert results.groups == ()


def test_comments_of_a_withheld_group_are_not_given(url: str) -> None:
    def both(conn: Any) -> Any:
        async def run() -> Any:
            results = await queries.survey_results(conn, "wave-1")
            return (
                await queries.comments(conn, results, ("team", "north", "n3")),
                await queries.comments(conn, results, ("team", "north", "n1")),
            )

        return run()

    withheld, shown = read(url, both)
    assert withheld == []
    assert len(shown) == 9


def kpi(agent: str, site: str, day: str, score: str, position: int) -> Envelope:
    payload = {"day": day, "customer_satisfaction": score}
    return envelope(KPI_RECORDED, position, payload, employee_id=agent, site_id=site)


def test_the_trend_puts_each_sites_customer_satisfaction_beside_its_employees(url: str) -> None:
    apply(
        url,
        [
            kpi("A-1", "south", "2026-03-03", "4.00", 400),
            kpi("A-1", "south", "2026-03-04", "5.00", 401),
            kpi("A-2", "south", "2026-03-04", "3.00", 402),
            kpi("A-2", "south", "2026-03-04", "2.00", 403),  # the day's fact again: the last counts
            kpi("A-3", "north", "2026-02-20", "1.00", 404),  # before the wave
        ],
    )
    points = read(url, lambda c: queries.trend(c, "pulse"))
    assert [p.survey.survey_id for p in points] == ["wave-1"] * 3  # wave 2 is still open
    south = next(p for p in points if p.group == ("site", "south", ""))
    assert south.customer_satisfaction == pytest.approx((4.5 + 2.0) / 2)
    assert south.agents == 2
    assert south.overall_mean is not None
    north = next(p for p in points if p.group == ("site", "north", ""))
    assert north.customer_satisfaction is None


def test_an_answer_recorded_before_answers_were_anonymous_counts_nowhere(url: str) -> None:
    before = read(url, lambda c: queries.sums_and_recomputation(c, "wave-1"))
    legacy = {"survey_id": "wave-1", "response_id": None, "overall": None, "anonymous": False}
    apply(url, [envelope(SURVEY_ANSWERED, 500, legacy, employee_id="E-legacy")])
    assert read(url, lambda c: queries.sums_and_recomputation(c, "wave-1")) == before
