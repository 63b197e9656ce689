"""The notice outbox: rows the deadline manager's batches write, sent over SMTP one by one.

A delivery claims a few due rows (``FOR UPDATE SKIP LOCKED``, then a lease:
no other worker takes them meanwhile), sends each in one SMTP session and
marks each as it goes: sent, or failed with its error's class (never the
server's words, which may quote an address) and a next attempt that waits
twice as long each time. A row the server refuses ``max_attempts`` times is
given up: it stays, marked failed, for an operator to list and queue again
(``aerie outbox list --failed``, ``aerie outbox retry``). A crash resends at
most the message in flight, once its lease ends, under the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import AsyncConnection

from aerie_projections.deadlines.mail import MailSettings, Notice

LEASE = dt.timedelta(minutes=15)
"""How long claimed rows are kept from other deliveries (a crash's rows wait that long)."""
LONGEST_WAIT = dt.timedelta(hours=1)

_COLUMNS = "issue_id, reason, recipient, department, priority, due_at, created_at"
_KEY = "issue_id = %s AND reason = %s AND recipient = %s"


async def claim(conn: AsyncConnection[Any], schema: str, limit: int) -> list[Notice]:
    """The oldest rows due for an attempt, leased to this delivery (one transaction)."""
    async with conn.transaction():
        cur = await conn.execute(
            f"SELECT {_COLUMNS} FROM {schema}.voice_outbox WHERE sent_at IS NULL "
            "AND failed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now()) "
            "ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (limit,),
        )
        notices = [_notice_of(row) for row in await cur.fetchall()]
        for notice in notices:
            await conn.execute(
                f"UPDATE {schema}.voice_outbox SET next_attempt_at = now() + %s WHERE {_KEY}",
                (LEASE, *_key(notice)),
            )
    return notices


async def mark_sent(conn: AsyncConnection[Any], schema: str, notice: Notice) -> None:
    async with conn.transaction():
        await conn.execute(
            f"UPDATE {schema}.voice_outbox SET sent_at = now(), attempts = attempts + 1, "
            f"last_error = NULL WHERE {_KEY}",
            _key(notice),
        )


async def mark_failed(
    conn: AsyncConnection[Any], schema: str, notice: Notice, error: str, mail: MailSettings
) -> bool:
    """Count a failed attempt; True when it was the last one (the row is given up)."""
    async with conn.transaction():
        cur = await conn.execute(
            f"UPDATE {schema}.voice_outbox SET attempts = attempts + 1, last_error = %s, "
            "failed_at = CASE WHEN attempts + 1 >= %s THEN now() END, "
            "next_attempt_at = now() + least(%s * power(2, attempts), %s) "
            f"WHERE {_KEY} RETURNING failed_at IS NOT NULL",
            (
                error,
                mail.max_attempts,
                dt.timedelta(seconds=mail.retry_after_seconds),
                LONGEST_WAIT,
                *_key(notice),
            ),
        )
        row = await cur.fetchone()
    return bool(row and row[0])


async def release(
    conn: AsyncConnection[Any], schema: str, notices: Sequence[Notice], mail: MailSettings
) -> None:
    """Give back rows not attempted (the session was lost first): no attempt counted."""
    async with conn.transaction():
        for notice in notices:
            await conn.execute(
                f"UPDATE {schema}.voice_outbox SET next_attempt_at = now() + %s WHERE {_KEY}",
                (dt.timedelta(seconds=mail.retry_after_seconds), *_key(notice)),
            )


def listed(
    conn: psycopg.Connection[Any], schema: str, *, failed_only: bool, limit: int
) -> list[dict[str, Any]]:
    """Notices not sent (or only those given up), oldest first, for an operator."""
    where = "failed_at IS NOT NULL" if failed_only else "sent_at IS NULL"
    cur = conn.execute(
        f"SELECT issue_id, reason, recipient, attempts, last_error, next_attempt_at, failed_at, "
        f"created_at FROM {schema}.voice_outbox WHERE {where} ORDER BY created_at LIMIT %s",
        (limit,),
    )
    names = [c.name for c in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def requeue_failed(conn: psycopg.Connection[Any], schema: str) -> int:
    """Give every notice given up a new set of attempts (once its cause is fixed); how many."""
    cur = conn.execute(
        f"UPDATE {schema}.voice_outbox SET failed_at = NULL, attempts = 0, "
        "next_attempt_at = NULL WHERE failed_at IS NOT NULL AND sent_at IS NULL"
    )
    return cur.rowcount


def _key(notice: Notice) -> tuple[str, str, str]:
    return notice.issue_id, notice.reason, notice.recipient


def _notice_of(row: Sequence[Any]) -> Notice:
    issue_id, reason, recipient, department, priority, due_at, created_at = row
    return Notice(
        issue_id=issue_id,
        reason=reason,
        recipient=recipient,
        department=department,
        priority=priority,
        due_at=due_at.isoformat() if due_at else None,
        created_at=created_at.isoformat(),
    )
