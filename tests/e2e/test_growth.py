"""Growth paths on the whole platform: KPI facts -> energy and boards; the energy and study
managers' decisions; readiness; the growth path; the energy bill (GraphQL and its printable
page in Chromium); the site overview; team regrouping; bad input."""

from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from aerie_events.catalog.learning import (
    ACCEPTANCE_TEST_FAILED,
    QUIZ_SCORED,
    STUDY_LOGGED,
    STUDY_PLAN_STARTED,
)
from aerie_events.catalog.organisation import SITE_OPENED
from aerie_events.catalog.performance import REGROUPING_PROPOSED
from aerie_events.catalog.voice import ISSUE_RAISED, ISSUE_REPLIED, SUGGESTION_ADOPTED

from tests.conftest import Platform, new_id, publish_departments, token_for, wait_until
from tests.e2e.test_graphiql import CHROMIUM, CHROMIUM_ARGS
from tests.growth_support import (
    POOR,
    PROMOTED_ON,
    STEADY,
    STRONG,
    hired,
    kpi_days,
    ready_for_demotion,
)

SITE, TEAM, OTHER_TEAM = "site-grow", "grow-1", "grow-2"
RUN = new_id("G")
TIED_A, TIED_B, BEST = f"{RUN}-a", f"{RUN}-b", f"{RUN}-c"
SLUMPING, SHINING, DEMOTED, STUDENT = f"{RUN}-low", f"{RUN}-high", f"{RUN}-down", f"{RUN}-home"
IDEA = f"{RUN}-idea"
BOARD_DAY = dt.date(2026, 8, 3)
WEEK = dt.date(2026, 7, 6)  # a Monday
WAIT = 90


def week_of_facts(employee: str, values: dict[str, Any], monday: dt.date = WEEK) -> list[Any]:
    """Monday to Friday of one week, then the Monday after (the fact that has the week assessed)."""
    days = kpi_days(employee, monday, monday + dt.timedelta(days=4), values)
    return days + kpi_days(
        employee, monday + dt.timedelta(days=7), monday + dt.timedelta(days=7), STEADY
    )


def history(bus: Any) -> None:
    bus.handle(
        SITE_OPENED,
        command_id=f"open-{SITE}-{RUN}",
        data={
            "site_id": SITE,
            "name": "Growth",
            "time_zone": "Asia/Shanghai",
            "opened_on": "2020-01-01",
        },
    )
    hires = [
        hired(e, SITE, TEAM, dt.date(2025, 1, 6))
        for e in (TIED_A, TIED_B, BEST, SLUMPING, SHINING, STUDENT)
    ]
    bus.handle_many(hires, channel="test")
    board = [
        *kpi_days(TIED_A, BOARD_DAY, BOARD_DAY, {**STEADY, "customer_satisfaction": "4.50"}),
        *kpi_days(TIED_B, BOARD_DAY, BOARD_DAY, {**STEADY, "customer_satisfaction": "4.50"}),
        *kpi_days(BEST, BOARD_DAY, BOARD_DAY, {**STEADY, "customer_satisfaction": "4.80"}),
    ]
    very_low = {**POOR, "customer_satisfaction": "3.00"}
    bus.handle_many(
        [*board, *week_of_facts(SLUMPING, very_low), *week_of_facts(SHINING, STRONG)],
        channel="test",
    )
    ready_for_demotion(bus, DEMOTED, SITE, OTHER_TEAM)
    demoted_on = PROMOTED_ON + dt.timedelta(days=28)
    bus.handle_many(
        kpi_days(DEMOTED, demoted_on, demoted_on, POOR), channel="test"
    )  # has the last week assessed
    study_days = [dt.date(2026, 7, 20) + dt.timedelta(days=n) for n in range(3)]
    plan = {
        "first_day": "2026-07-20",
        "last_day": "2026-07-22",
        "required_minutes": 30,
        "reason": "working from home",
    }
    learning = [
        (
            STUDY_PLAN_STARTED,
            {"command_id": f"plan-{STUDENT}", "employee_id": STUDENT, "data": plan},
        )
    ]
    for day, minutes in zip(study_days, (40, 10, 45), strict=True):
        learning.append(
            (
                STUDY_LOGGED,
                {
                    "command_id": f"s-{STUDENT}-{day}",
                    "employee_id": STUDENT,
                    "data": {"day": day.isoformat(), "minutes": minutes, "course_id": "C-HOME"},
                },
            )
        )
        quiz = {"quiz_id": f"q-{day}", "course_id": "C-HOME", "day": day.isoformat(), "score": 80}
        learning.append(
            (
                QUIZ_SCORED,
                {"command_id": f"q-{STUDENT}-{day}", "employee_id": STUDENT, "data": quiz},
            )
        )
    bus.handle_many(learning, channel="test")
    publish_departments(bus)
    suggestion = {
        "issue_id": IDEA,
        "kind": "suggestion",
        "department": "hr",
        "title": "Quiet room",
        "description": "A room for the breaks.",
        "anonymous": False,
    }
    bus.handle(ISSUE_RAISED, command_id=f"raise-{IDEA}", employee_id=SHINING, data=suggestion)
    reply = {"issue_id": IDEA, "text": "Good idea", "visibility": "private"}
    bus.handle(ISSUE_REPLIED, command_id=f"reply-{IDEA}", data=reply)
    adopted = {"issue_id": IDEA, "adopted_on": "2026-07-15"}
    bus.handle(SUGGESTION_ADOPTED, command_id=f"adopt-{IDEA}", data=adopted)


