"""The deadline manager: reply deadlines as durable timers, escalations, and routing emails.

- Each routing records its reply deadline (``reply_due_at``, decided by the
  write side from the site's calendar); the manager sets a timer for it
  (``is_watched``: unless it had passed in history loaded later), moves it
  when a reassignment or a priority change moves the deadline (a deadline
  moved into the past fires at once), and cancels it when the issue is
  replied to, escalated or resolved. When it fires and the issue still awaits
  its reply by that deadline, the manager records ``issue.escalated`` (reason
  ``overdue``; the write side records the breach time) under a command id
  derived from the issue and the breach, as of the deadline or later.
- A rejected reply is escalated at once (reason ``rejected``), under a command
  id derived from the issue and the reply.
- Every routing and escalation that is news (``is_news``: not history loaded
  later) writes a notification row in the batch's transaction (unique per
  issue, reason and recipient); ``deliver`` sends the rows not yet sent over
  SMTP and marks each as it goes, so a crash neither loses a notice nor makes
  a second one (a resend carries the same Message-ID).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from aerie_events.catalog.voice import (
    DEPARTMENT_PUBLISHED,
    ISSUE_ACCEPTED,
    ISSUE_ESCALATED,
    ISSUE_RAISED,
    ISSUE_REASSIGNED,
    ISSUE_REJECTED,
    ISSUE_REPLIED,
    ISSUE_REPRIORITISED,
    ISSUE_RESOLVED,
)
from aerie_events.envelope import Envelope
from aerie_events.rules.escalation import (
    is_news,
    is_watched,
    overdue_command_id,
    rejection_command_id,
)
from psycopg import AsyncConnection

from aerie_projections.deadlines import outbox
from aerie_projections.deadlines.mail import REFUSED, MailSettings, Notice, Session, compose
from aerie_projections.kit import Statement, unnest, upsert_rows
from aerie_projections.manager import (
    CancelTimer,
    CommandRequest,
    DueTimer,
    ProcessManager,
    Timer,
)

log = logging.getLogger("aerie.manager.deadlines")

STATE = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.deadline_department (
    department_id text PRIMARY KEY,
    contact_email text NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.deadline_issue (
    issue_id text PRIMARY KEY,
    department text NOT NULL,
    priority text NOT NULL,
    status text NOT NULL,
    reply_due_at timestamptz
);
CREATE TABLE IF NOT EXISTS {s}.voice_outbox (
    issue_id text NOT NULL,
    reason text NOT NULL,
    recipient text NOT NULL,
    department text NOT NULL,
    priority text NOT NULL,
    due_at timestamptz,
    created_at timestamptz NOT NULL,
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error text,
    sent_at timestamptz,
    PRIMARY KEY (issue_id, reason, recipient)
);
CREATE INDEX IF NOT EXISTS voice_outbox_unsent ON {s}.voice_outbox (created_at)
    WHERE sent_at IS NULL;
"""

OUTBOX_FAILED = """
ALTER TABLE {s}.voice_outbox ADD COLUMN IF NOT EXISTS failed_at timestamptz;
CREATE INDEX IF NOT EXISTS voice_outbox_failed ON {s}.voice_outbox (created_at)
    WHERE failed_at IS NOT NULL;
"""

AWAITING = ("routed", "escalated")
NOTICE_COLUMNS = [
    ("issue_id", "text"),
    ("reason", "text"),
    ("department", "text"),
    ("priority", "text"),
    ("due_at", "timestamptz"),
    ("created_at", "timestamptz"),
]
DELIVERY_BATCH = 50


