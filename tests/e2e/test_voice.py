"""The opinion platform end to end: routing emails, deadlines, the loop, the board, anonymity.

One running platform (relay, worker, gateway) with a local SMTP server
(aiosmtpd) that keeps what arrives, and anonymous events released every
``WINDOW`` seconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.people import EMPLOYEE_HIRED
from aerie_events.catalog.voice import (
    ISSUE_ACCEPTED,
    ISSUE_COMMENTED,
    ISSUE_ESCALATED,
    ISSUE_HANDED_OVER,
    ISSUE_RAISED,
    ISSUE_REJECTED,
    ISSUE_REPLIED,
    SUGGESTION_ADOPTED,
)
from aerie_platform.stack import free_port

from tests.conftest import (
    Platform,
    hire,
    new_id,
    open_all_day_site,
    publish_desk,
    publish_one_minute_desk,
    token_for,
    wait_until,
)
from tests.e2e.test_faults import HIRE_ONLY, all_messages_mentioning, all_rows_mentioning

WINDOW = 2
SITE = "site-voice-e2e"
DESK = new_id("desk")  # a department whose urgent issues are due in one working minute
AUTHOR_NAME = "Zhao Anonymous"


class Inbox:
    """What the local SMTP server received: (recipients, message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def about(self, issue_id: str) -> list[email.message.EmailMessage]:
        return [m for _, m in self.messages if issue_id in m["Subject"]]


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    received = Inbox()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    yield received, port
    controller.stop()


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, side, inbox) -> Iterator[Platform]:
    _received, port = inbox
    open_all_day_site(side.bus, SITE)
    publish_one_minute_desk(side.bus, DESK)
    running = Platform(database_url, broker, workdir, "voice")
    running.env.update(
        {
            "AERIE_ANONYMOUS_RELEASE_SECONDS": str(WINDOW),
            "AERIE_SMTP_HOST": "127.0.0.1",
            "AERIE_SMTP_PORT": str(port),
            "AERIE_SMTP_SENDER": "aerie@aerie.example",
            "AERIE_PUBLIC_URL": "https://aerie.example",
        }
    )
    running.run_parts("relay", "worker", "gateway", "ingest")
    yield running
    running.stop()


def as_person(role: str, subject: str, **claims: str) -> str:
    return token_for(role, subject, **claims)


def agent_token(employee: str) -> str:
    return as_person("agent", employee, site=SITE, team="team-1")


RESPONDER = as_person("responder", "R-hr", department="hr")
LEADERSHIP = as_person("hr", "H-lead")
ANALYST = as_person("analyst", "A-1")

RAISE = """mutation($input: RaiseIssueInput!) {
  raiseIssue(input: $input) { issueId followUpKey duplicate } }"""
ISSUE = """query($id: ID!) { issue(id: $id) { id status department replies { number text
  visibility outcome } comments { text } raisedBy anonymous escalations breachAt } }"""


def gql(platform: Platform, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    return platform.graphql(query, variables, token=token)


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result
    return result["data"]


def codes(result: dict[str, Any]) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in result.get("errors") or []}


def issue_input(author: str, **more: Any) -> dict[str, Any]:
    """A valid ``raiseIssue`` input by ``author`` to HR, with ``more`` changed."""
    return {
        "commandId": new_id("raise"),
        "employeeId": author,
        "issueId": new_id("IS"),
        "department": "hr",
        "title": "Night shifts",
        "description": "Too many in a row.",
        **more,
    }


def raise_as(
    platform: Platform, author: str, department: str = "hr", **more: Any
) -> dict[str, Any]:
    given = issue_input(author, department=department, **more)
    return ok(gql(platform, RAISE, {"input": given}, agent_token(author)))["raiseIssue"]


def mutate(platform: Platform, name: str, given: dict[str, Any], token: str) -> dict[str, Any]:
    type_name = name[0].upper() + name[1:] + "Input"
    query = f"mutation($input: {type_name}!) {{ {name}(input: $input) {{ type duplicate }} }}"
    return gql(platform, query, {"input": {"commandId": new_id("c"), **given}}, token)


def shown(platform: Platform, issue_id: str, check: Any = bool, token: str = LEADERSHIP) -> dict:
    """The issue as leadership sees it, once ``check`` holds (the projection caught up)."""

    def seen() -> Any:
        found = gql(platform, ISSUE, {"id": issue_id}, token)["data"]["issue"]
        return found if found and check(found) else None

    return wait_until(seen, 30, f"{issue_id} did not show as expected")


