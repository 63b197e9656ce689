"""Read queries of the audit trail."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from aerie_projections.kit import READ_SCHEMA

S = READ_SCHEMA


async def trail_of(
    conn: AsyncConnection[Any], employee_id: str, after: tuple[str, str] | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` events about ``employee_id`` in recorded order, after ``after``."""
    since = "AND (recorded_at, event_id) > (%s::timestamptz, %s::uuid)" if after else ""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT * FROM {S}.audit_event WHERE employee_id = %s {since} "
            "ORDER BY recorded_at, event_id LIMIT %s",
            (employee_id, *(after or ()), limit),
        )
        return await cur.fetchall()