@pytest.fixture(scope="module")
def platform(database_url: str, broker: Any, workdir: Any, bus: Any) -> Iterator[Platform]:
    history(bus)
    running = Platform(database_url, broker, workdir, "growth").run_parts(
        "relay", "worker", "gateway"
    )
    yield running
    running.stop()


def ask(
    platform: Platform,
    query: str,
    variables: dict[str, Any] | None = None,
    role: str = "admin",
    **claims: str,
) -> dict[str, Any]:
    answer = platform.graphql(query, variables or {}, token=token_for(role, **claims))
    assert "errors" not in answer, answer
    return answer["data"]


def eventually(
    platform: Platform, query: str, variables: dict[str, Any], check: Any, what: str
) -> dict[str, Any]:
    """The query's data once ``check`` holds (a field still null has not arrived yet)."""

    def arrived() -> dict[str, Any] | None:
        data = ask(platform, query, variables)
        try:
            return data if check(data) else None
        except TypeError:  # a field still null
            return None

    return wait_until(arrived, WAIT, what)


BOARD = """query($site: ID!, $team: ID, $metric: BoardMetric!, $day: Date) {
  leaderboard(siteId: $site, teamId: $team, metric: $metric, day: $day) {
    day higherIsBetter entries { rank employeeId value } } }"""


def test_a_days_board_ranks_each_kpi_with_ties_sharing_a_rank(platform: Platform) -> None:
    variables = {
        "site": SITE,
        "team": TEAM,
        "metric": "CUSTOMER_SATISFACTION",
        "day": BOARD_DAY.isoformat(),
    }
    board = eventually(
        platform, BOARD, variables, lambda d: len(d["leaderboard"]["entries"]) == 3, "no board"
    )
    entries = [(e["rank"], e["employeeId"], e["value"]) for e in board["leaderboard"]["entries"]]
    assert entries == [(1, BEST, "4.80"), (2, TIED_A, "4.50"), (2, TIED_B, "4.50")]
    handling = ask(platform, BOARD, {**variables, "metric": "AVERAGE_HANDLING_SECONDS"})[
        "leaderboard"
    ]
    assert handling["higherIsBetter"] is False
    assert {e["rank"] for e in handling["entries"]} == {1}  # all handled calls in 320 s


def test_without_a_day_the_board_is_the_sites_latest_day_with_facts(platform: Platform) -> None:
    eventually(
        platform,
        BOARD,
        {"site": SITE, "metric": "ENERGY", "day": BOARD_DAY.isoformat()},
        lambda d: d["leaderboard"]["entries"],
        "no board",
    )
    latest = ask(platform, BOARD, {"site": SITE, "metric": "ENERGY"})["leaderboard"]
    assert latest["day"] == BOARD_DAY.isoformat()  # no fact of the site is later


ENERGY = """query($id: ID!, $from: Date, $to: Date) { energy(employeeId: $id, from: $from, to: $to) {
  average days { day energy policyVersion }
  decisions { kind windowStart windowEnd kpiDays energy rewardAmount level days acceptanceTest
              orderId startsOn endsOn policyVersion } } }"""


