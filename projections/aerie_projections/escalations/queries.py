"""Read queries of the opinion platform (the gateway writes no SQL itself).

``now`` is the caller's clock, passed in: an open issue's age and whether its
deadline has passed are answers to a question asked at a moment, not stored.
No query returns an anonymous issue's author: its row has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from aerie_projections.kit import READ_SCHEMA

S = READ_SCHEMA

ISSUE_COLUMNS = (
    "issue_id, kind, department, first_department, priority, anonymous, author_id, holder_id, "
    "site_id, "
    "title, description, status, raised_at, reply_due_at, first_reply_at, last_reply_at, "
    "accepted_at, resolved_at, escalated_at, breach_at, escalation_reason, escalations, replies, "
    "representative_id, adopted_on, public_reply"
)


async def _rows(
    conn: AsyncConnection[Any], sql: str, params: Sequence[Any] | Mapping[str, Any]
) -> list[dict]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return list(await cur.fetchall())


async def departments(conn: AsyncConnection[Any]) -> list[dict[str, Any]]:
    """Every published department in its latest version, by id."""
    return await _rows(conn, f"SELECT * FROM {S}.voice_department ORDER BY department_id", ())


async def issues(conn: AsyncConnection[Any], issue_ids: Sequence[str]) -> dict[str, dict]:
    """The issues of ``issue_ids`` that exist, by id."""
    rows = await _rows(
        conn,
        f"SELECT {ISSUE_COLUMNS} FROM {S}.voice_issue WHERE issue_id = ANY(%s)",
        (list(issue_ids),),
    )
    return {row["issue_id"]: row for row in rows}


async def issues_of_person(
    conn: AsyncConnection[Any], employee_id: str, after: str, limit: int
) -> list[dict[str, Any]]:
    """The named issues and suggestions an employee raised or holds now (handed over to them),
    by id after the cursor."""
    return await _rows(
        conn,
        f"SELECT {ISSUE_COLUMNS} FROM {S}.voice_issue WHERE (author_id = %s OR holder_id = %s) "
        "AND issue_id > %s ORDER BY issue_id LIMIT %s",
        (employee_id, employee_id, after, limit),
    )


async def queue(
    conn: AsyncConnection[Any], department: str, open_only: bool, after: str, limit: int
) -> list[dict[str, Any]]:
    """A department's issues (open ones only, unless asked), by id after the cursor."""
    status = "AND status <> 'resolved'" if open_only else ""
    return await _rows(
        conn,
        f"SELECT {ISSUE_COLUMNS} FROM {S}.voice_issue WHERE department = %s {status} "
        "AND issue_id > %s ORDER BY issue_id LIMIT %s",
        (department, after, limit),
    )


async def board(conn: AsyncConnection[Any], after: str, limit: int) -> list[dict[str, Any]]:
    """Representative issues with a public reply, each with how many issues link to it."""
    return await _rows(
        conn,
        f"SELECT i.issue_id, i.kind, i.department, i.title, i.status, i.raised_at, "
        f"(SELECT count(*) FROM {S}.voice_issue l WHERE l.representative_id = i.issue_id) "
        f"AS linked FROM {S}.voice_issue i WHERE i.public_reply AND i.representative_id IS NULL "
        "AND i.issue_id > %s ORDER BY i.issue_id LIMIT %s",
        (after, limit),
    )


async def replies(
    conn: AsyncConnection[Any], issue_ids: Sequence[str], public_only: bool
) -> dict[str, list[dict[str, Any]]]:
    """The replies to ``issue_ids`` (public ones only, if asked), in order, by issue."""
    visibility = "AND visibility = 'public'" if public_only else ""
    rows = await _rows(
        conn,
        f"SELECT issue_id, reply_number, department, visibility, body, replied_at, outcome, "
        f"outcome_at FROM {S}.voice_reply WHERE issue_id = ANY(%s) {visibility} "
        "ORDER BY issue_id, reply_number",
        (list(issue_ids),),
    )
    return _grouped(rows)


