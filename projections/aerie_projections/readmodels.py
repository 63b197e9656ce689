"""Read-model storage: migrations, applying batches, and digests for verification."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from aerie_events.envelope import Envelope
from psycopg import sql

from aerie_projections.profile import views


def migrate(conn: psycopg.Connection[Any], schema: str = views.LIVE_SCHEMA) -> None:
    """Create the read-model tables in ``schema`` if they are not there."""
    conn.execute("SELECT pg_advisory_xact_lock(4243)")
    conn.execute(views.DDL.format(s=sql.Identifier(schema).as_string(conn)))


def apply_batch(
    conn: psycopg.Connection[Any], envelopes: Sequence[Envelope], schema: str = views.LIVE_SCHEMA
) -> None:
    """Apply events in order, inside the caller's transaction."""
    quoted = sql.Identifier(schema).as_string(conn)
    with conn.cursor() as cur:
        for statement, params in views.plan(envelopes, quoted):
            cur.executemany(statement, params)


async def apply_batch_async(
    conn: psycopg.AsyncConnection[Any],
    envelopes: Sequence[Envelope],
    schema: str = views.LIVE_SCHEMA,
) -> None:
    quoted = sql.Identifier(schema).as_string(conn)
    async with conn.cursor() as cur:
        for statement, params in views.plan(envelopes, quoted):
            await cur.executemany(statement, params)


def digest(conn: psycopg.Connection[Any], schema: str = views.LIVE_SCHEMA) -> dict[str, str]:
    """An md5 of every read-model table's rows, in key order (tracking excluded)."""
    result = {}
    for table in views.TABLES:
        query = sql.SQL(
            "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') "
            "FROM {}.{} AS t"
        ).format(sql.Identifier(schema), sql.Identifier(table))
        row = conn.execute(query).fetchone()
        result[table] = row[0] if row else "empty"
    return result


def drop_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
