"""How a projection plugs into the platform: its name, tables, event types and plan.

A projection turns a batch of envelopes into a few set-based statements
(``plan``): one statement per kind of change, with the batch's rows as arrays
(``unnest``), never one statement per event. The runner executes them with
the projection's tracking rows in one PostgreSQL transaction, so delivery is
at-least-once and the effect exactly-once. The same plan rebuilds the
projection from the event store (``aerie replay``).

A process manager is a projection that also issues commands (see ``manager.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from aerie_events.catalog import CATALOG
from aerie_events.envelope import Envelope
from aerie_events.topics import Topics

READ_SCHEMA = "aerie_read"
"""The schema live read models are in; a replay builds into another one."""

TRACKING_TABLE = "aerie_projection_tracking"
APPLIED_CHANNEL = "aerie_applied"
"""NOTIFY channel: a projection committed a batch (payload: ``tracking.applied_notice``)."""
QUARANTINE_TABLE = "aerie_quarantine"
TIMERS_TABLE = "aerie_timers"

TRACKING_AND_TIMERS = """
CREATE TABLE IF NOT EXISTS aerie_projection_tracking (
    projection text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    seq bigint NOT NULL,
    kafka_offset bigint NOT NULL,
    position bigint NOT NULL,
    PRIMARY KEY (projection, topic, partition)
);
CREATE TABLE IF NOT EXISTS aerie_timers (
    manager text NOT NULL,
    timer_key text NOT NULL,
    due_at timestamptz NOT NULL,
    data jsonb NOT NULL,
    cause uuid NOT NULL,
    cancelled boolean NOT NULL DEFAULT false,
    fired_at timestamptz,
    PRIMARY KEY (manager, timer_key)
);
CREATE INDEX IF NOT EXISTS aerie_timers_due ON aerie_timers (manager, due_at)
    WHERE fired_at IS NULL AND NOT cancelled;
"""


@dataclass(frozen=True)
class Statement:
    """One SQL statement; ``{s}`` in ``sql`` stands for the (quoted) read-model schema."""

    sql: str
    params: Sequence[Any] = ()

    def render(self, schema: str) -> str:
        return self.sql.replace("{s}", schema)


Migration = tuple[int, str, str]
"""``(version, name, SQL)``; ``{s}`` in the SQL stands for the read-model schema."""


PLATFORM_MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "projection tracking and process-manager timers", TRACKING_AND_TIMERS),
)
"""The read side's own platform tables (the quarantine table is the platform's)."""


FactReader = Callable[[Any, Any], Any]
"""``(psycopg connection, key) -> answer``: a fact read from a projection's tables."""


class Projection:
    """Base of every projection: declare the class attributes, write ``plan``.

    ``tables`` are compared table by table by ``aerie replay --verify``;
    ``handles`` are the catalog types ``plan`` receives (others only advance
    the tracking); ``migrations`` create and change the tables, in order.
    A part that needs settings reads them in ``configure``.
    """

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    handles: ClassVar[frozenset[str]]
    migrations: ClassVar[tuple[Migration, ...]]
    answers: ClassVar[Mapping[str, FactReader]] = {}
    """Facts the write side asks of this read model (``BoundedContext.reads``), each read
    with ``reader(connection, key)`` on the write side's own connection."""

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        """The statements that apply ``envelopes`` (in log order per key), pure."""
        raise NotImplementedError

    def configure(self, env: Mapping[str, str]) -> None:
        """Read the settings this part needs from ``env``, the platform's settings as given.

        Called by the platform at start, before any batch; the default needs none.
        A malformed value raises ``aerie_events.settings.SettingRefused``, naming it.
        """

    def contexts(self) -> list[str]:
        """The bounded contexts whose topics carry the handled types."""
        return sorted({CATALOG[name].context for name in self.handles})

    def topics(self, topics: Topics) -> list[str]:
        return [topics.of(context) for context in self.contexts()]


def unnest(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> tuple[str, list]:
    """A row source ``(...) AS u(col, ...)`` over ``rows``, and its one parameter.

    The rows travel as one JSON array of arrays and are cast column by column
    in PostgreSQL: a third of the client's CPU of one array parameter per
    column, which counts when the worker is CPU-bound (see docs/benchmarks.md).
    Values are JSON-encoded (UUIDs, dates and decimals as strings; a dict for
    a ``jsonb`` column as an object).
    """
    casts = ", ".join(
        f"(r->>{i})::{pg_type} AS {name}" for i, (name, pg_type) in enumerate(columns)
    )
    sql = f"(SELECT {casts} FROM json_array_elements(%s::json) AS r) AS u"
    return sql, [rows_json(rows)]


def rows_json(rows: Sequence[Sequence[Any]]) -> str:
    """``rows`` as a JSON array of arrays, the parameter ``unnest`` reads."""
    return orjson.dumps(rows, default=str).decode()


def insert_rows(
    table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
) -> Statement:
    """One ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` for all ``rows``."""
    source, params = unnest(columns, rows)
    names = ", ".join(name for name, _ in columns)
    return Statement(
        f"INSERT INTO {{s}}.{table} ({names}) SELECT {names} FROM {source} ON CONFLICT DO NOTHING",
        params,
    )


def update_rows(
    table: str,
    key: tuple[str, str],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    where: str = "",
) -> Statement:
    """One ``UPDATE ... FROM unnest(...)`` setting ``columns`` by ``key``; rows = key + columns."""
    source, params = unnest([key, *columns], rows)
    sets = ", ".join(f"{name} = u.{name}" for name, _ in columns)
    extra = f" AND ({where})" if where else ""
    return Statement(
        f"UPDATE {{s}}.{table} AS t SET {sets} FROM {source} WHERE t.{key[0]} = u.{key[0]}{extra}",
        params,
    )


def upsert_rows(
    table: str,
    key: tuple[str, str],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> Statement:
    """One ``INSERT ... ON CONFLICT (key) DO UPDATE`` of whole rows (key first, one per key)."""
    source, params = unnest([key, *columns], rows)
    names = ", ".join(name for name, _ in [key, *columns])
    sets = ", ".join(f"{name} = excluded.{name}" for name, _ in columns)
    return Statement(
        f"INSERT INTO {{s}}.{table} ({names}) SELECT {names} FROM {source} ORDER BY 1 "
        f"ON CONFLICT ({key[0]}) DO UPDATE SET {sets}",
        params,
    )


def patch_rows(
    table: str,
    key: tuple[str, str],
    types: dict[str, str],
    patches: dict[Any, dict[str, Any]],
) -> list[Statement]:
    """``UPDATE`` statements for per-key patches; keys that set the same columns share one."""
    groups: dict[tuple[str, ...], list[list[Any]]] = {}
    for row_key in sorted(patches):
        patch = patches[row_key]
        columns = tuple(sorted(patch))
        groups.setdefault(columns, []).append([row_key, *(patch[c] for c in columns)])
    return [
        update_rows(table, key, [(c, types[c]) for c in columns], rows)
        for columns, rows in groups.items()
    ]


def last_per_key(items: Sequence[tuple[Any, Any]]) -> dict[Any, Any]:
    """``{key: value}`` keeping the last value of each key (items in log order)."""
    folded: dict[Any, Any] = {}
    for key, value in items:
        folded[key] = value
    return folded
