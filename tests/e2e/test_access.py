"""Who may read and write what, through the running gateway, for every field and role.

The matrix below is the specification in the test's own words: for each
query field and mutation, which roles may use it and how far each reaches.
It is checked against the schema, so a field added without a line here (and
without a declared permission) fails the suite.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.learning import STUDY_PLAN_STARTED, TRAINING_PASSED
from aerie_events.catalog.organisation import SITE_OPENED
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import REGROUPING_PROPOSED
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_events.catalog.voice import ISSUE_ACCEPTED, ISSUE_RAISED, ISSUE_REPLIED
from aerie_gateway.permissions import AS_PARENT, FIELDS
from aerie_gateway.schema import schema
from aerie_services.performance import REGROUPING_CANDIDATES, proposal_id_for

from tests.conftest import Platform, hire, new_id, token_for, wait_until
from tests.growth_support import (
    PROMOTED_ON,
    STEADY,
    hired,
    kpi_days,
    passed,
    ready_for_demotion,
    ready_for_promotion,
    ready_for_track_change,
)

SITE, OTHER_SITE = "site-a", "site-b"
TEAM, OTHER_TEAM = "team-a1", "team-a2"
RUN = new_id("R")
AGENT = f"{RUN}-agent"
MATE = f"{RUN}-mate"  # same team as the agent
NEIGHBOUR = f"{RUN}-neighbour"  # same site, another team
STRANGER = f"{RUN}-stranger"  # another site
SURVEY = f"{RUN}-pulse"  # open today: anyone may answer it as themselves

CALLERS: dict[str, dict[str, str]] = {
    "agent": {"subject": AGENT, "site": SITE, "team": TEAM},
    "team_lead": {"subject": f"{RUN}-lead", "site": SITE, "team": TEAM},
    "site_manager": {"subject": f"{RUN}-manager", "site": SITE},
    "responder": {"subject": f"{RUN}-responder", "department": "hr"},
    "qa": {"subject": f"{RUN}-qa"},
    "hr": {"subject": f"{RUN}-hr"},
    "analyst": {"subject": f"{RUN}-analyst"},
    "auditor": {"subject": f"{RUN}-auditor"},
    "site_publisher": {"subject": f"client:{RUN}-feed", "site": SITE, "client": f"{RUN}-feed"},
    "hris": {"subject": f"client:{RUN}-hris", "client": f"{RUN}-hris"},
    "lms": {"subject": f"client:{RUN}-lms", "client": f"{RUN}-lms"},
    "admin": {"subject": "admin"},
}
PEOPLE = ("agent", "team_lead", "site_manager", "responder", "qa", "hr", "analyst", "auditor")

# Per field: role -> how far it reaches: "self", "team", "site" or "any" (the company).
MATRIX: dict[str, dict[str, str]] = {
    "Query.me": dict.fromkeys(CALLERS, "any"),
    "Query.employee": {
        "agent": "self",
        "team_lead": "team",
        "site_manager": "site",
        "qa": "any",
        "hr": "any",
        "admin": "any",
    },
    "Query.employees": {
        "team_lead": "team",
        "site_manager": "site",
        "qa": "any",
        "hr": "any",
        "admin": "any",
    },
    "Query.siteSummary": {"site_manager": "site", "analyst": "any", "hr": "any", "admin": "any"},
    "Query.auditTrail": {"auditor": "any", "hr": "any", "admin": "any"},
    "Mutation.hireEmployee": {"hris": "any", "hr": "any", "site_publisher": "site", "admin": "any"},
    "Mutation.transferEmployee": {
        "hris": "any",
        "hr": "any",
        "site_publisher": "site",
        "admin": "any",
    },
    "Mutation.recordLeaving": {
        "hris": "any",
        "hr": "any",
        "site_publisher": "site",
        "admin": "any",
    },
    "Mutation.raiseIssue": {**dict.fromkeys(PEOPLE, "self"), "admin": "self"},
    "Mutation.grantCoupon": {"agent": "self", "site_publisher": "site", "admin": "any"},
    "Mutation.answerSurvey": {**dict.fromkeys(PEOPLE, "self"), "admin": "self"},
    "Mutation.publishEvent": {"lms": "any", "site_publisher": "site", "admin": "any"},
    "Query.sites": {**dict.fromkeys(PEOPLE, "any"), "admin": "any"},
    "Query.site": {**dict.fromkeys(PEOPLE, "any"), "admin": "any"},
    "Mutation.openSite": {"hr": "any", "admin": "any"},
    "Query.surveys": {**dict.fromkeys(PEOPLE, "any"), "admin": "any"},
    "Query.survey": {**dict.fromkeys(PEOPLE, "any"), "admin": "any"},
    "Query.surveyTrend": {"analyst": "any", "hr": "any", "admin": "any"},
    "Survey.results": {"analyst": "any", "hr": "any", "site_manager": "site", "admin": "any"},
    "Survey.drivers": {"analyst": "any", "hr": "any", "site_manager": "site", "admin": "any"},
    "Survey.driverChart": {"analyst": "any", "hr": "any", "site_manager": "site", "admin": "any"},
    "Survey.comments": {"hr": "any", "admin": "any"},
    "Employee.openIssues": {"agent": "self", "hr": "any", "admin": "any"},
    "Mutation.publishSurvey": {"hr": "any", "admin": "any"},
    "Mutation.closeSurvey": {"hr": "any", "admin": "any"},
    "Mutation.publishSiteCalendar": {
        "hr": "any",
        "site_manager": "site",
        "site_publisher": "site",
        "admin": "any",
    },
}
# growth paths
GROWTH_VIEW = {
    "agent": "self",
    "team_lead": "team",
    "site_manager": "site",
    "qa": "any",
    "hr": "any",
    "admin": "any",
}
LADDER = {
    "hr": "any",
    "site_manager": "site",
    "team_lead": "team",
    "site_publisher": "site",
    "admin": "any",
}
LMS = {"lms": "any", "site_publisher": "site", "admin": "any"}
SITE_PLANS = {"hr": "any", "site_manager": "site", "site_publisher": "site", "admin": "any"}
REGROUPING = {"site_manager": "site", "hr": "any", "admin": "any"}
MATRIX.update(
    {
        "Query.growthPath": GROWTH_VIEW,
        "Query.readiness": GROWTH_VIEW,
        "Query.energy": GROWTH_VIEW,
        "Query.leaderboard": {
            "agent": "site",
            "team_lead": "site",
            "site_manager": "site",
            "qa": "any",
            "hr": "any",
            "admin": "any",
        },
        "Query.annualStatement": {
            "agent": "self",
            "team_lead": "team",
            "site_manager": "site",
            "hr": "any",
            "admin": "any",
        },
        "Query.siteOverview": {
            "analyst": "any",
            "hr": "any",
            "site_manager": "site",
            "admin": "any",
        },
        "Query.regroupingProposal": REGROUPING,
        "Employee.growthPath": GROWTH_VIEW,
        "Employee.readiness": GROWTH_VIEW,
        "Mutation.recordKpi": {"site_publisher": "site", "admin": "any"},
        "Mutation.graduateChick": LADDER,
        "Mutation.promoteStar": LADDER,
        "Mutation.demoteStar": LADDER,
        "Mutation.changeTrack": SITE_PLANS,
        "Mutation.assignTraining": {
            "lms": "any",
            "site_publisher": "site",
            "team_lead": "team",
            "site_manager": "site",
            "admin": "any",
        },
        "Mutation.passTraining": LMS,
        "Mutation.failTraining": LMS,
        "Mutation.startStudyPlan": SITE_PLANS,
        "Mutation.endStudyPlan": SITE_PLANS,
        "Mutation.logStudy": LMS,
        "Mutation.scoreQuiz": LMS,
        "Mutation.passMakeupExam": LMS,
        "Mutation.failMakeupExam": LMS,
        "Mutation.passAcceptanceTest": LMS,
        "Mutation.failAcceptanceTest": LMS,
        "Mutation.proposeRegrouping": REGROUPING,
        "Mutation.acceptRegrouping": REGROUPING,
    }
)
PROPOSING = {SITE: f"{RUN}-rg-a", OTHER_SITE: f"{RUN}-rg-b"}
"""The command proposing a regrouping of each site."""
PROPOSALS = {site: proposal_id_for(command) for site, command in PROPOSING.items()}
"""A regrouping proposal made at each site (its reader is whoever reaches the site)."""

EVERY_PERSON = {**dict.fromkeys(PEOPLE, "any"), "admin": "any"}
RESPONDERS = {"responder": "department", "hr": "any", "admin": "any"}
VOICE: dict[str, dict[str, str]] = {
    "Query.departments": EVERY_PERSON,
    "Query.myIssues": {**dict.fromkeys(PEOPLE, "self"), "admin": "any"},
    "Query.anonymousIssue": EVERY_PERSON,
    "Query.issue": {
        **dict.fromkeys(PEOPLE, "self"),
        "responder": "department",
        "hr": "any",
        "admin": "any",
    },
    "Query.departmentQueue": RESPONDERS,
    "Query.issueBoard": EVERY_PERSON,
    "Query.escalations": {"hr": "any", "admin": "any"},
    "Query.voiceFigures": {"analyst": "any", "hr": "any", "admin": "any"},
    "Mutation.publishDepartment": {"hr": "any", "admin": "any"},
    "Mutation.reassignIssue": RESPONDERS,
    "Mutation.reprioritiseIssue": RESPONDERS,
    "Mutation.replyToIssue": RESPONDERS,
    "Mutation.resolveIssue": RESPONDERS,
    "Mutation.linkIssue": RESPONDERS,
    "Mutation.adoptSuggestion": RESPONDERS,
    "Mutation.escalateIssue": {"hr": "any", "admin": "any"},
    "Mutation.acceptReply": EVERY_PERSON,  # the write side checks the caller is the author
    "Mutation.rejectReply": EVERY_PERSON,
    "Mutation.commentOnIssue": EVERY_PERSON,
}
"""The opinion platform's fields: "department" reaches the issues the caller's department holds."""
MATRIX.update(VOICE)

QUERIES = {
    "Query.me": ("{ me { subject role } }", lambda _target: {}),
    "Query.employee": (
        "query($id: ID!) { employee(id: $id) { id } }",
        lambda target: {"id": target["employee"]},
    ),
    "Employee.growthPath": (
        "query($id: ID!) { employee(id: $id) { growthPath { stage star } } }",
        lambda target: {"id": target["employee"]},
    ),
    "Employee.readiness": (
        "query($id: ID!) { employee(id: $id) { readiness { ready } } }",
        lambda target: {"id": target["employee"]},
    ),
    "Employee.openIssues": (
        "query($id: ID!) { employee(id: $id) { openIssues { issueId } } }",
        lambda target: {"id": target["employee"]},
    ),
    "Query.employees": (
        "query($site: ID!, $team: ID) { employees(siteId: $site, teamId: $team, first: 5) "
        "{ edges { node { id } } } }",
        lambda target: {"site": target["site"], "team": target["team"]},
    ),
    "Query.siteSummary": (
        "query($site: ID!) { siteSummary(siteId: $site) { headcount } }",
        lambda target: {"site": target["site"]},
    ),
    "Query.auditTrail": (
        "query($id: ID!) { auditTrail(employeeId: $id) { entries { type } } }",
        lambda target: {"id": target["employee"]},
    ),
    "Query.sites": ("{ sites { id today } }", lambda _target: {}),
    "Query.growthPath": (
        "query($id: ID!) { growthPath(employeeId: $id) { stage star } }",
        lambda target: {"id": target["employee"]},
    ),
    "Query.readiness": (
        "query($id: ID!) { readiness(employeeId: $id) { ready } }",
        lambda target: {"id": target["employee"]},
    ),
    "Query.energy": (
        "query($id: ID!) { energy(employeeId: $id) { average } }",
        lambda target: {"id": target["employee"]},
    ),
    "Query.leaderboard": (
        "query($site: ID!, $team: ID) { leaderboard(siteId: $site, teamId: $team, "
        "metric: CUSTOMER_SATISFACTION) { entries { rank } } }",
        lambda target: {"site": target["site"], "team": target["team"]},
    ),
    "Query.annualStatement": (
        "query($id: ID!) { annualStatement(employeeId: $id, year: 2026) { starsGained } }",
        lambda target: {"id": target["employee"]},
    ),
    "Query.siteOverview": (
        "query($site: ID) { siteOverview(siteId: $site) { figures { headcount } } }",
        lambda target: {"site": target["site"]},
    ),
    "Query.regroupingProposal": (
        "query($id: ID!) { regroupingProposal(id: $id) { moves } }",
        lambda target: {"id": PROPOSALS[target["site"]]},
    ),
    "Query.site": (
        "query($id: ID!) { site(id: $id) { id timeZone calendar { opensAt } } }",
        lambda target: {"id": target["site"]},
    ),
    "Query.surveys": ("{ surveys { id status questions { id } } }", lambda _target: {}),
    "Query.survey": (
        "query($id: ID!) { survey(id: $id) { id title } }",
        lambda _target: {"id": SURVEY},
    ),
    "Query.surveyTrend": (
        '{ surveyTrend(seriesId: "pulse") { points { surveyId } chart { url } } }',
        lambda _target: {},
    ),
    **{
        f"Survey.{name}": (
            f"query($id: ID!, $site: ID!) {{ survey(id: $id) {{ {name}(groupBy: SITE, "
            f"siteId: $site) {{ __typename }} }} }}",
            lambda target: {"id": SURVEY, "site": target["site"]},
        )
        for name in ("results", "drivers", "driverChart")
    },
    "Survey.comments": (
        "query($id: ID!, $site: ID!) { survey(id: $id) { comments(groupBy: SITE, siteId: $site) } }",
        lambda target: {"id": SURVEY, "site": target["site"]},
    ),
}


def place(employee: str, site: str, team: str) -> dict[str, str]:
    return {"employee": employee, "site": site, "team": team}


def own_target(role: str, reach: str | None = None) -> dict[str, str]:
    """A target inside what ``reach`` covers for ``role`` (its own record by default)."""
    if reach in ("team", "any"):
        return place(MATE, SITE, TEAM)
    if reach == "site":
        return place(NEIGHBOUR, SITE, OTHER_TEAM)
    if role == "agent":
        return place(AGENT, SITE, TEAM)
    return place(CALLERS[role]["subject"], SITE, TEAM)


def outside_targets(reach: str | None) -> list[dict[str, str]]:
    """Targets just outside ``reach``: another site, and the nearer ones it stops at."""
    outside = [place(STRANGER, OTHER_SITE, "team-b1")]
    if reach == "self":
        outside.append(place(MATE, SITE, TEAM))
    if reach == "team":
        outside.append(place(NEIGHBOUR, SITE, OTHER_TEAM))
    return outside


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, bus) -> Iterator[Platform]:
    from aerie_gateway.clients import ensure_client

    for employee, site, team in (
        (AGENT, SITE, TEAM),
        (MATE, SITE, TEAM),
        (NEIGHBOUR, SITE, OTHER_TEAM),
        (STRANGER, OTHER_SITE, "team-b1"),
    ):
        hire_into(bus, employee, site, team)
    for site, zone in ((SITE, "Asia/Shanghai"), (OTHER_SITE, "Europe/Berlin")):
        bus.handle(
            SITE_OPENED,
            command_id=f"open-{RUN}-{site}",
            data={"site_id": site, "name": site, "time_zone": zone, "opened_on": "2026-01-01"},
        )
    for site, command in PROPOSING.items():
        propose_at(bus, command, site, STRANGER if site == OTHER_SITE else AGENT)
    for role in (*PEOPLE, "admin"):  # each person can act as themselves
        if role != "agent":
            hire_into(bus, CALLERS[role]["subject"], SITE, TEAM)
    publish_open_survey(bus, SURVEY)
    with psycopg.connect(database_url, autocommit=True) as conn:
        for role, claims in CALLERS.items():
            if "client" in claims:
                ensure_client(conn, claims["client"], role, claims.get("site"))
    running = Platform(database_url, broker, workdir, "access")
    running.env["AERIE_ANONYMOUS_RELEASE_SECONDS"] = (
        "1"  # anonymous issues and survey answers are held that long
    )
    running.run_parts("relay", "worker", "gateway")
    seen = "query($id: ID!) { employee(id: $id) { id growthPath { star } } }"
    for hired_one in (AGENT, MATE, NEIGHBOUR, STRANGER):
        wait_until(
            lambda hired_one=hired_one: (
                running.graphql(seen, {"id": hired_one})["data"]["employee"] or {}
            ).get("growthPath"),
            60,
            f"{hired_one}'s hire did not reach the profile and growth read models",
        )
    yield running
    running.stop()


def publish_open_survey(bus: Any, survey_id: str, **changes: Any) -> None:
    """A survey of everyone, open from yesterday to tomorrow (whatever the site's zone)."""
    bus.handle(
        SURVEY_PUBLISHED,
        command_id=f"publish-{survey_id}",
        data=open_survey(survey_id, **changes),
    )


def open_survey(survey_id: str, **changes: Any) -> dict[str, Any]:
    """What ``publish_open_survey`` publishes: one driver, ``pay``."""
    today = dt.date.today()
    return {
        "survey_id": survey_id,
        "series_id": "pulse",
        "title": "Access pulse",
        "questions": [
            {"question_id": "overall", "text": "Satisfied?", "scale": "1-5", "role": "overall"},
            {"question_id": "recommend", "text": "Recommend?", "scale": "0-10", "role": "enps"},
            {"question_id": "pay", "text": "Pay is fair", "scale": "1-5", "role": "driver"},
        ],
        "opens_on": (today - dt.timedelta(days=1)).isoformat(),
        "closes_on": (today + dt.timedelta(days=1)).isoformat(),
        **changes,
    }


def propose_at(bus: Any, command: str, site: str, employee: str) -> None:
    """A regrouping proposal at ``site`` (by ``command``) that leaves ``employee`` where they
    are: the one agent available there, as the growth read model would answer."""
    team = "team-b1" if site == OTHER_SITE else TEAM
    available = [{"employee_id": employee, "star": 1, "team_id": team, "courses": []}]
    with bus.facts.answering(REGROUPING_CANDIDATES, lambda _site_and_day: available):
        bus.handle(
            REGROUPING_PROPOSED,
            command_id=command,
            data={"site_id": site, "team_count": 1, "team_ids": [team]},
        )


def hire_into(bus: Any, employee: str, site: str, team: str) -> None:
    hire(bus, employee, site_id=site)
    if team != "team-1":
        bus.handle(
            EMPLOYEE_TRANSFERRED,
            command_id=f"move-{employee}",
            employee_id=employee,
            data={"to_site_id": site, "to_team_id": team, "transferred_on": "2026-01-06"},
        )


def as_role(platform: Platform, role: str, query: str, variables: dict[str, Any]) -> dict:
    return platform.graphql(query, variables, token=token_for(role, **CALLERS[role]))


def codes(result: dict) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in result.get("errors") or []}


