"""The opinion platform's benchmark: the escalations projection and the deadline manager's lag.

Run with ``make bench`` (or ``python -m tests.perf.voice``). On an embedded
PostgreSQL and broker (unless ``AERIE_DATABASE_URL`` / ``AERIE_KAFKA_BOOTSTRAP``
point at servers):

1. ``ISSUES`` issues, each raised, replied, accepted and resolved, are appended
   to the event store in batches and relayed; a worker running only the
   escalations projection (``AERIE_PROJECTIONS=escalations``) then applies the
   backlog, timed from its first commit to its last (events/s per worker).
2. A worker running only the deadline manager catches up, then ``LAG_ISSUES``
   urgent issues are raised with deadlines a few seconds away (a department
   answering urgent issues in one working minute, a site working all day):
   the lag is the time from each deadline to its ``issue.escalated`` event
   (the event's own time, taken when the manager's command is decided).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import threading
import time
import uuid
from contextlib import ExitStack
from typing import Any

import psycopg
from aerie_events.catalog.voice import (
    ISSUE_ACCEPTED,
    ISSUE_ESCALATED,
    ISSUE_RAISED,
    ISSUE_REPLIED,
    ISSUE_RESOLVED,
)
from aerie_events.topics import Topics
from aerie_platform.compose import WriteSide
from aerie_services.kit.inputs import build_command
from aerie_services.registry import registry
from aerie_services.voice.domainmodel import Issue

from tests.conftest import (
    Platform,
    hire,
    open_all_day_site,
    publish_one_minute_desk,
    wait_until,
)
from tests.perf.bench import (
    Result,
    bench_platform,
    database,
    print_machine,
    print_summary,
    report,
)

ISSUES = 15_000
EVENTS_PER_ISSUE = 4
SAVE_CHUNK = 500
AUTHORS = 300
LAG_ISSUES = 20
LEAD_SECONDS = 4.0
SITE = "site-bench"
DESK = "bench-desk"
LAG_TARGET_SECONDS = 2.0
REGISTRY = registry()


def prepare(side: WriteSide) -> list[str]:
    """A site working all day, a desk answering urgent issues in one minute, the authors."""
    bus = side.bus
    open_all_day_site(bus, SITE)
    publish_one_minute_desk(bus, DESK)
    authors = [f"V-{n:05d}" for n in range(AUTHORS)]
    for author in authors:
        hire(bus, author, site_id=SITE)
    return authors


def _meta(kind: str, command_id: str, author: str, data: dict[str, Any], **more: Any) -> dict:
    about = kind == ISSUE_RAISED
    _context, handles = REGISTRY.handlers[kind]
    command = build_command(
        kind,
        command_id=command_id,
        employee_id=author if about else None,
        data=data,
        occurred_at="2026-03-02T09:00:00+00:00",
        about_employee=about,
        decided_by_domain=handles.decided_by_domain,
    )
    return command.meta(site_id=SITE, employee_id=author, **more)


def one_issue(n: int, author: str) -> Issue:
    """An issue's whole loop as the write side records it: raised, replied, accepted, resolved."""
    issue_id = f"B-{n:06d}"
    raised = {
        "issue_id": issue_id,
        "kind": "issue",
        "department": "hr",
        "priority": "normal",
        "title": "Headset",
        "description": "Cuts out",
        "anonymous": False,
    }
    meta = _meta(ISSUE_RAISED, f"b-{n}-r", author, raised, policy_version="department:hr/v1")
    issue = Issue.raise_issue(
        None, meta, {**raised, "department_version": 1, "reply_due_at": "2026-03-03T09:00:00+00:00"}
    )
    reply = {"issue_id": issue_id, "text": "Replaced", "visibility": "public"}
    issue.reply(
        _meta(ISSUE_REPLIED, f"b-{n}-p", author, reply),
        {**reply, "department": "hr", "reply_number": 1},
    )
    accept = {"issue_id": issue_id}
    issue.accept(_meta(ISSUE_ACCEPTED, f"b-{n}-a", author, accept), {**accept, "reply_number": 1})
    resolve = {"issue_id": issue_id}
    issue.resolve(_meta(ISSUE_RESOLVED, f"b-{n}-s", author, resolve), resolve)
    return issue


def append_history(side: WriteSide, authors: list[str]) -> int:
    """Append ``ISSUES`` loops to the event store, ``SAVE_CHUNK`` issues per transaction."""
    app: Any = side.bus.apps["voice"]
    for start in range(0, ISSUES, SAVE_CHUNK):
        chunk = range(start, min(start + SAVE_CHUNK, ISSUES))
        app.save(*[one_issue(n, authors[n % len(authors)]) for n in chunk])
    return ISSUES * EVENTS_PER_ISSUE


_WATCH: dict[str, psycopg.Connection[Any]] = {}


