"""The audit trail read model: one row per event, keyed by its subject employee.

It keeps the envelope's facts an auditor asks first (type, times, actor,
source, policy version), never the payload: personal fields stay in the
event store, sealed under their owner's key. An anonymous issue has no
subject and names no author, so it is listed under no one.
"""

from __future__ import annotations

from collections.abc import Sequence

from aerie_events.catalog import CATALOG
from aerie_events.envelope import Envelope

from aerie_projections.kit import Projection, Statement, insert_rows

SCHEMA_V1 = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.audit_event (
    event_id uuid PRIMARY KEY,
    employee_id text,
    type text NOT NULL,
    context text NOT NULL,
    site_id text,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    position bigint NOT NULL,
    actor jsonb NOT NULL,
    source jsonb NOT NULL,
    policy_version text
);
CREATE INDEX IF NOT EXISTS audit_event_employee ON {s}.audit_event (employee_id, recorded_at, event_id);
"""

COLUMNS = (
    ("event_id", "uuid"),
    ("employee_id", "text"),
    ("type", "text"),
    ("context", "text"),
    ("site_id", "text"),
    ("occurred_at", "timestamptz"),
    ("recorded_at", "timestamptz"),
    ("position", "bigint"),
    ("actor", "jsonb"),
    ("source", "jsonb"),
    ("policy_version", "text"),
)


class AuditTrailProjection(Projection):
    """Who recorded what about each employee, and when."""

    name = "audit"
    tables = ("audit_event",)
    handles = frozenset(CATALOG)
    migrations = ((1, "the audit trail of every event", SCHEMA_V1),)

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        rows = [
            [
                e.event_id,
                e.employee_id,
                e.type,
                e.context,
                e.site_id,
                e.occurred_at,
                e.recorded_at,
                e.position,
                e.actor,
                e.source,
                e.policy_version,
            ]
            for e in envelopes
        ]
        return [insert_rows("audit_event", COLUMNS, rows)] if rows else []
