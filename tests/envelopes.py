"""Test helpers for projections: their tables, envelopes as the relay delivers them, reads."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from aerie_events.catalog import CATALOG
from aerie_events.envelope import Envelope


def envelope(
    kind: str,
    payload: dict[str, Any],
    *,
    occurred_at: str,
    recorded_at: str | None = None,
    position: int = 1,
    employee_id: str | None = None,
    site_id: str | None = "site-1",
    policy_version: str | None = None,
) -> Envelope:
    """An envelope of ``kind`` (at the catalog's schema version), recorded when it occurred."""
    return Envelope(
        event_id=uuid.uuid4(),
        type=kind,
        schema_version=CATALOG[kind].schema_version,
        occurred_at=occurred_at,
        recorded_at=recorded_at or occurred_at,
        position=position,
        context=CATALOG[kind].context,
        site_id=site_id,
        employee_id=employee_id,
        actor={"kind": "system", "id": "test"},
        source={"system": "test"},
        correlation_id="c",
        causation_id=None,
        policy_version=policy_version,
        payload=payload,
    )


def read_with(url: str, query: Callable[[Any], Any]) -> Any:
    """Run an async read query (``query(conn)``) on a connection of its own."""

    async def run() -> Any:
        conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
        try:
            return await query(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


def migrate(conn: psycopg.Connection[Any], projection: Any, schema: str) -> None:
    """Create ``projection``'s tables in ``schema`` (its migrations, in order)."""
    for _, _, sql in projection.migrations:
        conn.execute(sql.replace("{s}", schema))