def test_the_matrix_covers_every_query_field_and_mutation_of_the_schema() -> None:
    graphql_schema = schema._schema
    fields = {f"Query.{name}" for name in graphql_schema.query_type.fields}
    fields |= {f"Mutation.{name}" for name in graphql_schema.mutation_type.fields}
    top = {f for f in MATRIX if f.startswith(("Query.", "Mutation."))}
    assert fields == top, "add the new field to MATRIX (and to permissions.py)"
    assert set(MATRIX) <= set(QUERIES) | top, "a nested field in MATRIX needs its query"
    ruled = {f for f, rule in FIELDS.items() if rule is not AS_PARENT}
    nested = ruled - fields - {"CommandResult.view"}  # a write's result: tested with its writes
    assert nested <= set(MATRIX), "add the nested field's rule to MATRIX, with its query"


@pytest.mark.parametrize("field", sorted(QUERIES))
def test_each_role_reads_a_query_field_only_within_its_scope(
    platform: Platform, field: str
) -> None:
    query, variables_of = QUERIES[field]
    for role in CALLERS:
        reach = MATRIX[field].get(role)
        inside = as_role(platform, role, query, variables_of(own_target(role, reach)))
        assert ("FORBIDDEN" not in codes(inside)) == (reach is not None), (field, role, inside)
        assert "errors" not in inside or reach is None, (field, role, inside)
        if field == "Query.me":
            continue
        for target in outside_targets(reach):
            outside = as_role(platform, role, query, variables_of(target))
            allowed = reach == "any"
            assert ("FORBIDDEN" not in codes(outside)) == allowed, (field, role, target, outside)


