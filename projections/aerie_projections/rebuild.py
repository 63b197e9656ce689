"""Rebuilding a projection from envelopes into a schema, and comparing schemas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from aerie_events.envelope import Envelope
from psycopg import sql

from aerie_projections.kit import Projection


def apply_envelopes(
    conn: psycopg.Connection[Any],
    projection: Projection,
    envelopes: Sequence[Envelope],
    schema: str,
) -> None:
    """Apply the handled ones of ``envelopes`` (log order) inside the caller's transaction.

    A process manager's state tables are rebuilt; no command is sent and no timer set.
    """
    handled = [e for e in envelopes if e.type in projection.handles]
    if not handled:
        return
    quoted = sql.Identifier(schema).as_string(conn)
    with conn.cursor() as cur:
        for statement in projection.plan(handled):
            cur.execute(statement.render(quoted), statement.params)


def digest(conn: psycopg.Connection[Any], projection: Projection, schema: str) -> dict[str, str]:
    """An md5 of each of the projection's tables, rows in text order."""
    result = {}
    for table in projection.tables:
        query = sql.SQL(
            "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') "
            "FROM {}.{} AS t"
        ).format(sql.Identifier(schema), sql.Identifier(table))
        row = conn.execute(query).fetchone()
        result[table] = row[0] if row else "empty"
    return result


def drop_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
