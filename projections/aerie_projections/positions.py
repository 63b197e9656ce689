"""How far each projection got: what the gateway reads to show a write's effect."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import AsyncConnection

from aerie_projections.kit import TRACKING_TABLE

Applied = dict[tuple[str, str, int], int]
"""``(projection, topic, partition) -> the last log position applied``."""


async def applied_position(
    conn: AsyncConnection[Any], projection: str, topic: str, partition: int
) -> int:
    """The last log position ``projection`` applied from ``topic``'s ``partition`` (0: none)."""
    cur = await conn.execute(
        f"SELECT position FROM {TRACKING_TABLE} "
        "WHERE projection = %s AND topic = %s AND partition = %s",
        (projection, topic, partition),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


def read_notice(payload: str) -> Applied:
    """The positions a committed batch's ``NOTIFY`` reports (see ``tracking.applied_notice``)."""
    notice = orjson.loads(payload)
    projection = notice["projection"]
    return {(projection, t, int(p)): int(pos) for t, p, pos in notice["applied"]}