def test_an_employee_in_another_scope_and_one_nowhere_get_the_same_refusal(
    platform: Platform,
) -> None:
    query, _ = QUERIES["Query.employee"]
    elsewhere = as_role(platform, "site_manager", query, {"id": STRANGER})
    nowhere = as_role(platform, "site_manager", query, {"id": f"{RUN}-nobody"})
    assert elsewhere["errors"][0]["message"] == nowhere["errors"][0]["message"]
    assert elsewhere["errors"][0]["extensions"] == nowhere["errors"][0]["extensions"]
    assert elsewhere["data"] == nowhere["data"]


def test_a_team_lead_and_an_agent_see_their_own_fields_only(platform: Platform) -> None:
    query = "query($id: ID!) { employee(id: $id) { id openIssues { title } } }"
    lead = as_role(platform, "team_lead", query, {"id": MATE})
    assert lead["data"]["employee"]["id"] == MATE
    assert {e["path"][-1] for e in lead["errors"]} == {"openIssues"}
    assert codes(lead) == {"FORBIDDEN"}
    own = as_role(platform, "agent", query, {"id": AGENT})
    assert "errors" not in own and own["data"]["employee"]["openIssues"] == []


def mutation_input(
    field: str, role: str, target: dict[str, str], bus: Any, allowed: bool = True
) -> dict[str, Any]:
    """A valid input of ``field`` about ``target`` (fresh employees where the event ends one).

    Where a step of the ladder needs a history (courses, weeks of KPI facts), it is
    recorded first, but only for a write that will be allowed.
    """
    command = new_id("cmd")
    employee = target["employee"]
    growth = growth_input(field, role, target, bus, allowed)
    if growth is not None:
        return {"commandId": command, **growth}
    if field in ("Mutation.transferEmployee", "Mutation.recordLeaving", "Mutation.promoteStar"):
        employee = new_id(f"{RUN}-{role}")
        hire_into(bus, employee, target["site"], target["team"])
    base = {"commandId": command, "employeeId": employee}
    if field == "Mutation.hireEmployee":
        return {
            **base,
            "employeeId": new_id(f"{RUN}-new"),
            "siteId": target["site"],
            "teamId": target["team"],
            "displayName": "New Hire",
            "hiredOn": "2026-02-01",
        }
    if field == "Mutation.transferEmployee":
        to_team = "team-x" if target["team"] != "team-x" else "team-y"
        return {
            **base,
            "toSiteId": target["site"],
            "toTeamId": to_team,
            "transferredOn": "2026-02-01",
        }
    if field == "Mutation.recordLeaving":
        return {**base, "leftOn": "2026-02-01", "reason": "resigned"}
    training = {
        "courseId": new_id("C"),
        "courseTitle": "Empathy",
        "score": 80,
        "passMark": 60,
        "passedOn": "2026-02-01",
    }
    if field == "Mutation.passTraining":
        return {**base, **training}
    if field == "Mutation.publishEvent":
        payload = {
            "course_id": new_id("C"),
            "course_title": "Empathy",
            "score": 80,
            "pass_mark": 60,
            "passed_on": "2026-02-01",
        }
        return {**base, "type": TRAINING_PASSED, "payload": payload}
    if field == "Mutation.raiseIssue":
        return {
            **base,
            "issueId": new_id("I"),
            "department": "hr",
            "title": "Headset",
            "description": "It crackles.",
        }
    if field == "Mutation.openSite":
        return {
            "commandId": command,
            "siteId": new_id("site"),
            "name": "New site",
            "timeZone": "Asia/Urumqi",
            "openedOn": "2026-02-01",
        }
    if field == "Mutation.publishSiteCalendar":
        return {
            "commandId": command,
            "siteId": target["site"],
            "calendarVersion": new_id("v"),
            "workingDays": ["mon", "tue", "wed", "thu", "fri"],
            "opensAt": "08:30",
            "closesAt": "17:30",
            "holidays": ["2026-10-01"],
        }
    if field == "Mutation.grantCoupon":
        return {
            **base,
            "couponId": new_id("C"),
            "customerRef": "cust-1",
            "scenario": "late_arrival",
            "amount": "10.00",
        }
    if field == "Mutation.publishSurvey":
        return {
            "commandId": command,
            "surveyId": new_id("S"),
            "seriesId": "pulse",
            "title": "Pulse",
            "questions": [
                {"questionId": "o", "text": "Satisfied?", "scale": "1-5", "role": "overall"},
                {"questionId": "r", "text": "Recommend?", "scale": "0-10", "role": "enps"},
                {"questionId": "pay", "text": "Pay", "scale": "1-5", "role": "driver"},
            ],
            "opensOn": dt.date.today().isoformat(),
            "closesOn": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
        }
    survey = new_id("S")  # a survey of its own: each answer is a first one
    publish_open_survey(bus, survey)
    if field == "Mutation.closeSurvey":
        return {"commandId": command, "surveyId": survey}
    return {**base, "surveyId": survey, "overall": 4, "enps": 8, "drivers": {"pay": 3}}