def test_overflowing_energy_is_rewarded_in_proportion_with_its_window_and_policy(
    platform: Platform,
) -> None:
    variables = {"id": SHINING, "from": "2026-07-01", "to": "2026-07-31"}
    energy = eventually(
        platform, ENERGY, variables, lambda d: d["energy"]["decisions"], "no reward"
    )["energy"]
    [reward] = energy["decisions"]
    assert (reward["kind"], reward["windowStart"], reward["windowEnd"], reward["kpiDays"]) == (
        "reward",
        "2026-07-06",
        "2026-07-12",
        5,
    )
    overflow = float(reward["energy"]) - 100
    assert float(reward["rewardAmount"]) == pytest.approx(overflow * 5, abs=0.01)
    assert reward["policyVersion"] == "energy/2026-01"
    assert {d["policyVersion"] for d in energy["days"]} == {"energy/2026-01"}


READINESS = """query($id: ID!, $asOf: Date) { readiness(employeeId: $id, asOf: $asOf) {
  ready reasons { kind reason } } }"""


def test_very_low_energy_orders_a_week_off_post_and_a_failed_acceptance_test_repositions(
    platform: Platform,
) -> None:
    variables = {"id": SLUMPING, "from": "2026-07-01", "to": "2026-07-31"}
    energy = eventually(
        platform, ENERGY, variables, lambda d: d["energy"]["decisions"], "no order"
    )["energy"]
    [order] = energy["decisions"]
    assert (order["kind"], order["level"], order["days"], order["acceptanceTest"]) == (
        "offpost_training",
        "very_low",
        7,
        True,
    )
    assert (order["startsOn"], order["endsOn"]) == ("2026-07-13", "2026-07-19")
    during = ask(platform, READINESS, {"id": SLUMPING, "asOf": "2026-07-15"})["readiness"]
    assert during == {
        "ready": False,
        "reasons": [
            {
                "kind": "offpost_training",
                "reason": "off-post training from 2026-07-13 to 2026-07-19",
            }
        ],
    }
    failed = ask(
        platform,
        "mutation($i: AcceptanceTestInput!) { failAcceptanceTest(input: $i) { type } }",
        {
            "i": {
                "commandId": new_id("t"),
                "employeeId": SLUMPING,
                "orderId": order["orderId"],
                "score": 41,
                "passMark": 60,
                "takenOn": "2026-07-20",
            }
        },
    )
    assert failed["failAcceptanceTest"]["type"] == ACCEPTANCE_TEST_FAILED
    path = eventually(
        platform,
        "query($id: ID!) { growthPath(employeeId: $id) { post history { kind reason "
        "policyVersion } } }",
        {"id": SLUMPING},
        lambda d: d["growthPath"]["post"],
        "not re-positioned",
    )["growthPath"]
    assert path["post"] == "back_office"
    assert path["history"][-1] == {
        "kind": "repositioned",
        "reason": "failed the acceptance test on 2026-07-20 with 41 "
        "(off-post training for the week of 2026-07-06)",
        "policyVersion": "energy/2026-01",  # the energy policy that ordered the training
    }
    after = ask(platform, READINESS, {"id": SLUMPING})["readiness"]
    assert not after["ready"] and [r["kind"] for r in after["reasons"]] == ["repositioned"]


PATH = """query($id: ID!) { growthPath(employeeId: $id) { stage star track
  history { kind occurredOn before after reason policyVersion criteria { key met } }
  progress { step met policyVersion criteria { key required actual met } } } }"""


def test_sustained_low_performance_demotes_one_star_and_the_path_shows_why(
    platform: Platform,
) -> None:
    path = eventually(
        platform, PATH, {"id": DEMOTED}, lambda d: d["growthPath"]["star"] == 1, "no demotion"
    )["growthPath"]
    ladder = [
        c["kind"]
        for c in path["history"]
        if c["kind"] in ("hired", "graduated", "promoted", "demoted")
    ]
    assert ladder == ["hired", "graduated", "promoted", "demoted"]
    demotion = next(c for c in path["history"] if c["kind"] == "demoted")
    assert (demotion["before"], demotion["after"], demotion["occurredOn"]) == (
        "2",
        "1",
        "2026-06-29",
    )
    assert demotion["reason"].startswith("sustained low performance: average energy")
    assert demotion["policyVersion"] == "ladder/2026-01" and all(
        c["met"] for c in demotion["criteria"]
    )
    [step] = path["progress"]
    assert step["step"] == "promote:2" and not step["met"]
    energy = next(c for c in step["criteria"] if c["key"] == "average:energy")
    assert energy["required"] == "at least 75.00" and not energy["met"]
    profile = ask(platform, "query($id: ID!) { employee(id: $id) { starLevel } }", {"id": DEMOTED})
    assert profile["employee"]["starLevel"] == 1  # the unified view follows demotions too


