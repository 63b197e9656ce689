"""Rebuild projections from the event store into a fresh schema, and verify them.

Only the committed prefix of each context's log is read (``CommittedLog``),
decoded through the one codec (upcast, personal fields opened or erased), and
applied with each projection's own plan. ``--verify`` compares a digest of
every table with the live schema.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any, TextIO

import psycopg
from aerie_events.codec import EventCodec
from aerie_events.envelope import Envelope
from aerie_projections.kit import READ_SCHEMA, Projection
from aerie_projections.rebuild import apply_envelopes, digest, drop_schema
from aerie_services.platform.committed import CommittedLog
from aerie_services.platform.keyring import PostgresKeyRing
from aerie_services.platform.relay import STORED_COLUMNS, ContextEvents
from aerie_services.platform.storage import HELD_TABLE

from aerie_platform.compose import WriteSide
from aerie_platform.migrations import forget_schema, migrate, projection_steps


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        rate = done / max(time.monotonic() - self.started, 1e-6)
        self.stream.write(f"\r{self.label} [{bar:<30}] {done:,}/{self.total:,} ({rate:,.0f}/s)")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


Batch = tuple[list[Envelope], int]
"""A batch of decoded envelopes and the number of stored events it was read from."""


def rebuild(
    database_url: str,
    side: WriteSide,
    projections: Sequence[Projection],
    schema: str,
    *,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Apply every committed event the ``projections`` handle to ``schema`` (dropped first).

    Two stages overlap: a reader thread reads and decodes the next batch while
    this thread applies the current one, so PostgreSQL's work on one batch and
    the decoding of the next run at the same time.
    """
    if schema == READ_SCHEMA:
        raise ValueError(f"refusing to rebuild into the live schema {READ_SCHEMA!r}")
    contexts = sorted({c for p in projections for c in p.contexts()})
    total = sum(side.apps[c].recorder.max_notification_id() or 0 for c in contexts)
    with psycopg.connect(database_url) as conn:
        drop_schema(conn, schema)
        forget_schema(conn, schema)
        conn.commit()
    migrate(database_url, [s for p in projections for s in projection_steps(p, schema)])
    batches: queue.Queue[Batch | BaseException | None] = queue.Queue(maxsize=4)
    stop = threading.Event()
    reader = threading.Thread(
        target=read_batches,
        args=(database_url, side, contexts, batch, batches, stop),
        name="replay-reader",
        daemon=True,
    )
    reader.start()
    applied = 0
    try:
        with psycopg.connect(database_url) as writer:
            while (item := batches.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                envelopes, stored = item
                with writer.transaction():
                    for projection in projections:
                        apply_envelopes(writer, projection, envelopes, schema)
                applied += stored
                if progress:
                    progress(applied, total)
    finally:
        stop.set()
        while reader.is_alive():  # let a reader blocked on a full queue see ``stop``
            with contextlib.suppress(queue.Empty):
                batches.get_nowait()
            reader.join(0.05)
    return applied


def read_batches(
    database_url: str,
    side: WriteSide,
    contexts: Sequence[str],
    batch: int,
    out: queue.Queue[Batch | BaseException | None],
    stop: threading.Event,
) -> None:
    """Put each context's committed events on ``out`` as decoded batches; ``None`` at the end.

    Library-internal stored events (no catalog meta, no envelope) count as read.
    Events the relay still holds back (anonymous ones whose window has not
    ended) are left out, as the live read models have not seen them either.
    """
    try:
        with psycopg.connect(database_url, autocommit=True) as reader:
            keys = PostgresKeyRing(lambda: nullcontext(reader))
            for context in contexts:
                recorder: Any = side.apps[context].recorder
                log = CommittedLog(recorder.events_table_name, "notification_id", STORED_COLUMNS)
                convert = ContextEvents(context, EventCodec(), lambda: keys)
                held = still_held(reader, context)
                position = 0
                while not stop.is_set():
                    read = log.read(reader, position, batch)
                    if read.position == position:
                        if not log.waiting:
                            break
                        time.sleep(0.01)
                        continue
                    rows = [r for r in read.rows if r["notification_id"] not in held]
                    out.put((convert.envelopes(rows), len(read.rows)))
                    position = read.position
        out.put(None)
    except BaseException as error:  # handed to the applying thread, which raises it
        out.put(error)


def still_held(conn: psycopg.Connection[Any], context: str) -> set[int]:
    """Positions of ``context``'s log the relay holds back and has not released yet."""
    rows = conn.execute(
        f"SELECT position FROM {HELD_TABLE} WHERE source = %s AND seq IS NULL", (context,)
    ).fetchall()
    return {row[0] for row in rows}


def compare(
    database_url: str, projections: Sequence[Projection], schema: str, live: str = READ_SCHEMA
) -> dict[str, tuple[str, str]]:
    """Tables whose digests differ: name -> (live digest, rebuilt digest)."""
    differences = {}
    with psycopg.connect(database_url) as conn:
        for projection in projections:
            rebuilt, current = digest(conn, projection, schema), digest(conn, projection, live)
            differences.update(
                {t: (current[t], rebuilt[t]) for t in rebuilt if rebuilt[t] != current[t]}
            )
    return differences
