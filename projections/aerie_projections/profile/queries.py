"""Read queries of the profile: the functions the gateway calls (it writes no SQL itself)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from aerie_projections.kit import READ_SCHEMA

S = READ_SCHEMA


async def employee(conn: AsyncConnection[Any], employee_id: str) -> dict[str, Any] | None:
    """One employee's profile row, or None."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT * FROM {S}.employee_profile WHERE employee_id = %s", (employee_id,)
        )
        return await cur.fetchone()


_WITH_LISTS = f"""
SELECT p.*,
    (SELECT coalesce(json_agg(json_build_object('course_id', t.course_id,
            'course_title', t.course_title, 'score', t.score, 'passed_on', t.passed_on)
            ORDER BY t.passed_on, t.position), '[]')
        FROM {S}.training_passed t WHERE t.employee_id = p.employee_id) AS trainings_list,
    (SELECT coalesce(json_agg(json_build_object('issue_id', i.issue_id,
            'department', i.department, 'title', i.title, 'status', i.status,
            'raised_at', i.raised_at, 'holder_id', i.holder_id)
            ORDER BY i.raised_at, i.issue_id), '[]')
        FROM {S}.issue i WHERE i.employee_id = p.employee_id AND i.status = 'open')
        AS open_issues_list
FROM {S}.employee_profile p WHERE p.employee_id = ANY(%s)
"""


async def employees(
    conn: AsyncConnection[Any], employee_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The profile rows of ``employee_ids`` that exist, by id, each with its lists.

    ``trainings_list`` and ``open_issues_list`` (as ``trainings_of`` and
    ``open_issues_of`` give them, dates as ISO text) come in the same round
    trip: the unified view of one employee is one query.
    """
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_WITH_LISTS, (list(employee_ids),))
        return {row["employee_id"]: row for row in await cur.fetchall()}


async def employees_of_site(
    conn: AsyncConnection[Any], site_id: str, after: str, limit: int, team_id: str | None = None
) -> list[dict[str, Any]]:
    """Up to ``limit`` profiles of a site (or of one team of it) with ids after ``after``."""
    team = "AND team_id = %s" if team_id is not None else ""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT * FROM {S}.employee_profile WHERE site_id = %s {team} AND employee_id > %s "
            "ORDER BY employee_id LIMIT %s",
            (site_id, *([team_id] if team_id is not None else []), after, limit),
        )
        return await cur.fetchall()


async def site_summary(conn: AsyncConnection[Any], site_id: str) -> dict[str, Any]:
    """Active head count of a site by star and by team (survey results are the satisfaction's).

    Only counts and averages leave this function: no row names an employee.
    """
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT star_level, count(*) AS headcount FROM {S}.employee_profile "
            "WHERE site_id = %s AND status = 'active' GROUP BY star_level ORDER BY star_level",
            (site_id,),
        )
        by_star = await cur.fetchall()
        await cur.execute(
            f"SELECT team_id, count(*) AS headcount, avg(star_level)::float AS average_star "
            f"FROM {S}.employee_profile WHERE site_id = %s AND status = 'active' "
            "GROUP BY team_id ORDER BY team_id",
            (site_id,),
        )
        teams = await cur.fetchall()
    return {"by_star": by_star, "teams": teams}


async def trainings_of(
    conn: AsyncConnection[Any], employee_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Courses passed per employee, oldest first."""
    return await _grouped(
        conn,
        f"SELECT employee_id, course_id, course_title, score, passed_on FROM {S}.training_passed "
        "WHERE employee_id = ANY(%s) ORDER BY passed_on, position",
        employee_ids,
    )


async def open_issues_of(
    conn: AsyncConnection[Any], employee_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Open issues each employee raised by name, oldest first, with who holds each."""
    return await _grouped(
        conn,
        f"SELECT employee_id, issue_id, department, title, status, raised_at, holder_id "
        f"FROM {S}.issue WHERE employee_id = ANY(%s) AND status = 'open' "
        "ORDER BY raised_at, issue_id",
        employee_ids,
    )


async def _grouped(
    conn: AsyncConnection[Any], query: str, keys: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, (list(keys),))
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in await cur.fetchall():
            grouped[row.pop("employee_id")].append(row)
        return grouped