async def comments(
    conn: AsyncConnection[Any], issue_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """The author's follow-up comments on ``issue_ids``, in order, by issue."""
    rows = await _rows(
        conn,
        f"SELECT issue_id, body, commented_at FROM {S}.voice_comment "
        "WHERE issue_id = ANY(%s) ORDER BY issue_id, commented_at, event_id",
        (list(issue_ids),),
    )
    return _grouped(rows)


async def escalations(
    conn: AsyncConnection[Any], now: dt.datetime, after: str, limit: int
) -> list[dict[str, Any]]:
    """Open issues that were escalated, whose reply deadline has passed, or whose rejected reply
    awaits leadership (its escalation may have been refused: no leadership published), by id."""
    return await _rows(
        conn,
        f"SELECT {ISSUE_COLUMNS} FROM {S}.voice_issue WHERE status <> 'resolved' AND "
        "(escalations > 0 OR status = 'rejected' "
        "OR (status IN ('routed', 'escalated') AND reply_due_at < %s)) "
        "AND issue_id > %s ORDER BY issue_id LIMIT %s",
        (now, after, limit),
    )


_FIGURES = f"""
WITH i AS (
    SELECT issue_id, department, first_department, breached_department, status, raised_at,
        reply_due_at, first_reply_at, resolved_at, escalations
    FROM {S}.voice_issue WHERE raised_at >= %(since)s
), r AS (
    SELECT issue_id, department, outcome FROM {S}.voice_reply WHERE replied_at >= %(since)s
), per_department AS (
    SELECT d.department_id AS department,
        (SELECT count(*) FROM (
            SELECT i.issue_id FROM i WHERE d.department_id IN
                (i.department, i.first_department, i.breached_department)
            UNION SELECT r.issue_id FROM r WHERE r.department = d.department_id) behind
        ) AS issues,
        (SELECT count(*) FROM i WHERE i.department = d.department_id
            AND i.status <> 'resolved') AS open,
        (SELECT count(*) FROM i WHERE i.department = d.department_id
            AND i.status IN ('routed', 'escalated') AND i.reply_due_at < %(now)s) AS overdue,
        (SELECT count(*) FROM i WHERE i.breached_department = d.department_id) AS breached,
        (SELECT count(*) FROM i WHERE i.first_department = d.department_id
            AND i.escalations > 0) AS escalated,
        (SELECT extract(epoch FROM avg(i.first_reply_at - i.raised_at)) / 3600 FROM i
            WHERE i.first_department = d.department_id) AS hours_to_first_reply,
        (SELECT extract(epoch FROM avg(i.resolved_at - i.raised_at)) / 3600 FROM i
            WHERE i.first_department = d.department_id) AS hours_to_resolution,
        (SELECT count(*) FILTER (WHERE r.outcome = 'accepted') FROM r
            WHERE r.department = d.department_id) AS accepted,
        (SELECT count(*) FILTER (WHERE r.outcome IS NOT NULL) FROM r
            WHERE r.department = d.department_id) AS answered
    FROM {S}.voice_department d
)
SELECT * FROM per_department ORDER BY department
"""


async def department_figures(
    conn: AsyncConnection[Any], now: dt.datetime, since: dt.datetime
) -> list[dict[str, Any]]:
    """Per department, over issues raised since ``since``: counts, times and acceptance.

    ``open`` and ``overdue`` are the department's current queue; ``breached``
    the deadlines it missed (escalated as overdue); ``escalated``, the times
    and the acceptance rate count the issues first routed to it and the
    replies it wrote since then (``accepted`` of ``answered`` by their
    authors). ``issues``: how many issues stand behind the row (any of those).
    """
    return await _rows(conn, _FIGURES, {"now": now, "since": since})


_TRENDS = f"""
SELECT date_trunc('week', raised_at AT TIME ZONE 'UTC')::date AS week,
    count(*) AS raised,
    count(*) FILTER (WHERE kind = 'suggestion') AS suggestions,
    count(*) FILTER (WHERE first_reply_at IS NOT NULL AND breached_department IS NULL
        AND (first_reply_due_at IS NULL OR first_reply_at <= first_reply_due_at))
        AS replied_in_time,
    count(*) FILTER (WHERE escalations > 0) AS escalated,
    count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
    count(*) FILTER (WHERE adopted_on IS NOT NULL) AS adopted
FROM {S}.voice_issue WHERE raised_at >= %s
GROUP BY 1 ORDER BY 1
"""


async def weekly_trends(conn: AsyncConnection[Any], since: dt.datetime) -> list[dict[str, Any]]:
    """Per week (Monday, UTC) of raising: how many issues, and how they fared so far.

    ``replied_in_time``: a first reply by the deadline in force when it came,
    and no deadline breached (an issue escalated as overdue never counts).
    """
    return await _rows(conn, _TRENDS, (since,))


def _grouped(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["issue_id"], []).append(row)
    return grouped
