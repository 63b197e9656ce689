"""Re-applying quarantined messages once their cause is fixed (``aerie quarantine redrive``).

A quarantined message is applied now, as if it had just arrived: a projection's
entry to that projection, a stored event the relay could not decode (re-read
from the store through the codec, now perhaps with an upcaster) to every
projection that handles its type. Each entry is applied and marked redriven in
one transaction with its row locked, so it is applied at most once; an entry
that still fails stays in quarantine and its new reason is reported. A process
manager's state is updated but it sends no command and sets no timer for a
redriven message: check what it should have done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import psycopg
from aerie_events.codec import EventCodec
from aerie_events.envelope import Envelope
from aerie_events.topics import Topics
from aerie_projections.kit import QUARANTINE_TABLE, READ_SCHEMA, Projection
from aerie_projections.rebuild import apply_envelopes
from aerie_projections.tracking import NOT_SIGNED
from aerie_services.platform.keyring import PostgresKeyRing
from aerie_services.platform.relay import STORED_COLUMNS, ContextEvents
from psycopg import sql
from psycopg.rows import dict_row


@dataclass(frozen=True)
class Redriven:
    """What became of one quarantine entry."""

    entry: int
    applied: bool
    detail: str


def redrive(
    database_url: str,
    projections: Sequence[Projection],
    topics: Topics,
    contexts: Sequence[str],
    *,
    ids: Sequence[int] = (),
    projection: str | None = None,
    unsigned: bool = False,
    report: Callable[[Redriven], None] = lambda _r: None,
) -> list[Redriven]:
    """Apply the entries not yet redriven (all, or those ``ids``, or one projection's).

    Messages quarantined because the relay's signature did not verify are
    left alone unless ``unsigned`` is given: they may be forged, so applying
    them is a decision for someone who checked them (after a key rotation).
    """
    by_name = {p.name: p for p in projections}
    if projection is not None and projection not in by_name:
        known = ", ".join(sorted(by_name))
        raise ValueError(f"no projection named {projection!r} (known: {known})")
    results = []
    with psycopg.connect(database_url) as conn:
        for entry in _pending(conn, ids, projection, unsigned):
            with conn.transaction():
                result = _redrive_one(conn, entry, by_name, topics, contexts)
            report(result)
            results.append(result)
    return results


def _pending(
    conn: psycopg.Connection[Any], ids: Sequence[int], projection: str | None, unsigned: bool
) -> list[int]:
    rows = conn.execute(
        f"SELECT id FROM {QUARANTINE_TABLE} WHERE redriven_at IS NULL "
        "AND (cardinality(%s::bigint[]) = 0 OR id = ANY(%s::bigint[])) "
        "AND (%s::text IS NULL OR projection = %s) "
        "AND (%s OR reason <> %s) ORDER BY id",
        (list(ids), list(ids), projection, projection, unsigned, NOT_SIGNED),
    ).fetchall()
    conn.commit()
    return [row[0] for row in rows]


def _redrive_one(
    conn: psycopg.Connection[Any],
    entry_id: int,
    projections: dict[str, Projection],
    topics: Topics,
    contexts: Sequence[str],
) -> Redriven:
    cur = conn.cursor(row_factory=dict_row)
    entry = cur.execute(
        f"SELECT * FROM {QUARANTINE_TABLE} WHERE id = %s AND redriven_at IS NULL FOR UPDATE",
        (entry_id,),
    ).fetchone()
    if entry is None:
        return Redriven(entry_id, False, "already redriven")
    try:
        with conn.transaction():  # a savepoint: a failure leaves the entry as it was
            envelope, targets = _what_to_apply(conn, entry, projections, topics, contexts)
            for target in targets:
                apply_envelopes(conn, target, [envelope], READ_SCHEMA)
    except Exception as error:
        return Redriven(entry_id, False, f"still fails: {type(error).__name__}: {error}")
    conn.execute(f"UPDATE {QUARANTINE_TABLE} SET redriven_at = now() WHERE id = %s", (entry_id,))
    names = ", ".join(t.name for t in targets) or "no projection handles it"
    return Redriven(entry_id, True, f"{envelope.type} {envelope.event_id} applied to {names}")


def _what_to_apply(
    conn: psycopg.Connection[Any],
    entry: dict[str, Any],
    projections: dict[str, Projection],
    topics: Topics,
    contexts: Sequence[str],
) -> tuple[Envelope, list[Projection]]:
    if entry["stage"] == "projection":
        target = projections.get(entry["projection"])
        if target is None:
            raise LookupError(f"projection {entry['projection']!r} is no longer registered")
        envelope = Envelope.from_json(bytes(entry["original"] or b""))
        return envelope, [target] if envelope.type in target.handles else []
    envelope = _stored_envelope(conn, entry, topics, contexts)
    return envelope, [p for p in projections.values() if envelope.type in p.handles]


def _stored_envelope(
    conn: psycopg.Connection[Any], entry: dict[str, Any], topics: Topics, contexts: Sequence[str]
) -> Envelope:
    """A stored event the relay quarantined, read again from its context's table."""
    context = next((c for c in contexts if topics.of(c) == entry["topic"]), None)
    if context is None:
        raise LookupError(f"no context publishes to {entry['topic']!r}")
    query = sql.SQL("SELECT {} FROM {} WHERE notification_id = %s").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in STORED_COLUMNS),
        sql.Identifier(f"{context}_events"),
    )
    row = conn.cursor(row_factory=dict_row).execute(query, (entry["position"],)).fetchone()
    if row is None:
        raise LookupError(f"stored event {context}/{entry['position']} not found")
    keys = PostgresKeyRing(lambda: nullcontext(conn))
    return ContextEvents(context, EventCodec(), lambda: keys).envelopes([row])[0]