def test_a_missed_study_day_needs_a_make_up_exam_before_calls(platform: Platform) -> None:
    variables = {"id": STUDENT, "asOf": "2026-07-23"}
    missed = eventually(
        platform,
        READINESS,
        variables,
        lambda d: d["readiness"] and not d["readiness"]["ready"],
        "no missed day",
    )["readiness"]
    assert missed["reasons"] == [
        {
            "kind": "makeup_exam",
            "reason": "missed the required study of 2026-07-21 (studied 10 of 30 minutes): make-up exam pending",
        }
    ]
    exam = {
        "commandId": new_id("m"),
        "employeeId": STUDENT,
        "score": 75,
        "passMark": 60,
        "takenOn": "2026-07-23",
    }
    ask(
        platform,
        "mutation($i: MakeupExamInput!) { passMakeupExam(input: $i) { type } }",
        {"i": exam},
    )
    eventually(platform, READINESS, variables, lambda d: d["readiness"]["ready"], "still not ready")


def test_the_energy_bill_is_served_as_graphql_and_as_a_printable_page(platform: Platform) -> None:
    from playwright.sync_api import sync_playwright

    query = """query($id: ID!) { annualStatement(employeeId: $id, year: 2026) {
      starsGained starsLost graduated trainingsPassed rewards offpostTrainings energyTrend
      issuesRaised couponsGranted energyByMonth { month days } printableUrl } }"""
    statement = eventually(
        platform,
        query,
        {"id": DEMOTED},
        lambda d: d["annualStatement"]["starsLost"] == 1,
        "no bill",
    )["annualStatement"]
    assert (statement["starsGained"], statement["starsLost"], statement["graduated"]) == (
        1,
        1,
        True,
    )
    assert statement["trainingsPassed"] == 2
    assert [m["month"] for m in statement["energyByMonth"]] == [4, 5, 6]
    assert statement["energyTrend"] == "falling"
    url = f"http://127.0.0.1:{platform.port}{statement['printableUrl']}"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            assert page.goto(url).status == 200
            assert page.title() == "Energy bill 2026: Agent"
            assert "Stars lost" in page.inner_text("#figures")
            assert page.locator("#changes tr").count() >= 4
        finally:
            browser.close()
    assert_the_link_opens_only_the_page_it_was_signed_for(platform, url)
    assert_a_token_opens_the_page_only_within_its_scope(platform, url)


