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


async def employees(
    conn: AsyncConnection[Any], employee_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The profile rows of ``employee_ids`` that exist, by id."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT * FROM {S}.employee_profile WHERE employee_id = ANY(%s)", (list(employee_ids),)
        )
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
    """Active head count of a site by star and by team, with each team's survey answers.

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
            f"SELECT team_id, count(*) AS headcount, avg(star_level)::float AS average_star, "
            "count(last_survey_overall) AS survey_answers, "
            "avg(last_survey_overall)::float AS average_survey "
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


async def applied_position(
    conn: AsyncConnection[Any], projection: str, topic: str, partition: int
) -> int:
    """The last log position ``projection`` applied from ``topic``'s ``partition`` (0: none)."""
    cur = await conn.execute(
        "SELECT position FROM aerie_projection_tracking "
        "WHERE projection = %s AND topic = %s AND partition = %s",
        (projection, topic, partition),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0
