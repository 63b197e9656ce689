"""The opinion platform's write side on the real PostgreSQL: routing, deadlines, the loop, anonymity."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.organisation import SITE_CALENDAR_PUBLISHED, SITE_OPENED
from aerie_events.catalog.voice import (
    ISSUE_ACCEPTED,
    ISSUE_COMMENTED,
    ISSUE_ESCALATED,
    ISSUE_RAISED,
    ISSUE_REASSIGNED,
    ISSUE_REJECTED,
    ISSUE_REPLIED,
    ISSUE_RESOLVED,
)
from aerie_events.rules.escalation import overdue_command_id
from aerie_services.kit.errors import DomainError

from tests.conftest import hire, new_id

SITE = "site-voice"


def events_of(database_url: str, issue_id: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT state FROM voice_events ORDER BY notification_id",
        ).fetchall()
    found = [json.loads(bytes(r[0])) for r in rows]
    return [e for e in found if e.get("payload", {}).get("issue_id") == issue_id]


def count_events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM voice_events").fetchone()[0]


@pytest.fixture(scope="module")
def site(bus: Any) -> str:
    """A site in Shanghai working 09:00-17:00 Monday to Friday, 9 March 2026 a holiday."""
    bus.handle(
        SITE_OPENED,
        command_id=f"open-{SITE}",
        data={
            "site_id": SITE,
            "name": "Voice",
            "time_zone": "Asia/Shanghai",
            "opened_on": "2020-01-01",
        },
    )
    bus.handle(
        SITE_CALENDAR_PUBLISHED,
        command_id=f"calendar-{SITE}",
        data={
            "site_id": SITE,
            "calendar_version": "v1",
            "working_days": ["mon", "tue", "wed", "thu", "fri"],
            "opens_at": "09:00",
            "closes_at": "17:00",
            "holidays": ["2026-03-09"],
        },
    )
    return SITE


def an_author(bus: Any, site: str) -> str:
    """A new employee of ``site``, who raises an issue."""
    author = new_id("A")
    hire(bus, author, site_id=site)
    return author


def raise_issue(bus: Any, author: str, *, anonymous: bool = False, **data: Any) -> Any:
    issue_id = data.pop("issue_id", new_id("IS"))
    return bus.handle(
        ISSUE_RAISED,
        command_id=data.pop("command_id", f"raise-{issue_id}"),
        employee_id=author,
        occurred_at=data.pop("occurred_at", "2026-03-06T16:30:00+08:00"),
        trusted_time=True,  # as the platform's loader records history
        data={
            "issue_id": issue_id,
            "department": "it",
            "priority": "urgent",
            "title": "Headset",
            "description": "Cuts out",
            "anonymous": anonymous,
            **data,
        },
    ), issue_id


def test_an_issue_is_routed_with_a_deadline_in_its_sites_working_hours(
    bus: Any, site: str, database_url: str
) -> None:
    author = an_author(bus, site)
    _outcome, issue_id = raise_issue(bus, author)

    (raised,) = events_of(database_url, issue_id)
    # Friday 16:30, one working hour for IT's urgent issues: Monday is a holiday, so Tuesday 09:30
    assert raised["payload"]["reply_due_at"] == "2026-03-10T01:30:00+00:00"
    assert raised["meta"]["policy_version"] == "department:it/v1"


def test_a_reassignment_moves_the_deadline_to_the_new_departments(
    bus: Any, site: str, database_url: str
) -> None:
    author = an_author(bus, site)
    _outcome, issue_id = raise_issue(bus, author)
    bus.handle(
        ISSUE_REASSIGNED,
        command_id=f"move-{issue_id}",
        occurred_at="2026-03-10T09:00:00+08:00",  # before IT's deadline, 09:30
        trusted_time=True,
        data={"issue_id": issue_id, "to_department": "hr", "reason": "It is about pay"},
    )

    moved = events_of(database_url, issue_id)[-1]["payload"]
    assert (moved["from_department"], moved["to_department"]) == ("it", "hr")
    assert moved["reply_due_at"] == "2026-03-10T03:00:00+00:00"  # two working hours for HR


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"department": "canteen"}, "UNKNOWN_DEPARTMENT", "department"),
        ({"description": ""}, "INVALID_INPUT", "description"),
        ({"description": "x" * 1_000_000}, "INVALID_INPUT", "description"),
        ({"title": "   "}, "INVALID_INPUT", "title"),
    ],
)
def test_a_bad_issue_is_refused_with_a_coded_error_and_nothing_is_stored(
    bus: Any, site: str, database_url: str, change: dict[str, Any], code: str, field: str
) -> None:
    author = an_author(bus, site)
    before = count_events(database_url)
    with pytest.raises(DomainError) as refused:
        raise_issue(bus, author, **change)
    assert refused.value.code == code
    assert field in {p.field for p in refused.value.problems}
    assert count_events(database_url) == before


def test_a_reply_to_a_resolved_issue_is_refused_naming_what_is_allowed(bus: Any, site: str) -> None:
    author = an_author(bus, site)
    _outcome, issue_id = raise_issue(bus, author)
    steps = [
        (ISSUE_REPLIED, {"text": "Replaced", "visibility": "private"}),
        (ISSUE_ACCEPTED, {}),
        (ISSUE_RESOLVED, {}),
    ]
    for n, (kind, data) in enumerate(steps):
        bus.handle(
            kind,
            command_id=f"{issue_id}-{n}",
            actor={"kind": "person", "id": author},
            data={"issue_id": issue_id, **data},
        )
    with pytest.raises(DomainError) as refused:
        bus.handle(
            ISSUE_REPLIED,
            command_id=f"{issue_id}-late",
            data={"issue_id": issue_id, "text": "More", "visibility": "private"},
        )
    assert refused.value.code == "ISSUE_TRANSITION_NOT_ALLOWED"
    assert "resolved" in refused.value.message
    assert refused.value.allowed == "actions allowed now: adopt, link"


def test_only_its_author_accepts_a_reply_to_a_named_issue(bus: Any, site: str) -> None:
    author, other = an_author(bus, site), new_id("A")
    _outcome, issue_id = raise_issue(bus, author)
    bus.handle(
        ISSUE_REPLIED,
        command_id=f"{issue_id}-r",
        data={"issue_id": issue_id, "text": "Done", "visibility": "public"},
    )
    with pytest.raises(DomainError) as refused:
        bus.handle(
            ISSUE_ACCEPTED,
            command_id=f"{issue_id}-a",
            actor={"kind": "person", "id": other},
            data={"issue_id": issue_id},
        )
    assert refused.value.code == "NOT_THE_AUTHOR"


def test_the_same_breach_escalates_once(bus: Any, site: str, database_url: str) -> None:
    author = an_author(bus, site)
    _outcome, issue_id = raise_issue(bus, author)
    due = "2026-03-10T01:30:00+00:00"
    command = {
        "command_id": overdue_command_id(issue_id, due),
        "data": {"issue_id": issue_id, "reason": "overdue"},
    }
    first = bus.handle(ISSUE_ESCALATED, **command)
    again = bus.handle(ISSUE_ESCALATED, **command)

    assert (first.duplicate, again.duplicate) == (False, True)
    escalated = events_of(database_url, issue_id)[-1]
    assert escalated["payload"]["breach_at"] == due
    assert escalated["payload"]["to_department"] == "leadership"


def test_an_issue_is_not_escalated_as_overdue_before_its_deadline(bus: Any, site: str) -> None:
    author = an_author(bus, site)
    soon = dt.datetime.now(dt.UTC).isoformat()
    _outcome, issue_id = raise_issue(bus, author, occurred_at=soon, priority="low")
    with pytest.raises(DomainError) as refused:
        bus.handle(
            ISSUE_ESCALATED,
            command_id=f"{issue_id}-early",
            data={"issue_id": issue_id, "reason": "overdue"},
        )
    assert refused.value.code == "DEADLINE_NOT_YET_DUE"


def test_an_anonymous_author_follows_up_by_key_and_no_event_names_them(
    bus: Any, side: Any, site: str, database_url: str
) -> None:
    author = an_author(bus, site)
    voice = side.apps["voice"]
    raise_issue(bus, author, anonymous=True, command_id="anon-1")
    issue_id, key = voice.anonymous_receipt(author, "anon-1")
    bus.handle(
        ISSUE_REPLIED,
        command_id=f"{issue_id}-r",
        data={"issue_id": issue_id, "text": "We fixed it", "visibility": "private"},
    )
    before = count_events(database_url)
    with pytest.raises(DomainError) as refused:
        bus.handle(
            ISSUE_ACCEPTED,
            command_id="accept-1",
            data={"issue_id": issue_id, "follow_up_key": "FU-WRONG"},
        )
    assert refused.value.code == "FOLLOW_UP_KEY_MISMATCH"
    assert count_events(database_url) == before

    bus.handle(
        ISSUE_ACCEPTED,
        command_id="accept-1",
        actor={"kind": "person", "id": author},
        source={"system": "graphql", "client": "seat-app"},
        data={"issue_id": issue_id, "follow_up_key": key, "comment": "Thanks"},
    )
    with psycopg.connect(database_url) as conn:
        stored = [bytes(r[0]) for r in conn.execute("SELECT state FROM voice_events").fetchall()]
        letters = conn.execute("SELECT input::text, code FROM aerie_dead_letters").fetchall()
    mine = [s for s in stored if issue_id.encode() in s]
    assert len(mine) == 3
    for state in mine:
        assert author.encode() not in state
        assert key.encode() not in state and b"FU-WRONG" not in state
        assert b"seat-app" not in state and b"accept-1" not in state
    refusals = [row for row in letters if "FOLLOW_UP_KEY_MISMATCH" in row[1]]
    assert refusals and all("FU-WRONG" not in data for data, _ in refusals)


def test_a_reply_happens_when_the_platform_records_it_and_a_caller_cannot_backdate_it(
    bus: Any, site: str, database_url: str
) -> None:
    author = an_author(bus, site)
    _outcome, issue_id = raise_issue(bus, author)
    reply = {"issue_id": issue_id, "text": "Replaced", "visibility": "private"}
    before = count_events(database_url)
    with pytest.raises(DomainError) as refused:
        bus.handle(
            ISSUE_REPLIED,
            command_id=f"{issue_id}-backdated",
            occurred_at="2026-03-06T16:35:00+08:00",  # five minutes after it was raised
            actor={"kind": "person", "id": "R-1", "role": "responder"},
            data=reply,
        )
    assert refused.value.code == "INVALID_INPUT"
    assert {p.field for p in refused.value.problems} == {"occurred_at"}
    assert count_events(database_url) == before

    started = dt.datetime.now(dt.UTC)
    bus.handle(ISSUE_REPLIED, command_id=f"{issue_id}-reply", data=reply)
    replied_at = dt.datetime.fromisoformat(
        events_of(database_url, issue_id)[-1]["meta"]["occurred_at"]
    )
    assert started <= replied_at <= dt.datetime.now(dt.UTC)


def test_an_issue_cannot_be_escalated_as_overdue_early_by_naming_a_later_time(
    bus: Any, site: str
) -> None:
    author = an_author(bus, site)
    soon = dt.datetime.now(dt.UTC).isoformat()
    _outcome, issue_id = raise_issue(bus, author, occurred_at=soon, priority="low")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    with pytest.raises(DomainError) as refused:
        bus.handle(
            ISSUE_ESCALATED,
            command_id=f"{issue_id}-early",
            occurred_at=later,
            data={"issue_id": issue_id, "reason": "overdue"},
        )
    assert refused.value.code == "INVALID_INPUT"
    assert {p.field for p in refused.value.problems} == {"occurred_at"}


def test_an_anonymous_issues_deadline_counts_from_when_its_department_sees_it(
    bus: Any, side: Any, site: str, database_url: str
) -> None:
    author = an_author(bus, site)
    raise_issue(bus, author, anonymous=True, command_id=f"anon-{author}")
    issue_id, _key = side.apps["voice"].anonymous_receipt(author, f"anon-{author}")

    (raised,) = events_of(database_url, issue_id)
    # Friday 16:30, released at 17:00 (a one-hour window) as the site closes; one working hour
    # for IT's urgent issues, Monday a holiday: Tuesday 10:00, not 09:30
    assert raised["payload"]["reply_due_at"] == "2026-03-10T02:00:00+00:00"


FOLLOW_UPS = {
    ISSUE_ACCEPTED: {},
    ISSUE_REJECTED: {"reason": "Not solved"},
    ISSUE_COMMENTED: {"text": "Again on Monday"},
}


def test_an_issue_that_is_not_yours_is_refused_alike_whatever_it_is_after_the_same_work(
    bus: Any, side: Any, site: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown id, an anonymous issue (another key, or none), someone else's named issue, and
    that issue with its author's own command replayed: one refusal per way of asking (by name,
    by key), the same dead letter, one read of the store and one key hash computed each."""
    from aerie_services.voice import followup

    voice = side.apps["voice"]
    author, caller = an_author(bus, site), an_author(bus, site)
    _outcome, named = raise_issue(bus, author)
    raise_issue(bus, author, anonymous=True, command_id=(raise_id := new_id("raise")))
    anonymous, _key = voice.anonymous_receipt(author, raise_id)
    for issue_id in (named, anonymous):
        bus.handle(
            ISSUE_REPLIED,
            command_id=new_id("reply"),
            data={"issue_id": issue_id, "text": "Done", "visibility": "private"},
        )
    authors_accept = {"issue_id": named}
    bus.handle(
        ISSUE_ACCEPTED,
        command_id=(accepted := new_id("accept")),
        actor={"kind": "person", "id": author},
        data=authors_accept,
    )
    reads: list[Any] = []
    digests: list[str] = []
    select_events, digest = voice.recorder.select_events, followup.follow_up_digest
    monkeypatch.setattr(
        voice.recorder, "select_events", lambda *a, **k: reads.append(a) or select_events(*a, **k)
    )
    monkeypatch.setattr(followup, "follow_up_digest", lambda *a: digests.append(a[1]) or digest(*a))

    def attempt(kind: str, issue_id: str, by_key: bool, command_id: str) -> dict[str, Any]:
        reads.clear()
        digests.clear()
        extra = {"follow_up_key": "FU-NOT-THIS-ONE"} if by_key else {}
        before = count_events(database_url)
        with pytest.raises(DomainError) as refused:
            bus.handle(
                kind,
                command_id=command_id,
                actor={"kind": "person", "id": caller, "role": "agent"},
                data={"issue_id": issue_id, **extra, **FOLLOW_UPS[kind]},
            )
        assert count_events(database_url) == before
        with psycopg.connect(database_url) as conn:
            letter = conn.execute(
                "SELECT kind, code, reason, input FROM aerie_dead_letters ORDER BY id DESC LIMIT 1"
            ).fetchone()
        error = refused.value
        return {
            "error": (type(error), error.code, error.message.replace(issue_id, "<id>")),
            "field": (error.field, error.allowed, [p.field for p in error.problems]),
            "dead letter": letter,
            "work": (len(reads), len(digests)),
        }

    for kind in FOLLOW_UPS:
        for by_key in (False, True):
            answers = [
                attempt(kind, issue_id, by_key, new_id("c"))
                for issue_id in (new_id("IS"), anonymous, named)
            ]
            if kind == ISSUE_ACCEPTED and not by_key:  # the author's command, replayed
                answers.append(attempt(kind, named, by_key, accepted))
            assert all(answer == answers[0] for answer in answers), (kind, by_key, answers)
            code = "FOLLOW_UP_KEY_MISMATCH" if by_key else "NOT_THE_AUTHOR"
            assert answers[0]["error"][1] == code
            assert answers[0]["work"] == (1, 1)
            assert caller not in json.dumps(answers[0]["dead letter"], default=str)
    for issue_id in (new_id("IS"), anonymous, named):  # the anonymousIssue query's check
        reads.clear()
        digests.clear()
        with pytest.raises(DomainError) as refused:
            voice.check_follow_up_key(issue_id, "FU-NOT-THIS-ONE")
        assert (refused.value.code, refused.value.message) == (
            "FOLLOW_UP_KEY_MISMATCH",
            "the follow-up key does not match this issue",
        )
        assert (len(reads), len(digests)) == (1, 1)
