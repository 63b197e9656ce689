"""Read queries of the sites read model."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from aerie_projections.kit import READ_SCHEMA

S = READ_SCHEMA


async def sites(conn: AsyncConnection[Any]) -> list[dict[str, Any]]:
    """Every opened site, by id."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(f"SELECT * FROM {S}.site ORDER BY site_id")
        return await cur.fetchall()


async def sites_by_id(conn: AsyncConnection[Any], site_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The opened sites among ``site_ids``, by id."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(f"SELECT * FROM {S}.site WHERE site_id = ANY(%s)", (site_ids,))
        return {row["site_id"]: row for row in await cur.fetchall()}
