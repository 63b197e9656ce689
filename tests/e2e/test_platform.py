"""The whole platform as processes: gateway -> store -> relay -> Kafka -> worker -> query."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT
from aerie_events.catalog.performance import CHICK_GRADUATED
from aerie_events.catalog.voice import ISSUE_RAISED

from tests.conftest import Platform, new_id, token_for, wait_until
from tests.growth_support import STEADY, kpi_days, passed, step

PROMOTED_ON = dt.date(2026, 3, 10)

PROFILE = """query($id: ID!) { employee(id: $id) { id siteId starLevel trainingsPassedCount
  openIssueCount couponsGranted { count totalAmount }
  trainingsPassed { courseId } } }"""


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, side) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "e2e").run_parts("relay", "worker", "gateway")
    yield running
    running.stop()


def mutate(platform: Platform, name: str, fields: dict) -> dict:
    query = f"mutation($input: {name[0].upper() + name[1:]}Input!) {{ {name}(input: $input) {{ eventId type duplicate }} }}"
    return platform.graphql(query, {"input": fields})


def profile(platform: Platform, employee: str) -> dict | None:
    return platform.graphql(PROFILE, {"id": employee})["data"]["employee"]


def test_the_five_core_events_show_in_the_unified_view(platform: Platform, bus: Any) -> None:
    e = new_id()
    hired = mutate(
        platform,
        "hireEmployee",
        {
            "commandId": f"h-{e}",
            "employeeId": e,
            "siteId": "site-e2e",
            "teamId": "t1",
            "displayName": "Zhao Min",
            "hiredOn": "2026-01-05",
        },
    )
    assert hired["data"]["hireEmployee"]["type"] == EMPLOYEE_HIRED
    mutate(
        platform,
        "passTraining",
        {
            "commandId": f"t-{e}",
            "employeeId": e,
            "courseId": "C-EMPATHY",
            "courseTitle": "Empathy",
            "score": 88,
            "passMark": 60,
            "passedOn": "2026-01-10",
        },
    )
    bus.handle_many(  # what the ladder policy reads before two stars: courses, four weeks of KPIs
        [
            passed(e, "C-ONBOARD", dt.date(2026, 1, 12)),
            *kpi_days(e, dt.date(2026, 2, 6), PROMOTED_ON - dt.timedelta(days=1), STEADY),
            step(CHICK_GRADUATED, e, dt.date(2026, 3, 1)),
        ],
        channel="test",
    )
    mutate(
        platform,
        "promoteStar",
        {
            "commandId": f"p-{e}",
            "employeeId": e,
            "toStar": 2,
            "reason": "review",
            "promotedOn": PROMOTED_ON.isoformat(),
        },
    )
    platform.graphql(  # only the employee themselves raises an issue in their name
        "mutation($input: RaiseIssueInput!) { raiseIssue(input: $input) { eventId } }",
        {
            "input": {
                "commandId": f"i-{e}",
                "employeeId": e,
                "issueId": f"I-{e}",
                "department": "it",
                "title": "Headset",
                "description": "Cuts out",
            }
        },
        token=token_for("agent", e, site="site-e2e", team="t1"),
    )
    mutate(
        platform,
        "grantCoupon",
        {
            "commandId": f"k-{e}",
            "employeeId": e,
            "couponId": f"K-{e}",
            "customerRef": "cust-1",
            "scenario": "late_arrival",
            "amount": "30",
        },
    )

    def complete() -> dict | None:
        view = profile(platform, e)
        shown = view and view["couponsGranted"]["count"] and view["openIssueCount"]
        return view if shown and view["starLevel"] == 2 else None  # the promotion follows KPI days

    view = wait_until(complete, 30, "the events did not reach the view")
    assert view["siteId"] == "site-e2e"
    assert view["starLevel"] == 2
    assert view["trainingsPassed"] == [{"courseId": "C-EMPATHY"}, {"courseId": "C-ONBOARD"}]
    assert view["couponsGranted"] == {"count": 1, "totalAmount": "30.00"}


def test_bad_input_gets_a_coded_error_naming_the_field_and_stores_nothing(
    platform: Platform,
) -> None:
    result = mutate(
        platform,
        "passTraining",
        {
            "commandId": "bad-1",
            "employeeId": "NOBODY",
            "courseId": "C",
            "courseTitle": "t",
            "score": 70,
            "passMark": 60,
            "passedOn": "2026-02-30",
        },
    )
    error = result["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == "input.passedOn"
    assert "YYYY-MM-DD" in error["extensions"]["allowed"]
    assert "Traceback" not in str(result)


def test_an_unknown_employee_gets_a_coded_error(platform: Platform) -> None:
    result = mutate(
        platform,
        "passTraining",
        {
            "commandId": "bad-2",
            "employeeId": "NOBODY",
            "courseId": "C",
            "courseTitle": "t",
            "score": 70,
            "passMark": 60,
            "passedOn": "2026-02-03",
        },
    )
    assert result["errors"][0]["extensions"]["code"] == "UNKNOWN_EMPLOYEE"


def test_an_unknown_event_type_or_extra_field_is_refused(platform: Platform) -> None:
    query = "mutation($i: PublishEventInput!) { publishEvent(input: $i) { eventId } }"
    command_id = new_id("unknown-type")
    unknown = platform.graphql(
        query,
        {
            "i": {
                "type": "star.exploded",
                "commandId": command_id,
                "employeeId": "E-1",
                "payload": {"stars": 9},
            }
        },
    )
    (error,) = unknown["errors"]
    assert error["extensions"]["code"] == "UNKNOWN_EVENT_TYPE"
    assert error["extensions"]["field"] == "input.type"
    with psycopg.connect(platform.database_url) as conn:  # kept, like any refused input
        letters = conn.execute(
            "SELECT source, kind, code, reason, input FROM aerie_dead_letters "
            "WHERE input->>'command_id' = %s",
            (command_id,),
        ).fetchall()
    assert [(s, k, c) for s, k, c, _r, _i in letters] == [
        ("graphql", "star.exploded", "UNKNOWN_EVENT_TYPE")
    ]
    assert "'star.exploded' is not a known event type" in letters[0][3]
    assert letters[0][4]["data"] == {"stars": 9}
    extra = mutate(
        platform,
        "promoteStar",
        {
            "commandId": "y",
            "employeeId": "E-1",
            "toStar": 2,
            "reason": "r",
            "promotedOn": "2026-02-01",
            "bonus": 1,
        },
    )
    assert extra["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "bonus" in extra["errors"][0]["message"]


def test_employees_are_paged_with_a_bounded_page_size(platform: Platform, bus) -> None:
    from tests.conftest import hire

    site = new_id("site")
    for n in range(3):
        hire(bus, f"{site}-{n}", site_id=site)
    query = "query($s: ID!, $f: Int!, $a: String) { employees(siteId: $s, first: $f, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    wait_until(
        lambda: (
            len(platform.graphql(query, {"s": site, "f": 100})["data"]["employees"]["edges"]) == 3
        ),
        30,
        "hires not projected",
    )
    first = platform.graphql(query, {"s": site, "f": 2})["data"]["employees"]
    second = platform.graphql(query, {"s": site, "f": 2, "a": first["pageInfo"]["endCursor"]})[
        "data"
    ]["employees"]
    ids = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert ids == [f"{site}-{n}" for n in range(3)]
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]
    too_big = platform.graphql(query, {"s": site, "f": 1000})
    assert too_big["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


def test_replay_rebuilds_read_models_identical_to_the_live_ones(
    platform: Platform, side, database_url
) -> None:
    from aerie_platform.compose import projections
    from aerie_platform.replay import compare, rebuild

    wait_until(lambda: caught_up(database_url), 30, "the projection did not catch up")
    rebuild(database_url, side, projections(), "aerie_read_verify")
    assert compare(database_url, projections(), "aerie_read_verify") == {}


def caught_up(database_url: str, projection: str = "profile") -> bool:
    """True when everything stored was relayed and the projection applied all of it."""
    from aerie_platform.compose import projections

    contexts = next(p for p in projections() if p.name == projection).contexts()
    with psycopg.connect(database_url) as conn:
        for context in contexts:
            stored = conn.execute(f"SELECT max(notification_id) FROM {context}_events").fetchone()
            relayed = conn.execute(
                "SELECT position FROM aerie_relay_position WHERE source = %s", (context,)
            ).fetchone()
            if (stored[0] or 0) > (relayed[0] if relayed else 0):
                return False  # the relay has not sent everything stored yet
        return not conn.execute(
            "SELECT 1 FROM aerie_relay_partition r LEFT JOIN aerie_projection_tracking p "
            "ON p.projection = %s AND p.topic = r.topic AND p.partition = r.partition "
            "WHERE split_part(r.topic, '.', 2) = ANY(%s) AND r.seq > coalesce(p.seq, 0)",
            (projection, contexts),
        ).fetchone()


def test_an_oversized_request_is_refused_with_a_clear_error(platform: Platform) -> None:
    """Refused on its declared length, before the body is read."""
    import json
    from http.client import HTTPConnection

    connection = HTTPConnection("127.0.0.1", platform.port, timeout=30)
    connection.putrequest("POST", "/graphql")
    connection.putheader("content-type", "application/json")
    connection.putheader("content-length", str(2_000_000))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    error = json.loads(response.read())["errors"][0]
    assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert error["extensions"]["allowed"] == "at most 1000000 bytes"
    connection.close()


def test_a_wrong_scalar_type_or_huge_number_names_the_problem(platform: Platform) -> None:
    for score, problem in (('"abc"', "non-integer value"), ("99999999999", "32-bit")):
        query = (
            'mutation { passTraining(input: {commandId: "c", employeeId: "E", courseId: "C", '
            f'courseTitle: "T", score: {score}, passMark: 60, passedOn: "2026-01-01"}}) '
            "{ eventId } }"
        )
        error = platform.graphql(query)["errors"][0]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert problem in error["message"]


def test_a_leavers_named_open_issues_are_handed_to_their_team_lead_once(
    platform: Platform, bus, database_url
) -> None:
    from aerie_services.voice.domainmodel import Issue

    from tests.conftest import hire

    team, site = new_id("team"), new_id("site")
    lead, agent = new_id("LEAD"), new_id("AGENT")
    for who, role in ((lead, "team_lead"), (agent, "agent")):
        bus.handle(
            EMPLOYEE_HIRED,
            command_id=f"h-{who}",
            employee_id=who,
            site_id=site,
            data={"display_name": "A", "team_id": team, "role": role, "hired_on": "2026-01-05"},
        )
    named, anonymous = new_id("ISSUE"), new_id("ISSUE")
    for issue, is_anonymous in ((named, False), (anonymous, True)):
        bus.handle(
            ISSUE_RAISED,
            command_id=f"r-{issue}",
            employee_id=agent,
            data={
                "issue_id": issue,
                "department": "it",
                "title": "Headset",
                "description": "Cuts out",
                "anonymous": is_anonymous,
            },
        )
    bus.handle(
        EMPLOYEE_LEFT,
        command_id=f"l-{agent}",
        employee_id=agent,
        data={"left_on": "2026-02-01", "reason": "resigned"},
    )
    query = "query($id: ID!) { employee(id: $id) { status openIssues { issueId holderId } } }"

    def handed_over() -> dict | None:
        view = platform.graphql(query, {"id": agent})["data"]["employee"]
        issues = view["openIssues"] if view else []
        return view if issues and issues[0]["holderId"] == lead else None

    view = wait_until(handed_over, 30, "the leaver's issue was not handed over")
    assert view == {"status": "left", "openIssues": [{"issueId": named, "holderId": lead}]}

    platform.kill("worker")
    platform.start("worker")
    hire(bus, new_id("AFTER"), site_id=site)  # the restarted worker has caught up past this
    wait_until(lambda: caught_up(database_url) and caught_up(database_url, "handover"), 60, "lag")
    with psycopg.connect(database_url) as conn:
        events = conn.execute(
            "SELECT count(*) FROM voice_events WHERE originator_id = %s", (Issue.id_for(named),)
        ).fetchone()[0]
        fired = conn.execute(
            "SELECT fired_at IS NOT NULL FROM aerie_timers WHERE manager = 'handover' "
            "AND timer_key = %s",
            (f"left:{agent}",),
        ).fetchone()[0]
    assert events == 2  # raised, handed over: once
    assert fired


def test_a_single_projection_can_be_rebuilt_and_verified_on_its_own(
    platform: Platform, side, database_url
) -> None:
    from aerie_platform.compose import projections
    from aerie_platform.replay import compare, rebuild

    handover = [p for p in projections() if p.name == "handover"]
    wait_until(lambda: caught_up(database_url, "handover"), 30, "handover did not catch up")
    rebuild(database_url, side, handover, "aerie_read_handover")
    with psycopg.connect(database_url) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'aerie_read_handover'"
            )
        }
    assert tables == {"handover_member", "handover_open_issue"}
    assert compare(database_url, handover, "aerie_read_handover") == {}