def voice_events(database_url: str, issue_id: str, kind: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT state FROM voice_events ORDER BY notification_id").fetchall()
    found = [json.loads(bytes(r[0])) for r in rows]
    return [
        e
        for e in found
        if e.get("meta", {}).get("type") == kind and e["payload"].get("issue_id") == issue_id
    ]


def an_author(side: Any, name: str = "Test Agent") -> str:
    author = new_id("AUTHOR")
    hire(side.bus, author, name=name, site_id=SITE)
    return author


# -- routing -------------------------------------------------------------------------


def test_a_raised_issue_is_routed_at_once_and_its_department_is_emailed_a_link(
    platform: Platform, side: Any, inbox: tuple[Inbox, int]
) -> None:
    received, _port = inbox
    author = an_author(side)
    issue_id = raise_as(platform, author)["issueId"]

    (mail,) = wait_until(lambda: received.about(issue_id), 30, "no routing email arrived")
    assert mail["To"] == "hr-desk@aerie.example"
    assert f"https://aerie.example/voice/issues/{issue_id}" in mail.get_content()
    assert mail["Message-ID"].endswith("@aerie.voice>")
    assert shown(platform, issue_id)["status"] == "routed"


def test_an_anonymous_issues_email_never_names_its_author(
    platform: Platform, side: Any, inbox: tuple[Inbox, int]
) -> None:
    received, _port = inbox
    author = an_author(side, AUTHOR_NAME)
    receipt = raise_as(platform, author, anonymous=True)
    assert receipt["issueId"].startswith("ANON-") and receipt["followUpKey"].startswith("FU-")

    (mail,) = wait_until(lambda: received.about(receipt["issueId"]), 30, "no email arrived")
    raw = mail.as_string()
    assert author not in raw and AUTHOR_NAME not in raw and "Night shifts" not in raw


def test_a_responder_reassigns_an_issue_with_a_reason_and_the_new_department_is_emailed(
    platform: Platform, side: Any, inbox: tuple[Inbox, int]
) -> None:
    received, _port = inbox
    issue_id = raise_as(platform, an_author(side))["issueId"]
    moved = mutate(
        platform,
        "reassignIssue",
        {"issueId": issue_id, "toDepartment": "it", "reason": "A headset, not pay"},
        RESPONDER,
    )
    assert "errors" not in moved, moved
    wait_until(lambda: len(received.about(issue_id)) == 2, 30, "the new department got no email")
    assert {m["To"] for m in received.about(issue_id)} == {
        "hr-desk@aerie.example",
        "it-desk@aerie.example",
    }
    again = mutate(
        platform, "replyToIssue", {"issueId": issue_id, "text": "Not ours now"}, RESPONDER
    )
    assert codes(again) == {"FORBIDDEN"}  # it is IT's issue now


# -- deadlines -----------------------------------------------------------------------


def raise_due_in(side: Any, seconds: float) -> tuple[str, str]:
    """An urgent issue to the desk (one working minute) that is due in ``seconds``.

    Raised that much less than a minute ago, as the platform's own loader may
    record it (a person's issue happens when the platform records it).
    """
    author = an_author(side)
    raised_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60 - seconds)
    issue_id = new_id("IS")
    side.bus.handle(
        ISSUE_RAISED,
        command_id=new_id("raise"),
        employee_id=author,
        occurred_at=raised_at.isoformat(),
        trusted_time=True,
        data={
            "issue_id": issue_id,
            "department": DESK,
            "priority": "urgent",
            "title": "Phones down",
            "description": "Since this morning.",
            "anonymous": False,
        },
    )
    due = (raised_at + dt.timedelta(minutes=1)).astimezone(dt.UTC)
    return issue_id, due.isoformat()


