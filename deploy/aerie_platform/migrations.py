"""Versioned migrations, applied once per start by the platform.

Each component declares its migrations in order: the platform's own tables,
the read side's tracking and timers, each context's event table, each
projection's tables (per schema, so a replay schema gets them too). What was
applied is recorded in ``aerie_migrations``; a start applies only what is
new, under an advisory lock, so a new column reaches an existing database and
processes started together never race. Parts started alone only check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from aerie_gateway.clients import MIGRATIONS as GATEWAY_TABLES
from aerie_gateway.ingest import MIGRATIONS as INGEST_TABLES
from aerie_projections.kit import PLATFORM_MIGRATIONS, READ_SCHEMA, Projection
from aerie_services.platform.storage import MIGRATIONS as PLATFORM_TABLES
from psycopg import sql

from aerie_platform.compose import WriteSide

LOCK = 4241
LEDGER = """
CREATE TABLE IF NOT EXISTS aerie_migrations (
    component text NOT NULL,
    schema_name text NOT NULL,
    version int NOT NULL,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, schema_name, version)
)
"""


@dataclass(frozen=True)
class Step:
    """One migration of one component in one schema."""

    component: str
    schema: str
    version: int
    name: str
    apply: Callable[[psycopg.Connection[Any]], None]


def _sql_step(component: str, schema: str, version: int, name: str, text: str) -> Step:
    def apply(conn: psycopg.Connection[Any]) -> None:
        conn.execute(text.replace("{s}", sql.Identifier(schema).as_string(conn)))

    return Step(component, schema, version, name, apply)


def projection_steps(projection: Projection, schema: str) -> list[Step]:
    return [
        _sql_step(f"projection:{projection.name}", schema, v, name, text)
        for v, name, text in projection.migrations
    ]


def all_steps(side: WriteSide, projections: Sequence[Projection]) -> Iterator[Step]:
    for v, name, text in PLATFORM_TABLES:
        yield _sql_step("platform", "public", v, name, text)
    for v, name, text in PLATFORM_MIGRATIONS:
        yield _sql_step("read-side", "public", v, name, text)
    for v, name, text in GATEWAY_TABLES:
        yield _sql_step("gateway", "public", v, name, text)
    for v, name, text in INGEST_TABLES:
        yield _sql_step("ingest", "public", v, name, text)
    for context, app in side.apps.items():
        recorder: Any = app.recorder
        yield Step(
            f"events:{context}",
            "public",
            1,
            "event table and append function",
            _without_connection(recorder.create_table),
        )
        yield Step(
            f"events:{context}",
            "public",
            2,
            "command ids unique platform-wide (registered in the append)",
            _without_connection(recorder.register_command_ids),
        )
        yield Step(
            f"events:{context}",
            "public",
            3,
            "a retry an aggregate no longer remembers is answered by the append",
            _without_connection(recorder.create_append_function),
        )
        if app.snapshots is not None:  # a context that keeps snapshots of its aggregates
            snapshots: Any = app.snapshots.recorder  # PostgreSQL's, typed as the base recorder
            yield Step(
                f"snapshots:{context}",
                "public",
                1,
                "snapshot table",
                _without_connection(snapshots.create_table),
            )
    for projection in projections:
        yield from projection_steps(projection, READ_SCHEMA)


def migrate(database_url: str, steps: Sequence[Step]) -> list[Step]:
    """Apply the steps not applied yet, in order; return them."""
    applied: list[Step] = []
    with psycopg.connect(database_url, autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(%s)", (LOCK,))
        try:
            lock.execute(LEDGER)
            done = _applied(lock)
            for step in steps:
                if (step.component, step.schema, step.version) in done:
                    continue
                with psycopg.connect(database_url) as conn, conn.transaction():
                    step.apply(conn)
                    conn.execute(
                        "INSERT INTO aerie_migrations (component, schema_name, version, name) "
                        "VALUES (%s, %s, %s, %s)",
                        (step.component, step.schema, step.version, step.name),
                    )
                applied.append(step)
        finally:
            lock.execute("SELECT pg_advisory_unlock(%s)", (LOCK,))
    return applied


def pending(database_url: str, steps: Sequence[Step]) -> list[Step]:
    """The steps not applied yet (a part started alone refuses to run with any)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('aerie_migrations')").fetchone()
        done = _applied(conn) if exists and exists[0] else set()
    return [s for s in steps if (s.component, s.schema, s.version) not in done]


def forget_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    """Forget the migrations of a dropped schema (a replay schema rebuilt from scratch)."""
    conn.execute("DELETE FROM aerie_migrations WHERE schema_name = %s", (schema,))


def _applied(conn: psycopg.Connection[Any]) -> set[tuple[str, str, int]]:
    rows = conn.execute("SELECT component, schema_name, version FROM aerie_migrations").fetchall()
    return {(c, s, v) for c, s, v in rows}


def _without_connection(apply: Callable[[], Any]) -> Callable[[Any], None]:
    """A step the library applies on its own connection (its tables and functions)."""

    def step(_conn: Any) -> None:
        apply()

    return step