_days = iter(range(1, 100_000))


def growth_input(
    field: str, role: str, target: dict[str, str], bus: Any, allowed: bool
) -> dict[str, Any] | None:
    """The input of a growth mutation about ``target``, or None for another mutation."""
    employee, site, team = target["employee"], target["site"], target["team"]
    day = (dt.date(2020, 1, 1) + dt.timedelta(days=next(_days))).isoformat()
    scored = {"score": 80, "passMark": 60, "takenOn": "2026-02-01"}
    failed = {"score": 40, "passMark": 60, "takenOn": "2026-02-01"}
    if field in LADDER_STEPS and allowed:
        employee = new_id(f"{RUN}-{role}")
    match field:
        case "Mutation.recordKpi":
            return {
                "employeeId": employee,
                "day": day,
                "callsAnswered": 50,
                "averageHandlingSeconds": 300,
                "firstContactResolution": "80",
                "customerSatisfaction": "4.2",
                "qaScore": "85",
                "attendance": "97",
            }
        case "Mutation.graduateChick":
            if allowed:
                on = PROMOTED_ON
                bus.handle_many(
                    [
                        hired(employee, site, team, on - dt.timedelta(days=120)),
                        passed(employee, "C-ONBOARD", on - dt.timedelta(days=100)),
                        *kpi_days(
                            employee, on - dt.timedelta(days=20), on - dt.timedelta(days=1), STEADY
                        ),
                    ],
                    channel="test",
                )
            return {
                "employeeId": employee,
                "graduatedOn": PROMOTED_ON.isoformat(),
                "reason": "coached",
            }
        case "Mutation.promoteStar":
            if allowed:
                ready_for_promotion(bus, employee, site, team)
            return {
                "employeeId": employee,
                "toStar": 2,
                "reason": "steady",
                "promotedOn": PROMOTED_ON.isoformat(),
            }
        case "Mutation.demoteStar":
            on = ready_for_demotion(bus, employee, site, team) if allowed else PROMOTED_ON
            return {
                "employeeId": employee,
                "toStar": 1,
                "reason": "sustained low energy",
                "demotedOn": on.isoformat(),
            }
        case "Mutation.changeTrack":
            on = ready_for_track_change(bus, employee, site, team) if allowed else PROMOTED_ON
            return {
                "employeeId": employee,
                "toTrack": "qa",
                "reason": "quality inspector",
                "changedOn": on.isoformat(),
            }
        case "Mutation.assignTraining":
            return {
                "employeeId": employee,
                "courseId": "C-X",
                "courseTitle": "X",
                "assignedOn": day,
                "reason": "by need",
            }
        case "Mutation.failTraining":
            return {
                "employeeId": employee,
                "courseId": "C-X",
                "courseTitle": "X",
                "score": 40,
                "passMark": 60,
                "failedOn": day,
            }
        case "Mutation.startStudyPlan":
            return {
                "employeeId": employee,
                "firstDay": day,
                "lastDay": day,
                "requiredMinutes": 30,
                "reason": "at home",
            }
        case "Mutation.endStudyPlan":
            if allowed:
                plan = {
                    "first_day": day,
                    "last_day": day,
                    "required_minutes": 30,
                    "reason": "at home",
                }
                bus.handle(
                    STUDY_PLAN_STARTED, command_id=new_id("plan"), employee_id=employee, data=plan
                )
            return {"employeeId": employee, "endedOn": day, "reason": "back at the site"}
        case "Mutation.logStudy":
            return {"employeeId": employee, "day": day, "minutes": 30, "courseId": "C-X"}
        case "Mutation.scoreQuiz":
            return {
                "employeeId": employee,
                "quizId": new_id("q"),
                "courseId": "C-X",
                "day": day,
                "score": 70,
            }
        case "Mutation.passMakeupExam":
            return {"employeeId": employee, **scored}
        case "Mutation.failMakeupExam":
            return {"employeeId": employee, **failed}
        case "Mutation.passAcceptanceTest":
            return {"employeeId": employee, "orderId": new_id("o"), **scored}
        case "Mutation.failAcceptanceTest":
            return {"employeeId": employee, "orderId": new_id("o"), **failed}
        case "Mutation.proposeRegrouping":
            return {"siteId": site, "teamCount": 1}
        case "Mutation.acceptRegrouping":
            command = new_id(f"{RUN}-rg")
            proposal = proposal_id_for(command)
            if allowed:
                propose_at(bus, command, site, STRANGER if site == OTHER_SITE else AGENT)
            else:
                proposal = PROPOSALS[site]
            return {"proposalId": proposal, "acceptedOn": "2026-02-02"}
    return None