def tracked(database_url: str, projection: str, topic: str) -> tuple[int, int]:
    """(messages ``projection`` went past on ``topic``, messages the relay sent there).

    On one kept connection: a new one per look would fork a PostgreSQL backend
    20 times a second, on the CPUs the worker is measured on.
    """
    conn = _WATCH.get(database_url)
    if conn is None or conn.closed:
        conn = _WATCH[database_url] = psycopg.connect(database_url, autocommit=True)
    sent = conn.execute(
        "SELECT coalesce(sum(seq), 0) FROM aerie_relay_partition WHERE topic = %s", (topic,)
    ).fetchone()[0]
    applied = conn.execute(
        "SELECT coalesce(sum(seq), 0) FROM aerie_projection_tracking "
        "WHERE projection = %s AND topic = %s",
        (projection, topic),
    ).fetchone()[0]
    return int(applied), int(sent)


def voice_topic(aerie: Platform) -> str:
    return Topics(aerie.env["AERIE_TOPIC_PREFIX"]).of("voice")


def escalations_throughput(aerie: Platform, database_url: str, expected: int) -> Result:
    topic = voice_topic(aerie)
    wait_until(lambda: tracked(database_url, "x", topic)[1] >= expected, 600, "relay lagged")
    aerie.kill("relay")  # it sent everything: the worker has the CPUs to itself
    aerie.env["AERIE_PROJECTIONS"] = "escalations"
    aerie.start("worker", name="worker-escalations")
    wait_until(lambda: tracked(database_url, "escalations", topic)[0] > 0, 180, "no start")
    start = time.perf_counter()
    base, total = tracked(database_url, "escalations", topic)
    while tracked(database_url, "escalations", topic)[0] < total:
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    aerie.kill("worker-escalations")
    return report(
        "escalations projection, a worker of its own",
        total - base,
        seconds,
        "events/s",
        "10,000/s",
    )


def escalated_at(database_url: str, issue_ids: list[str]) -> dict[str, dt.datetime]:
    """When each issue's escalation was decided (its stored event's own time)."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT state FROM voice_events WHERE notification_id > "
            "(SELECT coalesce(max(notification_id), 0) - 5000 FROM voice_events)"
        ).fetchall()
    found = {}
    for (state,) in rows:
        event = json.loads(bytes(state))
        meta = event.get("meta") or {}
        if meta.get("type") == ISSUE_ESCALATED and event["payload"]["issue_id"] in issue_ids:
            found[event["payload"]["issue_id"]] = dt.datetime.fromisoformat(
                event["timestamp"]["_data_"]
            )
    return found


def deadline_lag(aerie: Platform, side: WriteSide, database_url: str, authors: list[str]) -> list:
    topic = voice_topic(aerie)
    aerie.start("relay")
    aerie.env["AERIE_PROJECTIONS"] = "deadlines"
    aerie.start("worker", name="worker-deadlines")
    wait_until(
        lambda: (lambda a, s: a >= s > 0)(*tracked(database_url, "deadlines", topic)),
        600,
        "the deadline manager did not catch up",
    )
    dues: dict[str, dt.datetime] = {}
    for n in range(LAG_ISSUES):
        raised_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60 - LEAD_SECONDS)
        issue_id = f"LAG-{uuid.uuid4().hex[:10]}"
        side.bus.handle(
            ISSUE_RAISED,
            command_id=f"raise-{issue_id}",
            employee_id=authors[n],
            occurred_at=raised_at.isoformat(),
            trusted_time=True,  # as a loader would: due LEAD_SECONDS from now
            data={
                "issue_id": issue_id,
                "department": DESK,
                "priority": "urgent",
                "title": "Down",
                "description": "The phones are down",
                "anonymous": False,
            },
        )
        dues[issue_id] = raised_at + dt.timedelta(minutes=1)
        time.sleep(0.2)
    found = wait_until(
        lambda: (lambda f: f if len(f) == len(dues) else None)(
            escalated_at(database_url, list(dues))
        ),
        120,
        "not every overdue issue was escalated",
    )
    lags = sorted((found[i] - dues[i]).total_seconds() for i in dues)
    aerie.kill("worker-deadlines")
    p50 = statistics.median(lags)
    print(
        f"  deadline to issue.escalated: p50 {p50:.3f}s, max {lags[-1]:.3f}s ({len(lags)} issues)"
    )
    return [
        Result("deadline -> issue.escalated, p50", len(lags), 0, "s", "2 s", value=p50),
        Result("deadline -> issue.escalated, max", len(lags), 0, "s", "2 s", value=lags[-1]),
    ]


def main() -> None:
    print_machine()
    with ExitStack() as stack, database(stack) as database_url:
        side, aerie = bench_platform(
            stack, database_url, "aerie-bench-voice-", f"v{uuid.uuid4().hex[:6]}"
        )
        aerie.migrate()
        print(f"logs:     {aerie.logs}\n")
        authors = prepare(side)
        started = time.perf_counter()
        events = append_history(side, authors)
        print(f"  appended {events:,} voice events in {time.perf_counter() - started:.1f}s")
        aerie.start("relay")
        results = [escalations_throughput(aerie, database_url, events)]
        results += deadline_lag(aerie, side, database_url, authors)
    print_summary(results)


if __name__ == "__main__":
    threading.current_thread().name = "bench-voice"
    main()