def deadline_timer(database_url: str, issue_id: str) -> dict[str, Any] | None:
    """The deadline manager's timer row of ``issue_id`` (due, fired, cancelled), if it has one."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT due_at, fired_at, cancelled, due_at <= now() FROM aerie_timers "
            "WHERE manager = 'deadlines' AND timer_key = %s",
            (f"reply:{issue_id}",),
        ).fetchone()
    if row is None:
        return None
    due_at, fired_at, cancelled, due_now = row
    return {"due_at": due_at, "fired": fired_at is not None, "cancelled": cancelled, "due": due_now}


def timer_that(database_url: str, issue_id: str, check: Any, message: str) -> dict[str, Any]:
    return wait_until(
        lambda: (lambda t: t if t and check(t) else None)(deadline_timer(database_url, issue_id)),
        60,
        message,
    )


def test_an_overdue_issue_is_escalated_once_with_its_breach_and_leadership_is_emailed(
    platform: Platform, side: Any, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    received, _port = inbox
    issue_id, due = raise_due_in(side, 3)

    timer_that(database_url, issue_id, lambda t: t["fired"], "the deadline did not fire")
    (escalated,) = voice_events(database_url, issue_id, ISSUE_ESCALATED)  # a fired timer is done
    assert escalated["payload"]["breach_at"] == due
    assert escalated["payload"]["reason"] == "overdue"
    assert escalated["meta"]["actor"]["id"] == "manager:deadlines"
    wait_until(
        lambda: any(m["To"] == "leadership-desk@aerie.example" for m in received.about(issue_id)),
        30,
        "leadership was not emailed",
    )
    listed = shown(platform, issue_id, lambda i: i["status"] == "escalated")
    assert listed["department"] == "leadership"
    assert len(voice_events(database_url, issue_id, ISSUE_ESCALATED)) == 1


def test_a_deadline_survives_a_worker_restart(
    platform: Platform, side: Any, database_url: str
) -> None:
    issue_id, due = raise_due_in(side, 8)
    timer = timer_that(database_url, issue_id, lambda t: True, "the manager set no timer")
    assert timer["due_at"] == dt.datetime.fromisoformat(due)
    platform.kill("worker")
    timer = timer_that(database_url, issue_id, lambda t: t["due"], "the deadline did not pass")
    assert not timer["fired"], "it fired before the worker stopped: nothing to show"
    assert voice_events(database_url, issue_id, ISSUE_ESCALATED) == []  # no worker, no firing
    platform.start("worker")
    timer_that(database_url, issue_id, lambda t: t["fired"], "the deadline did not fire")
    assert len(voice_events(database_url, issue_id, ISSUE_ESCALATED)) == 1


def test_an_issue_replied_in_time_is_not_escalated(
    platform: Platform, side: Any, database_url: str
) -> None:
    issue_id, _due = raise_due_in(side, 30)
    timer_that(database_url, issue_id, lambda t: True, "the manager set no timer")
    reply = mutate(
        platform,
        "replyToIssue",
        {"issueId": issue_id, "text": "On it"},
        as_person("responder", "R-desk", department=DESK),
    )
    assert "errors" not in reply, reply
    timer = timer_that(database_url, issue_id, lambda t: t["cancelled"], "the timer stayed set")
    assert not timer["fired"]  # a cancelled timer never fires
    assert voice_events(database_url, issue_id, ISSUE_ESCALATED) == []


# -- the loop ------------------------------------------------------------------------


def test_a_public_reply_the_author_accepts_is_resolved_and_shows_on_the_board(
    platform: Platform, side: Any
) -> None:
    author = an_author(side)
    issue_id = raise_as(platform, author)["issueId"]
    steps = [
        ("replyToIssue", {"text": "Canteen opens till 23:00", "visibility": "public"}, RESPONDER),
        ("acceptReply", {"comment": "Thank you"}, agent_token(author)),
        ("resolveIssue", {"note": "Hours changed"}, RESPONDER),
    ]
    for name, given, token in steps:
        assert "errors" not in mutate(platform, name, {"issueId": issue_id, **given}, token)

    resolved = shown(platform, issue_id, lambda i: i["status"] == "resolved")
    assert resolved["replies"][0]["outcome"] == "accepted"
    own = ok(gql(platform, "{ myIssues { issues { id status } } }", {}, agent_token(author)))
    assert own["myIssues"]["issues"] == [{"id": issue_id, "status": "resolved"}]
    board = "{ issueBoard(first: 100) { entries { issueId replies { text } } } }"
    entries = ok(gql(platform, board, {}, agent_token(an_author(side))))["issueBoard"]["entries"]
    assert any(e["issueId"] == issue_id for e in entries)


def test_a_similar_issue_is_linked_to_its_representative_on_the_board(
    platform: Platform, side: Any
) -> None:
    first = raise_as(platform, an_author(side))["issueId"]
    second = raise_as(platform, an_author(side))["issueId"]
    reply = {"issueId": first, "text": "Answered for everyone", "visibility": "public"}
    assert "errors" not in mutate(platform, "replyToIssue", reply, RESPONDER)
    link = {"issueId": second, "representativeIssueId": first}
    assert "errors" not in mutate(platform, "linkIssue", link, RESPONDER)
    query = "{ issueBoard(first: 100) { entries { issueId linkedIssues } } }"

    def listed() -> Any:
        entries = ok(gql(platform, query, {}, RESPONDER))["issueBoard"]["entries"]
        return next((e for e in entries if e["issueId"] == first and e["linkedIssues"]), None)

    assert wait_until(listed, 30, "the board did not show the link")["linkedIssues"] == 1


def test_an_adopted_suggestion_is_about_its_author_unless_it_was_anonymous(
    platform: Platform, side: Any, database_url: str
) -> None:
    named, anonymous = an_author(side), an_author(side)
    ids = [
        raise_as(platform, named, kind="suggestion")["issueId"],
        raise_as(platform, anonymous, kind="suggestion", anonymous=True)["issueId"],
    ]
    for issue_id in ids:
        reply = {"issueId": issue_id, "text": "Good idea"}
        assert "errors" not in mutate(platform, "replyToIssue", reply, RESPONDER)
        adopt = {"issueId": issue_id, "adoptedOn": "2026-03-02"}
        assert "errors" not in mutate(platform, "adoptSuggestion", adopt, RESPONDER)
    subjects = [
        voice_events(database_url, i, SUGGESTION_ADOPTED)[0]["meta"]["employee_id"] for i in ids
    ]
    assert subjects == [named, None]


def test_a_rejected_reply_goes_to_leadership_and_its_answer_is_accepted(
    platform: Platform, side: Any, database_url: str
) -> None:
    author = an_author(side)
    issue_id = raise_as(platform, author)["issueId"]
    reply = {"issueId": issue_id, "text": "Nothing we can do"}
    assert "errors" not in mutate(platform, "replyToIssue", reply, RESPONDER)
    reject = {"issueId": issue_id, "reason": "It is not solved"}
    assert "errors" not in mutate(platform, "rejectReply", reject, agent_token(author))
    shown(platform, issue_id, lambda i: i["status"] == "escalated")
    (escalated,) = voice_events(database_url, issue_id, ISSUE_ESCALATED)
    assert escalated["payload"]["reason"] == "rejected"
    late = {"issueId": issue_id, "text": "Still nothing"}
    assert codes(mutate(platform, "replyToIssue", late, RESPONDER)) == {"FORBIDDEN"}
    answer = {"issueId": issue_id, "text": "We hire two more", "visibility": "public"}
    assert "errors" not in mutate(platform, "replyToIssue", answer, LEADERSHIP)
    assert "errors" not in mutate(
        platform, "acceptReply", {"issueId": issue_id}, agent_token(author)
    )
    accepted = shown(platform, issue_id, lambda i: i["status"] == "accepted")
    assert [r["outcome"] for r in accepted["replies"]] == ["rejected", "accepted"]


def test_an_analyst_reads_the_figures_but_not_the_issues_behind_them(platform: Platform) -> None:
    query = """{ voiceFigures(weeks: 4) { departments { department withheld open }
      weeks { week withheld raised } } }"""
    found = ok(gql(platform, query, {}, ANALYST))["voiceFigures"]
    assert "hr" in {d["department"] for d in found["departments"]}
    for field in (
        "{ escalations { issues { id } } }",
        '{ departmentQueue(department: "hr") { issues { id } } }',
    ):
        assert codes(gql(platform, field, {}, ANALYST)) == {"FORBIDDEN"}


# -- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"description": ""}, "INVALID_INPUT"),
        ({"description": "x" * 200_000}, "INVALID_INPUT"),
        ({"department": "canteen"}, "UNKNOWN_DEPARTMENT"),
    ],
)
def test_a_bad_issue_gets_a_clear_error_and_nothing_is_stored(
    platform: Platform, side: Any, database_url: str, change: dict[str, Any], code: str
) -> None:
    author = an_author(side)
    given = issue_input(author, **change)
    result = gql(platform, RAISE, {"input": given}, agent_token(author))
    assert codes(result) == {code}, result
    assert voice_events(database_url, given["issueId"], ISSUE_RAISED) == []


def test_a_one_megabyte_issue_is_refused_at_the_door_and_nothing_is_stored(
    platform: Platform, side: Any, database_url: str
) -> None:
    import http.client

    author = an_author(side)
    given = issue_input(author, description="x" * (1 << 20))
    body = json.dumps({"query": RAISE, "variables": {"input": given}}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", platform.port, timeout=30)
    connection.putrequest("POST", "/graphql")
    connection.putheader("content-type", "application/json")
    connection.putheader("authorization", f"Bearer {agent_token(author)}")
    connection.putheader("content-length", str(len(body)))
    connection.endheaders()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        connection.send(body)  # the gateway may answer and close before the rest is sent
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert voice_events(database_url, given["issueId"], ISSUE_RAISED) == []


# -- anonymity -----------------------------------------------------------------------

EVERY_VOICE_READ = [
    ("{ departments { id } }", {}),
    ("{ issueBoard(first: 100) { entries { issueId title replies { text } } } }", {}),
    ("{ escalations(first: 100) { issues { id raisedBy title comments { text } } } }", {}),
    ("{ myIssues(first: 100) { issues { id raisedBy } } }", {}),
    (
        "query($d: String!) { departmentQueue(department: $d, openOnly: false, first: 100) "
        "{ issues { id raisedBy title description comments { text } replies { text } } } }",
        {"d": "hr"},
    ),
    (
        "query($d: String!) { departmentQueue(department: $d, openOnly: false, first: 100) "
        "{ issues { id raisedBy } } }",
        {"d": "leadership"},
    ),
    ("{ voiceFigures { departments { department open } weeks { week raised } } }", {}),
]


def test_an_anonymous_author_follows_up_by_key_and_no_role_can_find_out_who_they_are(
    platform: Platform, side: Any, database_url: str
) -> None:
    author = an_author(side, AUTHOR_NAME)
    receipt = raise_as(platform, author, anonymous=True, title="Unfair rota")
    issue_id, key = receipt["issueId"], receipt["followUpKey"]
    shown(platform, issue_id)  # released with its window, and projected
    reply = {"issueId": issue_id, "text": "Rota reviewed"}
    assert "errors" not in mutate(platform, "replyToIssue", reply, RESPONDER)
    wrong = mutate(
        platform,
        "rejectReply",
        {"issueId": issue_id, "reason": "No", "followUpKey": "FU-X"},
        agent_token(author),
    )
    assert codes(wrong) == {"FOLLOW_UP_KEY_MISMATCH"}
    by_name = mutate(platform, "acceptReply", {"issueId": issue_id}, agent_token(author))
    assert codes(by_name) == {"NOT_THE_AUTHOR"}  # not even its author, by name
    followed = [
        ("commentOnIssue", {"text": "It happened again on Monday"}),
        ("rejectReply", {"reason": "Still unfair"}),
    ]
    for name, given in followed:
        given = {"issueId": issue_id, "followUpKey": key, **given}
        assert "errors" not in mutate(platform, name, given, agent_token(author))
    shown(platform, issue_id, lambda i: i["status"] == "escalated")
    answer = {"issueId": issue_id, "text": "Leadership changed the rota rule"}
    assert "errors" not in mutate(platform, "replyToIssue", answer, LEADERSHIP)
    accept = {"issueId": issue_id, "followUpKey": key}
    assert "errors" not in mutate(platform, "acceptReply", accept, agent_token(author))
    own_view = """query($id: ID!, $key: String!) { anonymousIssue(issueId: $id, followUpKey: $key)
      { id status raisedBy comments { text } replies { text outcome } } }"""

    def accepted() -> Any:
        found = gql(platform, own_view, {"id": issue_id, "key": key}, agent_token(author))
        issue = (found.get("data") or {}).get("anonymousIssue")
        return issue if issue and issue["status"] == "accepted" else None

    seen = wait_until(accepted, 30, "the author's own view did not show the acceptance")
    assert seen["raisedBy"] is None and seen["comments"][0]["text"].startswith("It happened")

    answers = []
    for role, claims in {
        "agent": {"site": SITE, "team": "team-1"},
        "responder": {"department": "hr"},
        "hr": {},
        "analyst": {},
        "auditor": {},
        "qa": {},
        "site_manager": {"site": SITE},
        "admin": {},
    }.items():
        token = token_for(role, f"{role}-{issue_id}", **claims)
        for query, variables in [
            *EVERY_VOICE_READ,
            (ISSUE, {"id": issue_id}),
            (own_view, {"id": issue_id, "key": key}),
            (
                "query($id: ID!) { auditTrail(employeeId: $id) { entries { type } } }",
                {"id": author},
            ),
        ]:
            answers.append(json.dumps(gql(platform, query, variables, token)))
    for query, variables in [*EVERY_VOICE_READ, (own_view, {"id": issue_id, "key": key})]:
        answers.append(json.dumps(gql(platform, query, variables, agent_token(author))))
    for answer in answers:
        assert author not in answer and AUTHOR_NAME not in answer
    trail = gql(
        platform,
        "query($id: ID!) { auditTrail(employeeId: $id) { entries { type } } }",
        {"id": author},
        LEADERSHIP,
    )
    assert {e["type"] for e in ok(trail)["auditTrail"]["entries"]} == {EMPLOYEE_HIRED}

    rows = all_rows_mentioning(database_url, author)
    assert set(rows) <= HIRE_ONLY, rows
    assert rows["public.aerie_command_ids"] == 1  # the hire's
    messages = all_messages_mentioning(platform, author)
    assert set(messages) == {f"{platform.env['AERIE_TOPIC_PREFIX']}.people"}, messages
    for log in platform.logs.glob("*.log"):
        assert author not in log.read_text(errors="replace"), log.name
    assert key not in json.dumps(rows) and not all_rows_mentioning(database_url, key)


PUBLISH = """mutation($input: PublishEventInput!) {
  publishEvent(input: $input) { type duplicate } }"""


def test_an_admin_replaying_someones_anonymous_raise_learns_nothing_about_them(
    platform: Platform, side: Any, database_url: str
) -> None:
    victim = an_author(side, AUTHOR_NAME)
    raised = issue_input(victim, anonymous=True)
    receipt = ok(gql(platform, RAISE, {"input": raised}, agent_token(victim)))["raiseIssue"]
    never_sent = {**raised, "commandId": new_id("raise")}  # a command the victim never sent
    admin = as_person("admin", "admin")

    def attempts(given: dict[str, Any]) -> list[dict[str, Any]]:
        as_event = {
            "type": ISSUE_RAISED,
            "commandId": given["commandId"],
            "employeeId": victim,
            "payload": {
                "issue_id": given["issueId"],
                "department": "hr",
                "title": given["title"],
                "description": given["description"],
                "anonymous": True,
            },
        }
        return [
            gql(platform, RAISE, {"input": given}, admin),
            gql(platform, PUBLISH, {"input": as_event}, admin),
        ]

    replayed, fresh = attempts(raised), attempts(never_sent)
    for answer in [*replayed, *fresh]:
        assert codes(answer) == {"FORBIDDEN"}, answer
        assert answer["data"] is None
    assert replayed == fresh  # the same answer whether or not the victim raised it
    told = json.dumps([replayed, fresh])
    assert receipt["issueId"] not in told and receipt["followUpKey"] not in told
    unsent_id, _key = side.apps["voice"].anonymous_receipt(victim, never_sent["commandId"])
    assert voice_events(database_url, unsent_id, ISSUE_RAISED) == []
    assert len(voice_events(database_url, receipt["issueId"], ISSUE_RAISED)) == 1


def test_a_responder_cannot_say_when_a_reply_happened(platform: Platform, side: Any) -> None:
    issue_id = raise_as(platform, an_author(side))["issueId"]
    backdated = "2020-01-01T00:00:00+00:00"
    typed = mutate(
        platform,
        "replyToIssue",
        {"issueId": issue_id, "text": "Long done", "occurredAt": backdated},
        RESPONDER,
    )
    assert codes(typed) == {"GRAPHQL_VALIDATION_FAILED"}
    as_event = {
        "type": ISSUE_REPLIED,
        "commandId": new_id("c"),
        "occurredAt": backdated,
        "payload": {"issue_id": issue_id, "text": "Long done", "visibility": "private"},
    }
    published = gql(platform, PUBLISH, {"input": as_event}, RESPONDER)
    assert codes(published) == {"INVALID_INPUT"}, published
    assert shown(platform, issue_id)["replies"] == []


def test_whoever_an_issue_was_handed_over_to_reads_it_and_follows_it_up(
    platform: Platform, side: Any
) -> None:
    author, lead = an_author(side), an_author(side)
    issue_id = raise_as(platform, author)["issueId"]
    side.bus.handle(  # as the hand-over manager records it when the author leaves
        ISSUE_HANDED_OVER,
        command_id=new_id("hand"),
        employee_id=author,
        data={"issue_id": issue_id, "to_employee_id": lead, "reason": "Its author left"},
    )
    reply = {"issueId": issue_id, "text": "Sorted"}
    assert "errors" not in mutate(platform, "replyToIssue", reply, RESPONDER)

    seen = shown(platform, issue_id, lambda i: i["replies"], token=agent_token(lead))
    assert seen["raisedBy"] == author
    own = ok(gql(platform, "{ myIssues(first: 100) { issues { id } } }", {}, agent_token(lead)))
    assert {"id": issue_id} in own["myIssues"]["issues"]
    accepted = mutate(platform, "acceptReply", {"issueId": issue_id}, agent_token(lead))
    assert "errors" not in accepted, accepted


FIGURES = """{ voiceFigures(weeks: 2) { anonymityThreshold
  departments { department withheld issues open breached hoursToFirstReply acceptanceRate } } }"""


def test_an_analyst_sees_no_figures_of_a_department_with_fewer_issues_than_the_threshold(
    platform: Platform, side: Any
) -> None:
    small = new_id("desk")
    publish_desk(side.bus, small, name="Small desk")
    raise_as(platform, an_author(side), small)

    def figures_of(token: str) -> dict[str, Any] | None:
        found = ok(gql(platform, FIGURES, {}, token))["voiceFigures"]
        row = next((d for d in found["departments"] if d["department"] == small), None)
        return {**row, "threshold": found["anonymityThreshold"]} if row else None

    whole = wait_until(
        lambda: (lambda r: r if r and r["issues"] == 1 else None)(figures_of(LEADERSHIP)),
        30,
        "the issue did not reach the figures",
    )
    assert whole["withheld"] is False and whole["open"] == 1 and whole["threshold"] == 5
    assert figures_of(ANALYST) == {
        "department": small,
        "withheld": True,
        "issues": None,
        "open": None,
        "breached": None,
        "hoursToFirstReply": None,
        "acceptanceRate": None,
        "threshold": 5,
    }


# -- an issue that is not yours ------------------------------------------------------

PERSON_ROLES: dict[str, dict[str, str]] = {
    "agent": {"site": SITE, "team": "team-1"},
    "team_lead": {"site": SITE, "team": "team-1"},
    "site_manager": {"site": SITE},
    "responder": {"department": "hr"},
    "qa": {},
    "hr": {},
    "analyst": {},
    "auditor": {},
    "admin": {},
}
FOLLOW_UPS = {
    "acceptReply": (ISSUE_ACCEPTED, {"comment": "Thanks"}),
    "rejectReply": (ISSUE_REJECTED, {"reason": "Not solved"}),
    "commentOnIssue": (ISSUE_COMMENTED, {"text": "Again on Monday"}),
}
WRONG_KEY = "FU-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"


@pytest.fixture(scope="module")
def not_yours(platform: Platform, side: Any) -> dict[str, str]:
    """Someone's named issue and their anonymous one (both replied, held by IT), and an id no
    issue has: what a caller who is none of their authors may try."""
    author = an_author(side)
    named = raise_as(platform, author, department="it")["issueId"]
    anonymous = raise_as(platform, author, department="it", anonymous=True)["issueId"]
    it_desk = as_person("responder", "R-it", department="it")
    for issue_id in (named, anonymous):
        shown(platform, issue_id)  # released and projected
        reply = {"issueId": issue_id, "text": "Replaced the headset"}
        assert "errors" not in mutate(platform, "replyToIssue", reply, it_desk)
    return {"unknown": new_id("IS"), "anonymous": anonymous, "named": named}


def alike(answer: dict[str, Any], issue_id: str) -> str:
    """An answer as text, the issue id it was asked about (echoed in a message) left out."""
    return json.dumps(answer, sort_keys=True).replace(issue_id, "<id>")


def follow_up_as(
    platform: Platform, role: str, name: str, issue_id: str, key: str | None
) -> dict[str, Any]:
    kind, given = FOLLOW_UPS[name]
    command_id = f"not-yours-{role}-{name}-{key is not None}"  # the same in each case
    if name == "commentOnIssue" and role == "admin":  # and once through publishEvent
        payload = {"issue_id": issue_id, "text": given["text"]}
        query = "mutation($input: PublishEventInput!) { publishEvent(input: $input) { type } }"
        event = {"type": kind, "commandId": command_id, "payload": payload}
        if key is not None:
            payload["follow_up_key"] = key
        return gql(platform, query, {"input": event}, token_for(role, f"{role}-x"))
    extra = {"followUpKey": key} if key is not None else {}
    query = (
        f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) "
        "{ type duplicate } }"
    )
    variables = {"input": {"commandId": command_id, "issueId": issue_id, **given, **extra}}
    return gql(platform, query, variables, token_for(role, f"{role}-x", **PERSON_ROLES[role]))


def test_following_up_an_issue_that_is_not_yours_tells_nothing_of_it_to_any_role(
    platform: Platform, not_yours: dict[str, str], database_url: str
) -> None:
    """An unknown id, someone's anonymous issue and someone's named issue: the same answer
    (code, message, fields) to every role, by name and by key, and nothing stored."""
    before = count_voice_events(database_url)
    for role in PERSON_ROLES:
        for name in FOLLOW_UPS:
            for key in (None, WRONG_KEY):
                answers = {
                    case: alike(follow_up_as(platform, role, name, issue_id, key), issue_id)
                    for case, issue_id in not_yours.items()
                }
                assert len(set(answers.values())) == 1, (role, name, key, answers)
                answer = json.loads(answers["unknown"])
                code = "FOLLOW_UP_KEY_MISMATCH" if key else "NOT_THE_AUTHOR"
                assert answer["data"] is None and codes(answer) == {code}, answer
    assert count_voice_events(database_url) == before


def test_reading_an_issue_that_is_not_yours_tells_nothing_of_it_to_any_role(
    platform: Platform, not_yours: dict[str, str]
) -> None:
    """``issue`` as every role that does not read IT's issues, ``anonymousIssue`` with another
    key as every role: the same answer for an unknown id, an anonymous issue and a named one."""
    by_key = """query($id: ID!, $key: String!) { anonymousIssue(issueId: $id, followUpKey: $key)
      { id status } }"""
    for role, claims in PERSON_ROLES.items():
        token = token_for(role, f"{role}-x", **claims)
        reads = [(by_key, lambda i: {"id": i, "key": WRONG_KEY}, "FOLLOW_UP_KEY_MISMATCH")]
        if role not in ("hr", "admin"):  # leadership reads every issue
            reads.append((ISSUE, lambda i: {"id": i}, "FORBIDDEN"))
        for query, variables, code in reads:
            answers = {
                case: alike(gql(platform, query, variables(issue_id), token), issue_id)
                for case, issue_id in not_yours.items()
            }
            assert len(set(answers.values())) == 1, (role, query, answers)
            assert codes(json.loads(answers["unknown"])) == {code}, (role, answers)


def test_the_kafka_door_dead_letters_a_follow_up_of_an_issue_that_is_not_yours_alike(
    platform: Platform, not_yours: dict[str, str], database_url: str, broker: Any
) -> None:
    """Produced to the ingest topic with a person's token, by name and by key: one dead letter
    each, the same (type, code, reason, what is kept) whatever the issue, naming no one."""
    from kafka import KafkaProducer

    from tests.conftest import bootstrap_of

    caller = new_id("CALLER")
    token = token_for("agent", caller, site=SITE, team="team-1")
    letters_before = ingest_dead_letters(database_url)
    producer = KafkaProducer(bootstrap_servers=bootstrap_of(broker), acks="all")
    try:
        for key in (None, WRONG_KEY):
            for issue_id in not_yours.values():
                payload = {"issue_id": issue_id, "text": "Again"}
                if key:
                    payload["follow_up_key"] = key
                message = {"type": ISSUE_COMMENTED, "commandId": new_id("c"), "payload": payload}
                producer.send(
                    f"{platform.env['AERIE_TOPIC_PREFIX']}.ingest",
                    value=json.dumps(message).encode(),
                    headers=[("authorization", f"Bearer {token}".encode())],
                )
        producer.flush()
    finally:
        producer.close()

    def all_six() -> list[list[Any]] | None:
        found = ingest_dead_letters(database_url)[len(letters_before) :]
        return found if len(found) == 6 else None

    letters = wait_until(all_six, 60, "the door did not dead-letter the six follow-ups")
    kept = sorted(json.dumps(letter[1:], sort_keys=True) for letter in letters)
    assert len(set(kept)) == 2 and kept.count(kept[0]) == 3, kept  # by name, by key
    assert {letter[2] for letter in letters} == {"NOT_THE_AUTHOR", "FOLLOW_UP_KEY_MISMATCH"}
    told = json.dumps(letters)
    assert caller not in told and not any(i in told for i in not_yours.values())


def ingest_dead_letters(database_url: str) -> list[list[Any]]:
    """The ingest door's dead letters, oldest first: source, type, code, reason, kept input."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT source, kind, code, reason, input FROM aerie_dead_letters "
            "WHERE source LIKE 'ingest:%%' ORDER BY id"
        ).fetchall()
    return [list(row) for row in rows]


def count_voice_events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM voice_events").fetchone()[0]