LADDER_STEPS = {
    "Mutation.graduateChick",
    "Mutation.promoteStar",
    "Mutation.demoteStar",
    "Mutation.changeTrack",
}


SHARED_INPUTS = {
    "passMakeupExam": "MakeupExamInput",
    "failMakeupExam": "MakeupExamInput",
    "passAcceptanceTest": "AcceptanceTestInput",
    "failAcceptanceTest": "AcceptanceTestInput",
}
"""Mutations whose input type another mutation shares."""


def run_mutation(platform: Platform, role: str, field: str, given: dict[str, Any]) -> dict:
    name = field.split(".", 1)[1]
    input_type = SHARED_INPUTS.get(name, name[0].upper() + name[1:] + "Input")
    answer = (
        "{ result { type } }" if name in ("proposeRegrouping", "acceptRegrouping") else "{ type }"
    )
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {answer} }}"
    return as_role(platform, role, query, {"input": given})


def recorded(database_url: str, given: dict[str, Any]) -> bool:
    """Whether the command was recorded (an answer under a pseudonym: any answer to its survey)."""
    command_id = given["commandId"]
    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            "SELECT (SELECT count(*) FROM aerie_command_ids WHERE command_id = %s) "
            "+ (SELECT count(*) FROM aerie_dead_letters WHERE input::text LIKE %s)",
            (command_id, f"%{command_id}%"),
        ).fetchone()
        if "overall" in given:
            found = conn.execute(
                "SELECT count(*) FROM surveys_events WHERE convert_from(state, 'UTF8')::jsonb "
                "#>> '{meta,type}' = 'survey.answered' AND convert_from(state, 'UTF8')::jsonb "
                "#>> '{payload,survey_id}' = %s",
                (given["surveyId"],),
            ).fetchone()
    return bool(found and found[0])


@pytest.mark.parametrize(
    "field", sorted(f for f in MATRIX if f.startswith("Mutation.") and f not in VOICE)
)
def test_each_role_records_an_event_only_within_its_scope_and_a_refusal_stores_nothing(
    platform: Platform, bus: Any, database_url: str, field: str
) -> None:
    for role in CALLERS:
        reach = MATRIX[field].get(role)
        cases = [(own_target(role, reach), reach is not None)]
        cases += [(target, reach == "any") for target in outside_targets(reach)]
        for target, allowed in cases:
            given = mutation_input(field, role, target, bus, allowed)
            result = run_mutation(platform, role, field, given)
            if allowed:
                assert "errors" not in result, (field, role, target, result)
                assert recorded(database_url, given), (field, role)
            else:
                assert codes(result) == {"FORBIDDEN"}, (field, role, target, result)
                assert not recorded(database_url, given), (field, role)


def test_a_site_publisher_cannot_move_its_employee_to_another_site(
    platform: Platform, bus: Any, database_url: str
) -> None:
    given = mutation_input("Mutation.transferEmployee", "site_publisher", own_target("agent"), bus)
    for field, moved in (
        ("Mutation.transferEmployee", {**given, "toSiteId": OTHER_SITE}),
        (
            "Mutation.publishEvent",
            {
                "type": EMPLOYEE_TRANSFERRED,
                "commandId": new_id("cmd"),
                "employeeId": given["employeeId"],
                "payload": {
                    "to_site_id": OTHER_SITE,
                    "to_team_id": "team-b1",
                    "transferred_on": "2026-02-01",
                },
            },
        ),
    ):
        result = run_mutation(platform, "site_publisher", field, moved)
        assert codes(result) == {"FORBIDDEN"}, (field, result)
        assert not recorded(database_url, moved)