def status_of(url: str, token: str | None = None) -> int:
    """The HTTP status the gateway answers ``url`` with."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10):
            return 200
    except urllib.error.HTTPError as refused:
        return refused.code


def assert_the_link_opens_only_the_page_it_was_signed_for(platform: Platform, url: str) -> None:
    from aerie_gateway.links import signed
    from aerie_platform.compose import link_key

    base, query = url.split("?")
    signature = dict(p.split("=") for p in query.split("&"))["sig"]
    made_at, mac = signature.split(".")
    assert status_of(url.replace(f"sig={made_at}.", f"sig={made_at}.0")) == 401  # forged
    assert status_of(base) == 401  # no link and no bearer token
    assert status_of(url.replace(DEMOTED, SHINING)) == 401  # someone else's page
    assert status_of(url.replace("/2026", "/2025")) == 401  # another year
    key = link_key(platform.database_url)
    path = base.split(str(platform.port), 1)[1]
    lapsed = signed(key, path, {}, now=time.time() - 10 * 86400).url
    assert status_of(f"http://127.0.0.1:{platform.port}{lapsed}") == 401  # expired
    later = signed(key, path, {}, now=time.time() + 60).url.split("sig=")[1].split(".")[0]
    assert status_of(f"{base}?sig={later}.{mac}") == 401  # a later time written in


def assert_a_token_opens_the_page_only_within_its_scope(platform: Platform, url: str) -> None:
    base = url.split("?")[0]
    own = token_for("agent", subject=DEMOTED, site=SITE, team=OTHER_TEAM)
    mate = token_for("agent", subject=SHINING, site=SITE, team=TEAM)
    lead = token_for("team_lead", subject="L-grow", site=SITE, team=OTHER_TEAM)
    other_lead = token_for("team_lead", subject="L-grow-1", site=SITE, team=TEAM)
    analyst = token_for("analyst", subject="A-grow")
    assert (status_of(base, own), status_of(base, lead)) == (200, 200)
    assert (status_of(base, mate), status_of(base, other_lead)) == (403, 403)
    assert status_of(base, analyst) == 403  # aggregates only


OVERVIEW = """query($site: ID, $from: Date, $to: Date) { siteOverview(siteId: $site, from: $from, to: $to) {
  siteId figures { headcount ready promotions demotions graduations averageEnergy
  byStage { level headcount } byStar { level headcount } }
  teams { teamId headcount figures { headcount } } } }"""


def test_an_analyst_counts_a_sites_agents_by_stage_and_star_in_one_query(
    platform: Platform,
) -> None:
    variables = {"site": SITE, "from": "2026-04-01", "to": "2026-07-31"}
    eventually(
        platform, PATH, {"id": DEMOTED}, lambda d: d["growthPath"]["star"] == 1, "no demotion"
    )
    answer = platform.graphql(OVERVIEW, variables, token=token_for("analyst", subject="A-1"))
    [site] = answer["data"]["siteOverview"]
    figures = site["figures"]
    assert figures["headcount"] == 7
    assert (figures["promotions"], figures["demotions"], figures["graduations"]) == (1, 1, 1)
    assert {s["level"]: s["headcount"] for s in figures["byStage"]}["chick"] == 6
    assert sum(s["headcount"] for s in figures["byStar"]) == 7
    assert figures["averageEnergy"] is None  # 3 agents with KPI facts: under the threshold of 5
    teams = {t["teamId"]: t for t in site["teams"]}
    assert (teams[TEAM]["headcount"], teams[OTHER_TEAM]["headcount"]) == (6, 1)
    # a team of one is withheld, and so is the other: the site minus it would be that one
    assert teams[TEAM]["figures"] is None and teams[OTHER_TEAM]["figures"] is None
    agent = platform.graphql(
        OVERVIEW, variables, token=token_for("agent", subject=TIED_A, site=SITE, team=TEAM)
    )
    assert agent["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_regrouping_proposes_balanced_teams_and_accepting_records_each_transfer(
    platform: Platform,
) -> None:
    manager = {"subject": "M-grow", "site": SITE}
    propose = """mutation($i: ProposeRegroupingInput!) { proposeRegrouping(input: $i) {
      result { type } proposal { proposalId optimal sizeSpread starTotalSpread moves
      teams { teamId size } assignments { employeeId toTeamId } } } }"""
    eventually(
        platform, READINESS, {"id": TIED_A}, lambda d: d["readiness"]["ready"], "not projected"
    )
    proposed = ask(
        platform,
        propose,
        {"i": {"commandId": new_id("rg"), "siteId": SITE, "teamCount": 2}},
        "site_manager",
        **manager,
    )
    proposal = proposed["proposeRegrouping"]["proposal"]
    assert proposed["proposeRegrouping"]["result"]["type"] == REGROUPING_PROPOSED
    assert proposal["optimal"] and proposal["sizeSpread"] <= 1
    available = {a["employeeId"] for a in proposal["assignments"]}
    assert SLUMPING not in available and DEMOTED not in available  # not ready for calls
    accept = """mutation($i: AcceptRegroupingInput!) { acceptRegrouping(input: $i) {
      result { type } transfers { employeeId toTeamId eventId code } } }"""
    given = {
        "commandId": new_id("acc"),
        "proposalId": proposal["proposalId"],
        "acceptedOn": "2026-08-10",
    }
    accepted = ask(platform, accept, {"i": given}, "site_manager", **manager)["acceptRegrouping"]
    moved = {a["employeeId"]: a["toTeamId"] for a in proposal["assignments"]}
    assert len(accepted["transfers"]) == proposal["moves"]
    assert all(
        t["eventId"] and t["code"] is None and moved[t["employeeId"]] == t["toTeamId"]
        for t in accepted["transfers"]
    )
    again = ask(platform, accept, {"i": given}, "site_manager", **manager)["acceptRegrouping"]
    assert [t["eventId"] for t in again["transfers"]] == [
        t["eventId"] for t in accepted["transfers"]
    ]


KPI = "mutation($i: RecordKpiInput!) { recordKpi(input: $i) { type } }"


def kpi_input(employee: str, day: str, **changes: Any) -> dict[str, Any]:
    return {
        "commandId": new_id("k"),
        "employeeId": employee,
        "day": day,
        "callsAnswered": 60,
        "averageHandlingSeconds": 300,
        "firstContactResolution": "85.5",
        "customerSatisfaction": "4.4",
        "qaScore": "88",
        "attendance": "97",
        **changes,
    }


def test_a_kpi_out_of_range_in_the_future_or_of_nobody_is_refused_with_the_reason(
    platform: Platform,
) -> None:
    bad = platform.graphql(
        KPI, {"i": kpi_input(TIED_A, "2026-08-04", callsAnswered=-1, customerSatisfaction="5.5")}
    )
    error = bad["errors"][0]["extensions"]
    assert error["code"] == "INVALID_INPUT"
    assert {p["field"] for p in error["problems"]} == {
        "input.callsAnswered",
        "input.customerSatisfaction",
    }
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date() + dt.timedelta(days=1)
    future = platform.graphql(KPI, {"i": kpi_input(TIED_A, tomorrow.isoformat())})
    assert future["errors"][0]["extensions"]["code"] == "DATE_IN_FUTURE"
    assert "Asia/Shanghai" in future["errors"][0]["message"]
    nobody = platform.graphql(KPI, {"i": kpi_input(f"{RUN}-nobody", "2026-08-04")})
    assert nobody["errors"][0]["extensions"]["code"] == "UNKNOWN_EMPLOYEE"


def test_a_promotion_not_meeting_the_policy_names_each_unmet_criterion(platform: Platform) -> None:
    promote = "mutation($i: PromoteStarInput!) { promoteStar(input: $i) { type } }"
    given = {
        "commandId": new_id("p"),
        "employeeId": TIED_A,
        "toStar": 2,
        "reason": "r",
        "promotedOn": "2026-08-04",
    }
    refused = platform.graphql(promote, {"i": given})["errors"][0]
    assert refused["extensions"]["code"] == "NOT_A_LADDER_STEP"  # a chick graduates first
    graduate = "mutation($i: GraduateChickInput!) { graduateChick(input: $i) { type } }"
    given = {
        "commandId": new_id("g"),
        "employeeId": TIED_A,
        "reason": "r",
        "graduatedOn": "2026-08-03",
    }
    refused = platform.graphql(graduate, {"i": given})["errors"][0]
    assert refused["extensions"]["code"] == "CRITERIA_UNMET"
    problems = {p["problem"]: p["allowed"] for p in refused["extensions"]["problems"]}
    assert problems["course C-ONBOARD passed: not passed"] == "passed"
    assert (
        problems["days with KPI facts from 2026-07-06 to 2026-08-02: 0 days"] == "at least 10 days"
    )


def test_an_adopted_suggestion_shows_on_its_authors_path_and_in_their_year(
    platform: Platform,
) -> None:
    path = eventually(
        platform,
        "query($id: ID!) { growthPath(employeeId: $id) { history { kind occurredOn after reason } } }",
        {"id": SHINING},
        lambda d: any(c["kind"] == "suggestion_adopted" for c in d["growthPath"]["history"]),
        "the adopted suggestion is not on the path",
    )["growthPath"]
    adopted = next(c for c in path["history"] if c["kind"] == "suggestion_adopted")
    assert adopted == {
        "kind": "suggestion_adopted",
        "occurredOn": "2026-07-15",
        "after": IDEA,
        "reason": f"suggestion {IDEA} adopted",
    }
    year = ask(
        platform,
        "query($id: ID!) { annualStatement(employeeId: $id, year: 2026) { issuesRaised issuesResolved suggestionsAdopted } }",
        {"id": SHINING},
    )["annualStatement"]
    assert year == {"issuesRaised": 1, "issuesResolved": 0, "suggestionsAdopted": 1}
