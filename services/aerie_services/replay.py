"""Rebuild read models from the event store into a fresh schema, and verify them."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg
from aerie_projections.profile.views import LIVE_SCHEMA
from aerie_projections.readmodels import apply_batch, digest, drop_schema, migrate

from aerie_services.bus import Applications
from aerie_services.relay import envelope_of


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int, stream: Any = sys.stderr) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        rate = done / max(time.monotonic() - self.started, 1e-6)
        self.stream.write(f"\r{self.label} [{bar:<30}] {done}/{self.total} ({rate:,.0f}/s)")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def rebuild(
    database_url: str,
    apps: Applications,
    schema: str,
    *,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Apply every stored event of every context to ``schema`` (dropped first)."""
    contexts = apps.by_context()
    total = sum(app.recorder.max_notification_id() or 0 for app in contexts.values())
    applied = 0
    with psycopg.connect(database_url) as conn:
        drop_schema(conn, schema)
        migrate(conn, schema)
        conn.commit()
        for app in contexts.values():
            position = 0
            while notifications := app.recorder.select_notifications(
                start=position, limit=batch, inclusive_of_start=False
            ):
                envelopes = [e for n in notifications if (e := envelope_of(app, n)) is not None]
                with conn.transaction():
                    apply_batch(conn, envelopes, schema)
                position = notifications[-1].id
                applied += len(notifications)
                if progress:
                    progress(applied, total)
    return applied


def compare(database_url: str, schema: str, live: str = LIVE_SCHEMA) -> dict[str, tuple[str, str]]:
    """Tables whose digests differ: name -> (live digest, rebuilt digest)."""
    with psycopg.connect(database_url) as conn:
        rebuilt, current = digest(conn, schema), digest(conn, live)
    return {t: (current[t], rebuilt[t]) for t in rebuilt if rebuilt[t] != current[t]}