def test_a_site_publisher_cannot_hire_for_another_site_through_publish_event(
    platform: Platform, database_url: str
) -> None:
    hired = {
        "type": EMPLOYEE_HIRED,
        "commandId": new_id("cmd"),
        "employeeId": new_id(f"{RUN}-new"),
        "siteId": OTHER_SITE,
        "payload": {
            "display_name": "Elsewhere",
            "team_id": "team-b1",
            "role": "agent",
            "hired_on": "2026-02-01",
        },
    }
    result = run_mutation(platform, "site_publisher", "Mutation.publishEvent", hired)
    assert codes(result) == {"FORBIDDEN"}
    assert not recorded(database_url, hired)


def test_hiring_an_id_on_another_sites_roster_tells_nothing_about_it(platform: Platform) -> None:
    taken = mutation_input("Mutation.hireEmployee", "site_publisher", own_target("agent"), None)
    taken["employeeId"] = STRANGER
    free = {**taken, "commandId": new_id("cmd"), "employeeId": f"{RUN}-nobody-else"}
    answers = []
    for given in (taken, free):
        given_elsewhere = {**given, "siteId": OTHER_SITE}
        answers.append(
            run_mutation(platform, "site_publisher", "Mutation.hireEmployee", given_elsewhere)
        )
    assert codes(answers[0]) == codes(answers[1]) == {"FORBIDDEN"}
    assert answers[0]["errors"][0]["message"] == answers[1]["errors"][0]["message"]
    same_site = run_mutation(platform, "site_publisher", "Mutation.hireEmployee", taken)
    assert codes(same_site) == {"FORBIDDEN"}  # not EMPLOYEE_ALREADY_HIRED: it is another site's


AUDIT = "query($id: ID!) { auditTrail(employeeId: $id) { entries { type actor source } } }"


def test_an_event_records_its_actor_from_the_token_not_from_the_input(
    platform: Platform,
) -> None:
    given = {
        "commandId": new_id("cmd"),
        "employeeId": AGENT,
        "issueId": new_id("I"),
        "department": "it",
        "title": "Screen",
        "description": "Flickers.",
    }
    assert "errors" not in run_mutation(platform, "agent", "Mutation.raiseIssue", given)

    def raised() -> list[dict] | None:
        trail = as_role(platform, "auditor", AUDIT, {"id": AGENT})["data"]["auditTrail"]
        issues = [e for e in trail["entries"] if e["type"] == ISSUE_RAISED]
        return issues or None

    entry = wait_until(raised, 30, "the issue did not reach the audit trail")[-1]
    assert entry["actor"] == {"kind": "person", "id": AGENT, "role": "agent"}
    assert entry["source"] == {"system": "graphql"}


def aerie(platform: Platform, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "aerie_platform.cli", *args],
        env=platform.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict, Any]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def client_token(platform: Platform, client_id: str, secret: str) -> tuple[int, dict]:
    form = f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
    status, body, _ = post(
        platform.port,
        "/token",
        form.encode(),
        {"content-type": "application/x-www-form-urlencoded"},
    )
    return status, body