class DeadlineManager(ProcessManager):
    """Reply deadlines, escalations and the notices they send."""

    name = "deadlines"
    tables = ("deadline_department", "deadline_issue")
    handles = frozenset(
        {
            DEPARTMENT_PUBLISHED,
            ISSUE_RAISED,
            ISSUE_REASSIGNED,
            ISSUE_REPRIORITISED,
            ISSUE_REPLIED,
            ISSUE_ACCEPTED,
            ISSUE_REJECTED,
            ISSUE_ESCALATED,
            ISSUE_RESOLVED,
        }
    )
    migrations = (
        (1, "departments' contacts, issues awaiting replies, the notice outbox", STATE),
        (2, "notices given up after their last attempt", OUTBOX_FAILED),
    )

    def __init__(self, mail: MailSettings | None = None) -> None:
        self.mail = mail

    def configure(self, env: Mapping[str, str]) -> None:
        """Where notices go: ``AERIE_SMTP_*`` and ``AERIE_PUBLIC_URL`` (``MailSettings.from_env``)."""
        self.mail = MailSettings.from_env(env)

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        contacts: dict[str, list[Any]] = {}
        issues: dict[str, dict[str, Any]] = {}
        notices: list[list[Any] | None] = []
        for e in envelopes:
            p = e.payload
            if e.type == DEPARTMENT_PUBLISHED:
                contacts[p["department_id"]] = [p["department_id"], p["contact_email"]]
                continue
            issue = issues.setdefault(p["issue_id"], {})
            if e.type == ISSUE_RAISED:
                department, priority = p["department"], p.get("priority") or "normal"
                issue.update(department=department, priority=priority, status="routed")
                issue["reply_due_at"] = p.get("reply_due_at")
                notices.append(_notice(e, "routed", department, priority, p.get("reply_due_at")))
            elif e.type == ISSUE_REASSIGNED:
                issue.update(department=p["to_department"], reply_due_at=p["reply_due_at"])
                notices.append(
                    _notice(e, "reassigned", p["to_department"], p["priority"], p["reply_due_at"])
                )
            elif e.type == ISSUE_REPRIORITISED:
                issue.update(priority=p["priority"], reply_due_at=p["reply_due_at"])
            elif e.type == ISSUE_ESCALATED:
                issue.update(
                    department=p["to_department"],
                    status="escalated",
                    reply_due_at=p.get("reply_due_at"),
                )
                notices.append(
                    _notice(
                        e,
                        f"escalated-{p['reason']}",
                        p["to_department"],
                        p["priority"],
                        p.get("reply_due_at"),
                    )
                )
            else:
                issue["status"] = _STATUS_AFTER[e.type]
        sent = [n for n in notices if n is not None]
        statements: list[Statement] = []
        if contacts:
            statements.append(
                upsert_rows(
                    "deadline_department",
                    ("department_id", "text"),
                    [("contact_email", "text")],
                    [contacts[k] for k in sorted(contacts)],
                )
            )
        if issues:
            statements.append(_issue_state(issues))
        if sent:
            statements.append(_outbox(sent))
        return statements

    def timers(self, envelopes: Sequence[Envelope]) -> list[Timer | CancelTimer]:
        changes: list[Timer | CancelTimer] = []
        for e in envelopes:
            p = e.payload
            key = f"reply:{p.get('issue_id')}"
            if e.type in (ISSUE_RAISED, ISSUE_REASSIGNED, ISSUE_REPRIORITISED):
                due = p.get("reply_due_at")
                if due and is_watched(e.occurred_at, e.recorded_at, due):
                    changes.append(
                        Timer(
                            key=key, due_at=due, cause=e.event_id, data={"issue_id": p["issue_id"]}
                        )
                    )
                else:
                    changes.append(CancelTimer(key))
            elif e.type in (ISSUE_REPLIED, ISSUE_ESCALATED, ISSUE_RESOLVED):
                changes.append(CancelTimer(key))
        return changes

    def commands(self, envelopes: Sequence[Envelope]) -> list[CommandRequest]:
        return [
            CommandRequest(
                kind=ISSUE_ESCALATED,
                command_id=rejection_command_id(e.payload["issue_id"], e.payload["reply_number"]),
                employee_id=None,
                data={"issue_id": e.payload["issue_id"], "reason": "rejected"},
                causation_id=str(e.event_id),
                occurred_at=e.occurred_at,  # escalated when rejected, whoever records it first
            )
            for e in envelopes
            if e.type == ISSUE_REJECTED
        ]

    async def on_timer(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        issue_id = timer.data["issue_id"]
        cur = await conn.execute(
            f"SELECT status, reply_due_at FROM {schema}.deadline_issue WHERE issue_id = %s",
            (issue_id,),
        )
        row = await cur.fetchone()
        if row is None or row[0] != "routed" or row[1] != timer.due_at:
            return []  # replied, escalated or moved since: the breach did not happen
        return [
            CommandRequest(
                kind=ISSUE_ESCALATED,
                command_id=overdue_command_id(issue_id, timer.due_at),
                employee_id=None,
                data={"issue_id": issue_id, "reason": "overdue"},
                causation_id=str(timer.cause),
                # the database's clock fired it: never earlier than the deadline, whatever ours says
                occurred_at=max(dt.datetime.now(dt.UTC), timer.due_at).isoformat(),
            )
        ]

    async def deliver(self, conn: AsyncConnection[Any], schema: str) -> int:
        """Send the notices due, one by one, marking each as it goes; return how many were sent.

        A message the server refuses fails alone (the session goes on); a lost
        session fails the message in flight and gives the rest back unattempted.
        """
        if self.mail is None or not self.mail.enabled:
            return 0
        mail = self.mail
        notices = await outbox.claim(conn, schema, DELIVERY_BATCH)
        if not notices:
            return 0
        try:
            session = await asyncio.to_thread(Session, mail)
        except (OSError, ValueError) as error:
            for notice in notices:
                await self._failed(conn, schema, notice, error)
            return 0
        sent = 0
        try:
            for n, notice in enumerate(notices):
                try:
                    await asyncio.to_thread(session.send, compose(notice, mail))
                except REFUSED as error:
                    await self._failed(conn, schema, notice, error)
                    continue
                except (OSError, ValueError) as error:
                    await self._failed(conn, schema, notice, error)
                    await outbox.release(conn, schema, notices[n + 1 :], mail)
                    break
                await outbox.mark_sent(conn, schema, notice)
                sent += 1
        finally:
            await asyncio.to_thread(session.close)
        return sent

    async def _failed(
        self, conn: AsyncConnection[Any], schema: str, notice: Notice, error: BaseException
    ) -> None:
        assert self.mail is not None
        reason = type(error).__name__  # the class only: a server's answer may quote an address
        if await outbox.mark_failed(conn, schema, notice, reason, self.mail):
            log.error(
                "notice %s about issue %s given up after %d attempts (%s): "
                "`aerie outbox list --failed` lists it, `aerie outbox retry` queues it again",
                notice.reason.split(":", 1)[0],
                notice.issue_id,
                self.mail.max_attempts,
                reason,
            )
        else:
            log.warning("notice about issue %s not sent (will retry): %s", notice.issue_id, reason)


_STATUS_AFTER = {
    ISSUE_REPLIED: "replied",
    ISSUE_ACCEPTED: "accepted",
    ISSUE_REJECTED: "rejected",
    ISSUE_RESOLVED: "resolved",
}


def _notice(e: Envelope, reason: str, department: str, priority: str, due: Any) -> list[Any] | None:
    """The outbox row ``e`` calls for; None for history loaded later (it tells no one)."""
    if not is_news(e.occurred_at, e.recorded_at):
        return None
    return [
        e.payload["issue_id"],
        f"{reason}:{e.event_id}",
        department,
        priority,
        due,
        e.recorded_at,
    ]


def _issue_state(issues: dict[str, dict[str, Any]]) -> Statement:
    """Upsert each issue's latest state; a NULL leaves the stored column as it is."""
    columns = [
        ("issue_id", "text"),
        ("department", "text"),
        ("priority", "text"),
        ("status", "text"),
        ("reply_due_at", "timestamptz"),
    ]
    rows = [
        [k, v.get("department"), v.get("priority"), v.get("status"), v.get("reply_due_at")]
        for k, v in sorted(issues.items())
    ]
    source, params = unnest(columns, rows)
    return Statement(
        "INSERT INTO {s}.deadline_issue AS t (issue_id, department, priority, status, "
        "reply_due_at) SELECT u.issue_id, coalesce(u.department, ''), coalesce(u.priority, ''), "
        f"coalesce(u.status, ''), u.reply_due_at FROM {source} "
        "ON CONFLICT (issue_id) DO UPDATE SET "
        "department = coalesce(nullif(excluded.department, ''), t.department), "
        "priority = coalesce(nullif(excluded.priority, ''), t.priority), "
        "status = coalesce(nullif(excluded.status, ''), t.status), "
        "reply_due_at = coalesce(excluded.reply_due_at, t.reply_due_at)",
        params,
    )


def _outbox(notices: list[list[Any]]) -> Statement:
    """One notice row per (issue, reason, recipient): the department's contact at the time."""
    source, params = unnest(NOTICE_COLUMNS, notices)
    return Statement(
        "INSERT INTO {s}.voice_outbox (issue_id, reason, recipient, department, priority, due_at, "
        "created_at) SELECT u.issue_id, u.reason, d.contact_email, u.department, u.priority, "
        f"u.due_at, u.created_at FROM {source} "
        "JOIN {s}.deadline_department d ON d.department_id = u.department "
        "ON CONFLICT DO NOTHING",
        params,
    )