def test_an_integration_client_gets_a_token_for_its_credential_until_it_is_revoked(
    platform: Platform,
) -> None:
    client_id = new_id("lms")
    printed = aerie(platform, "client", "add", client_id, "--role", "lms")
    secret = printed.strip().splitlines()[1]
    status, answer = client_token(platform, client_id, secret)
    assert status == 200 and answer["token_type"] == "Bearer"
    token = answer["access_token"]
    given = mutation_input("Mutation.passTraining", "lms", own_target("agent"), None)
    given["employeeId"] = AGENT
    name_query = "mutation($input: PassTrainingInput!) { passTraining(input: $input) { type } }"
    passed = platform.graphql(name_query, {"input": given}, token=token)
    assert passed["data"]["passTraining"]["type"] == TRAINING_PASSED

    def trained() -> list[dict] | None:
        trail = as_role(platform, "auditor", AUDIT, {"id": AGENT})["data"]["auditTrail"]
        return [e for e in trail["entries"] if e["actor"].get("client") == client_id] or None

    entry = wait_until(trained, 30, "the training did not reach the audit trail")[0]
    assert entry["actor"]["role"] == "lms" and entry["source"]["client"] == client_id

    aerie(platform, "client", "revoke", client_id)
    status, refused, _ = post(
        platform.port,
        "/graphql",
        json.dumps({"query": "{ me { role } }"}).encode(),
        {"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    assert status == 401 and refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "revoked" in refused["errors"][0]["message"]
    assert client_token(platform, client_id, secret)[0] == 401


def test_a_wrong_client_secret_gets_no_token(platform: Platform) -> None:
    client_id = new_id("hris")
    aerie(platform, "client", "add", client_id, "--role", "hris")
    status, answer = client_token(platform, client_id, "guessed")
    assert status == 401 and answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("authorization", "problem"),
    [
        (None, "no bearer token"),
        ("Bearer not-a-jwt", "not a JWT"),
        ("Basic dXNlcjpwYXNz", "Bearer <token>"),
    ],
)
def test_a_request_without_a_valid_token_is_refused_with_401_and_stores_nothing(
    platform: Platform, database_url: str, authorization: str | None, problem: str
) -> None:
    command = new_id("cmd")
    given = mutation_input("Mutation.raiseIssue", "agent", own_target("agent"), None)
    given["commandId"] = command
    body = json.dumps(
        {
            "query": "mutation($input: RaiseIssueInput!) { raiseIssue(input: $input) { type } }",
            "variables": {"input": given},
        }
    ).encode()
    headers = {"content-type": "application/json"}
    if authorization:
        headers["authorization"] = authorization
    status, answer, response_headers = post(platform.port, "/graphql", body, headers)
    assert status == 401
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert problem in answer["errors"][0]["message"]
    assert response_headers["WWW-Authenticate"].startswith("Bearer")
    assert not recorded(database_url, given)


def test_the_site_summary_shows_survey_figures_only_as_the_latest_closed_survey_shows_them(
    platform: Platform, bus: Any
) -> None:
    site = new_id("site")
    teams = {"team-crowd": 6, "team-more": 5, "team-pair": 2}
    members = {team: [new_id(f"{RUN}-m") for _ in range(n)] for team, n in teams.items()}
    for team, employees in members.items():
        for employee in employees:
            hire_into(bus, employee, site, team)
    survey = new_id("S")
    publish_open_survey(bus, survey, sites=[site], anonymity_threshold=6)
    for employees in members.values():
        for n, employee in enumerate(employees):
            bus.handle(
                SURVEY_ANSWERED,
                command_id=f"answer-{employee}",
                employee_id=employee,
                data={  # no question answered as one: a group large enough is shown
                    "survey_id": survey,
                    "overall": 3 + n % 2,
                    "enps": 7 + n % 3,
                    "drivers": {"pay": 2 + n % 3},
                },
            )
    bus.handle(
        SURVEY_CLOSED, command_id=f"close-{survey}", data={"survey_id": survey, "reason": "early"}
    )
    query = (
        "query($site: ID!) { siteSummary(siteId: $site) { headcount anonymityThreshold surveyId "
        "surveyAnonymityThreshold teams { teamId headcount averageStar surveyAnswers "
        "averageSurvey } } }"
    )

    def summary() -> dict | None:
        found = as_role(platform, "analyst", query, {"site": site})["data"]["siteSummary"]
        return found if found["headcount"] == 13 and found["surveyId"] == survey else None

    found = wait_until(summary, 60, "the survey did not close")
    assert (found["anonymityThreshold"], found["surveyAnonymityThreshold"]) == (5, 6)
    shown = {t["teamId"]: t for t in found["teams"]}
    assert shown["team-crowd"]["surveyAnswers"] == 6
    assert shown["team-crowd"]["averageSurvey"] == 3.5
    assert shown["team-crowd"]["averageStar"] == 1.0
    assert shown["team-pair"]["surveyAnswers"] is None  # two answers: below both thresholds
    assert shown["team-pair"]["averageStar"] is None
    # five: an average star is shown over five people, their answers only over the survey's six
    assert shown["team-more"]["averageStar"] == 1.0
    assert shown["team-more"]["surveyAnswers"] is None
    assert shown["team-more"]["averageSurvey"] is None


def test_a_batch_of_operations_is_refused_with_a_coded_error(platform: Platform) -> None:
    batch = json.dumps([{"query": "{ me { role } }"}, {"query": "{ me { role } }"}]).encode()
    status, answer, _ = post(
        platform.port,
        "/graphql",
        batch,
        {"content-type": "application/json", "authorization": f"Bearer {token_for()}"},
    )
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "Batching" in answer["errors"][0]["message"]


def test_a_chunked_body_over_the_cap_is_refused_while_it_is_read(platform: Platform) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", platform.port, timeout=30)
    connection.putrequest("POST", "/graphql")
    connection.putheader("content-type", "application/json")
    connection.putheader("authorization", f"Bearer {token_for()}")
    connection.putheader("transfer-encoding", "chunked")
    connection.endheaders()
    chunk = b'{"query": "' + b" " * 65_536
    try:
        for _ in range(40):  # 2.6 MB against a 1 MB cap
            connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the gateway may answer and close before the rest is sent
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


@pytest.fixture(scope="module")
def locked_down(database_url, broker, workdir) -> Iterator[Platform]:
    """A second gateway on the same database, configured as for production."""
    gateway = Platform(database_url, broker, workdir, "locked")
    gateway.env.update(
        AERIE_RATE_PER_SECOND="1",
        AERIE_RATE_BURST="3",
        AERIE_INTROSPECTION="off",
        AERIE_GRAPHIQL="off",
    )
    gateway.start("gateway")
    gateway.wait_for_gateway()
    yield gateway
    gateway.stop()


def test_a_client_over_its_rate_gets_429_with_retry_after(locked_down: Platform) -> None:
    body = json.dumps({"query": "{ me { role } }"}).encode()
    token = token_for("hr", subject=new_id("H"))
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    answers = [post(locked_down.port, "/graphql", body, headers) for _ in range(5)]
    statuses = [status for status, _, _ in answers]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
    _status, answer, response_headers = next(a for a in answers if a[0] == 429)
    assert answer["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(response_headers["Retry-After"]) >= 1
    other = token_for("hr", subject=new_id("H"))
    assert (
        post(locked_down.port, "/graphql", body, {**headers, "authorization": f"Bearer {other}"})[0]
        == 200
    )


def test_introspection_and_graphiql_can_be_switched_off(locked_down: Platform) -> None:
    result = locked_down.graphql(
        "{ __schema { queryType { name } } }", token=token_for("hr", subject=new_id("H"))
    )
    assert result.get("errors") and not result.get("data")
    request = urllib.request.Request(
        f"http://127.0.0.1:{locked_down.port}/graphql", headers={"accept": "text/html"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code in (400, 404)
    assert "errors" in json.loads(refused.value.read())


def fragment_bomb(levels: int) -> str:
    """900 bytes that expand to 2^levels selections when fragments are inlined."""
    chain = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels)
    )
    return "query { ...F0 }\n" + chain + f"fragment F{levels} on Query {{ me {{ role }} }}"


HOSTILE = {
    "fragment bomb": fragment_bomb(25),
    "deep nesting": "{ employee(id: 1) " + "{ trainingsPassed " * 12 + "}" * 13,
    "repeated fields": "{ " + "me { role } " * 600 + "}",
    "many aliases": "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(40)) + " }",
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_document_is_refused_as_too_complex_while_others_are_served(
    platform: Platform, name: str
) -> None:
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        hostile = pool.submit(platform.graphql, HOSTILE[name])
        served = pool.submit(platform.graphql, "{ me { role } }", None, None)
        assert served.result(timeout=10)["data"]["me"]["role"] == "admin"
        refused = hostile.result(timeout=30)
    assert not refused.get("data")
    assert codes(refused) == {"QUERY_TOO_COMPLEX"}


# -- the opinion platform: issues sit in departments ----------------------------------


def voice_issue(
    bus: Any,
    author: str,
    department: str = "hr",
    *,
    replied: bool = False,
    kind: str = "issue",
    anonymous: bool = False,
    occurred_at: str | None = None,
) -> tuple[str, str | None]:
    """An issue by ``author`` held by ``department`` (replied if asked); its id and key."""
    command_id = new_id("raise")
    bus.handle(
        ISSUE_RAISED,
        command_id=command_id,
        employee_id=author,
        occurred_at=occurred_at,
        trusted_time=True,  # as the platform's loader records history
        data={
            "issue_id": (issue_id := new_id("I")),
            "kind": kind,
            "department": department,
            "title": "Headset",
            "description": "It crackles.",
            "anonymous": anonymous,
        },
    )
    key = None
    if anonymous:
        issue_id, key = bus.apps["voice"].anonymous_receipt(author, command_id)
    if replied:
        bus.handle(
            ISSUE_REPLIED,
            command_id=new_id("reply"),
            data={"issue_id": issue_id, "text": "Done", "visibility": "private"},
        )
    return issue_id, key


@pytest.fixture(scope="module")
def voice_targets(platform: Platform, bus: Any) -> dict[str, dict[str, Any]]:
    """Issues inside and just outside each reach, projected; an anonymous one with its key."""
    anonymous, key = voice_issue(bus, MATE, anonymous=True)
    targets = {
        "agent": voice_issue(bus, AGENT)[0],
        "mate": voice_issue(bus, MATE)[0],
        "stranger": voice_issue(bus, STRANGER, "it")[0],
    }
    for role in PEOPLE:
        if role != "agent":
            targets[role] = voice_issue(bus, CALLERS[role]["subject"])[0]
    for issue_id in [*targets.values(), anonymous]:
        wait_until(
            lambda i=issue_id: platform.graphql(
                "query($id: ID!) { issue(id: $id) { id } }", {"id": i}
            )["data"]["issue"],
            60,
            f"{issue_id} did not reach the read model",
        )
    common = {"anon": anonymous, "key": key}

    def target(issue: str, department: str) -> dict[str, Any]:
        return {**common, "issue": targets[issue], "department": department}

    return {
        "inside": {role: target(role, "hr") for role in PEOPLE},
        "department": target("mate", "hr"),
        "any": target("stranger", "it"),
        "outside-self": target("mate", "hr"),
        "outside-department": target("stranger", "it"),
    }


VOICE_QUERIES = {
    "Query.departments": ("{ departments { id } }", lambda _t: {}),
    "Query.myIssues": ("{ myIssues { issues { id } } }", lambda _t: {}),
    "Query.issueBoard": ("{ issueBoard { entries { issueId } } }", lambda _t: {}),
    "Query.escalations": ("{ escalations { issues { id } } }", lambda _t: {}),
    "Query.voiceFigures": ("{ voiceFigures { weeks { week } } }", lambda _t: {}),
    "Query.anonymousIssue": (
        "query($id: ID!, $key: String!) { anonymousIssue(issueId: $id, followUpKey: $key) { id } }",
        lambda t: {"id": t["anon"], "key": t["key"]},
    ),
    "Query.issue": ("query($id: ID!) { issue(id: $id) { id } }", lambda t: {"id": t["issue"]}),
    "Query.departmentQueue": (
        "query($d: String!) { departmentQueue(department: $d) { issues { id } } }",
        lambda t: {"d": t["department"]},
    ),
}


def voice_inside(targets: dict[str, Any], role: str, reach: str | None) -> dict[str, Any]:
    if reach in ("department", "any"):
        return targets[reach]
    return targets["inside"].get(role, targets["any"])


def voice_outside(targets: dict[str, Any], reach: str | None) -> list[dict[str, Any]]:
    if reach in ("self", "department"):
        return [targets[f"outside-{reach}"]]
    return [] if reach == "any" else [targets["any"]]


def test_the_voice_matrix_lists_every_voice_query() -> None:
    assert {f for f in VOICE if f.startswith("Query.")} == set(VOICE_QUERIES)


@pytest.mark.parametrize("field", sorted(VOICE_QUERIES))
def test_each_role_reads_a_voice_field_only_within_its_scope(
    platform: Platform, voice_targets: dict[str, Any], field: str
) -> None:
    query, variables_of = VOICE_QUERIES[field]
    for role in CALLERS:
        reach = MATRIX[field].get(role)
        inside = as_role(
            platform, role, query, variables_of(voice_inside(voice_targets, role, reach))
        )
        assert ("FORBIDDEN" not in codes(inside)) == (reach is not None), (field, role, inside)
        assert "errors" not in inside or reach is None, (field, role, inside)
        if field in ("Query.myIssues",):
            continue  # always the caller's own
        for target in voice_outside(voice_targets, reach) if reach else []:
            outside = as_role(platform, role, query, variables_of(target))
            assert codes(outside) == {"FORBIDDEN"}, (field, role, target, outside)


def voice_mutation_input(
    field: str, role: str, department: str, bus: Any
) -> tuple[dict[str, Any], bool]:
    """A valid input of ``field`` on a fresh issue held by ``department``; whether it goes by key."""
    base = {"commandId": new_id("cmd")}
    if field == "Mutation.publishDepartment":
        return {
            **base,
            "departmentId": new_id("dept"),
            "name": "Payroll",
            "scope": "Payslips",
            "contactEmail": "payroll@aerie.example",
            "replyWithin": {"urgent": 60, "high": 120, "normal": 480, "low": 960},
        }, False
    if field in ("Mutation.acceptReply", "Mutation.rejectReply", "Mutation.commentOnIssue"):
        by_key = role not in PEOPLE
        author = MATE if by_key else CALLERS[role]["subject"]
        issue_id, key = voice_issue(bus, author, department, replied=True, anonymous=by_key)
        extra = {"followUpKey": key} if by_key else {}
        if field == "Mutation.rejectReply":
            return {**base, "issueId": issue_id, "reason": "Not solved", **extra}, by_key
        if field == "Mutation.commentOnIssue":
            return {**base, "issueId": issue_id, "text": "Again today", **extra}, by_key
        return {**base, "issueId": issue_id, **extra}, by_key
    if field == "Mutation.escalateIssue":
        past = "2026-01-05T09:00:00+00:00"
        issue_id, _ = voice_issue(bus, MATE, department, occurred_at=past)
        return {**base, "issueId": issue_id, "reason": "overdue"}, False
    kind = "suggestion" if field == "Mutation.adoptSuggestion" else "issue"
    replied = field in ("Mutation.adoptSuggestion", "Mutation.resolveIssue")
    issue_id, _ = voice_issue(bus, MATE, department, replied=replied, kind=kind)
    if field == "Mutation.resolveIssue":
        bus.handle(
            ISSUE_ACCEPTED,
            command_id=new_id("accept"),
            actor={"kind": "person", "id": MATE},
            data={"issue_id": issue_id},
        )
        return {**base, "issueId": issue_id}, False
    given = {
        "Mutation.reassignIssue": {"toDepartment": "quality", "reason": "Call scoring"},
        "Mutation.reprioritiseIssue": {"priority": "high", "reason": "Affects a team"},
        "Mutation.replyToIssue": {"text": "Fixed"},
        "Mutation.linkIssue": {"representativeIssueId": voice_issue(bus, MATE, department)[0]},
        "Mutation.adoptSuggestion": {"adoptedOn": "2026-02-01"},
    }[field]
    return {**base, "issueId": issue_id, **given}, False


@pytest.mark.parametrize("field", sorted(f for f in VOICE if f.startswith("Mutation.")))
def test_each_role_records_a_voice_event_only_within_its_scope_and_a_refusal_stores_nothing(
    platform: Platform, bus: Any, database_url: str, field: str
) -> None:
    for role in CALLERS:
        reach = MATRIX[field].get(role)
        cases = [("hr" if reach == "department" else "it", reach is not None)]
        if reach == "department":
            cases.append(("it", False))
        for department, allowed in cases:
            given, by_key = voice_mutation_input(field, role, department, bus)
            result = run_mutation(platform, role, field, given)
            if allowed:
                assert "errors" not in result, (field, role, department, result)
                assert by_key or recorded(database_url, given), (field, role)
            else:
                assert codes(result) == {"FORBIDDEN"}, (field, role, department, result)
                assert not recorded(database_url, given), (field, role)


def test_only_the_author_accepts_a_reply_by_name(platform: Platform, bus: Any) -> None:
    issue_id, _ = voice_issue(bus, AGENT, replied=True)
    given = {"commandId": new_id("cmd"), "issueId": issue_id}
    refused = run_mutation(platform, "team_lead", "Mutation.acceptReply", given)
    assert codes(refused) == {"NOT_THE_AUTHOR"}
