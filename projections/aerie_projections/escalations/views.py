"""The opinion platform's read model: departments, issues and their replies, and their figures.

One row per issue holds where it is in its loop and the times the figures are
made of (raised, due, first reply, escalation and its breach, resolution);
replies and comments have a row each. Queues, the public board, the
escalations and every figure (time to first reply and to resolution,
acceptance rate of replies per department, weekly trends) are read from these.

A batch becomes a handful of statements whatever its size: one upsert of the
departments, one insert per kind of row, one update that folds every change
of every issue in the batch (set columns take the batch's last value, a null
included, the first reply keeps the earliest and the deadline it met or
missed, counters add up), one update of the replies' outcomes. The same
events give the same rows whatever the batches they come in. Times come from the events, never the wall clock. An anonymous
issue's row has no author: its events have no subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aerie_events.catalog import voice as voice_events
from aerie_events.catalog.voice import (
    DEPARTMENT_PUBLISHED,
    ISSUE_ACCEPTED,
    ISSUE_COMMENTED,
    ISSUE_ESCALATED,
    ISSUE_HANDED_OVER,
    ISSUE_LINKED,
    ISSUE_RAISED,
    ISSUE_REASSIGNED,
    ISSUE_REJECTED,
    ISSUE_REPLIED,
    ISSUE_REPRIORITISED,
    ISSUE_RESOLVED,
    SUGGESTION_ADOPTED,
)
from aerie_events.envelope import Envelope

from aerie_projections.kit import Projection, Statement, insert_rows, unnest, upsert_rows

SCHEMA_V1 = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.voice_department (
    department_id text PRIMARY KEY,
    version int NOT NULL,
    name text NOT NULL,
    scope text NOT NULL,
    contact_email text NOT NULL,
    leadership boolean NOT NULL,
    reply_within jsonb NOT NULL,
    published_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.voice_issue (
    issue_id text PRIMARY KEY,
    kind text NOT NULL,
    department text NOT NULL,
    first_department text NOT NULL,
    priority text NOT NULL,
    anonymous boolean NOT NULL,
    author_id text,
    holder_id text,
    site_id text,
    title text,
    description text,
    status text NOT NULL,
    raised_at timestamptz NOT NULL,
    reply_due_at timestamptz,
    first_reply_at timestamptz,
    last_reply_at timestamptz,
    public_reply boolean NOT NULL DEFAULT false,
    accepted_at timestamptz,
    resolved_at timestamptz,
    escalated_at timestamptz,
    breach_at timestamptz,
    breached_department text,
    escalation_reason text,
    escalations int NOT NULL DEFAULT 0,
    replies int NOT NULL DEFAULT 0,
    representative_id text,
    adopted_on date,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS voice_issue_queue ON {s}.voice_issue (department, issue_id);
CREATE INDEX IF NOT EXISTS voice_issue_author ON {s}.voice_issue (author_id, raised_at)
    WHERE author_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS voice_issue_representative ON {s}.voice_issue (representative_id)
    WHERE representative_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS {s}.voice_reply (
    issue_id text NOT NULL,
    reply_number int NOT NULL,
    department text NOT NULL,
    visibility text NOT NULL,
    body text,
    replied_at timestamptz NOT NULL,
    outcome text,
    outcome_at timestamptz,
    PRIMARY KEY (issue_id, reply_number)
);
CREATE INDEX IF NOT EXISTS voice_reply_public ON {s}.voice_reply (replied_at)
    WHERE visibility = 'public';
CREATE TABLE IF NOT EXISTS {s}.voice_comment (
    event_id uuid PRIMARY KEY,
    issue_id text NOT NULL,
    body text,
    commented_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS voice_comment_issue ON {s}.voice_comment (issue_id, commented_at);
"""

SCHEMA_V2 = """
ALTER TABLE {s}.voice_issue ADD COLUMN IF NOT EXISTS first_reply_due_at timestamptz;
"""

TABLES = ("voice_department", "voice_issue", "voice_reply", "voice_comment")

# Changes to an issue row: (column, type, how the batch's values combine with the stored one).
# DUE_AT_FIRST: the deadline in force when the first reply came (the batch's, or the stored one).
SET, EARLIEST, ADD, DUE_AT_FIRST = "set", "earliest", "add", "due at first reply"
ISSUE_CHANGES: tuple[tuple[str, str, str], ...] = (
    ("status", "text", SET),
    ("department", "text", SET),
    ("priority", "text", SET),
    ("holder_id", "text", SET),
    ("reply_due_at", "timestamptz", SET),
    ("first_reply_at", "timestamptz", EARLIEST),
    ("first_reply_due_at", "timestamptz", DUE_AT_FIRST),
    ("last_reply_at", "timestamptz", SET),
    ("public_reply", "boolean", SET),
    ("accepted_at", "timestamptz", SET),
    ("resolved_at", "timestamptz", SET),
    ("escalated_at", "timestamptz", SET),
    ("breach_at", "timestamptz", SET),
    ("breached_department", "text", SET),
    ("escalation_reason", "text", SET),
    ("representative_id", "text", SET),
    ("adopted_on", "date", SET),
    ("updated_at", "timestamptz", SET),
    ("escalations", "int", ADD),
    ("replies", "int", ADD),
)

ISSUE_ROW = (
    ("issue_id", "text"),
    ("kind", "text"),
    ("department", "text"),
    ("first_department", "text"),
    ("priority", "text"),
    ("anonymous", "boolean"),
    ("author_id", "text"),
    ("holder_id", "text"),
    ("site_id", "text"),
    ("title", "text"),
    ("description", "text"),
    ("status", "text"),
    ("raised_at", "timestamptz"),
    ("reply_due_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)

REPLY_ROW = (
    ("issue_id", "text"),
    ("reply_number", "int"),
    ("department", "text"),
    ("visibility", "text"),
    ("body", "text"),
    ("replied_at", "timestamptz"),
)

HANDLES = frozenset(
    {
        DEPARTMENT_PUBLISHED,
        ISSUE_RAISED,
        ISSUE_REASSIGNED,
        ISSUE_REPRIORITISED,
        ISSUE_REPLIED,
        ISSUE_ACCEPTED,
        ISSUE_REJECTED,
        ISSUE_COMMENTED,
        ISSUE_ESCALATED,
        ISSUE_RESOLVED,
        ISSUE_LINKED,
        ISSUE_HANDED_OVER,
        SUGGESTION_ADOPTED,
    }
)


class EscalationsProjection(Projection):
    """Queues, the public board, escalations and the figures of the opinion platform."""

    name = "escalations"
    tables = TABLES
    handles = HANDLES
    migrations = (
        (1, "departments, issues, replies and comments of the opinion platform", SCHEMA_V1),
        (2, "the deadline each issue's first reply met or missed", SCHEMA_V2),
    )

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        departments: dict[str, list[Any]] = {}
        raised: list[list[Any]] = []
        replies: list[list[Any]] = []
        comments: list[list[Any]] = []
        outcomes: dict[tuple[str, int], list[Any]] = {}
        changes: dict[str, dict[str, Any]] = {}
        for e in envelopes:
            p = e.payload
            if e.type == DEPARTMENT_PUBLISHED:
                departments[p["department_id"]] = _department_row(e)
            elif e.type == ISSUE_RAISED:
                raised.append(_issue_row(e))
            else:
                _fold(changes.setdefault(p["issue_id"], {}), e)
                if e.type == ISSUE_REPLIED:
                    replies.append(_reply_row(e))
                elif e.type in (ISSUE_ACCEPTED, ISSUE_REJECTED):
                    outcome = "accepted" if e.type == ISSUE_ACCEPTED else "rejected"
                    key = (p["issue_id"], p["reply_number"])
                    outcomes[key] = [*key, outcome, e.occurred_at]
                elif e.type == ISSUE_COMMENTED:
                    comments.append([e.event_id, p["issue_id"], p.get("text"), e.occurred_at])
        statements: list[Statement] = []
        if departments:
            statements.append(
                upsert_rows(
                    "voice_department",
                    ("department_id", "text"),
                    DEPARTMENT_COLUMNS,
                    [departments[k] for k in sorted(departments)],
                )
            )
        if raised:
            statements.append(insert_rows("voice_issue", ISSUE_ROW, raised))
        if replies:
            statements.append(insert_rows("voice_reply", REPLY_ROW, replies))
        if comments:
            statements.append(
                insert_rows(
                    "voice_comment",
                    [
                        ("event_id", "uuid"),
                        ("issue_id", "text"),
                        ("body", "text"),
                        ("commented_at", "timestamptz"),
                    ],
                    comments,
                )
            )
        if changes:
            statements.append(_issue_changes(changes))
        if outcomes:
            statements.append(_reply_outcomes([outcomes[k] for k in sorted(outcomes)]))
        return statements


DEPARTMENT_COLUMNS = [
    ("version", "int"),
    ("name", "text"),
    ("scope", "text"),
    ("contact_email", "text"),
    ("leadership", "boolean"),
    ("reply_within", "jsonb"),
    ("published_at", "timestamptz"),
]


def _department_row(e: Envelope) -> list[Any]:
    p = e.payload
    return [
        p["department_id"],
        p["version"],
        p["name"],
        p["scope"],
        p["contact_email"],
        p["leadership"],
        p["reply_within"],
        e.occurred_at,
    ]


def _issue_row(e: Envelope) -> list[Any]:
    p = e.payload
    return [
        p["issue_id"],
        p.get("kind") or "issue",
        p["department"],
        p["department"],
        p.get("priority") or "normal",
        p["anonymous"],
        e.employee_id,
        e.employee_id,
        e.site_id,
        p.get("title"),
        p.get("description"),
        "routed",
        e.occurred_at,
        p.get("reply_due_at"),
        e.occurred_at,
    ]


def _reply_row(e: Envelope) -> list[Any]:
    p = e.payload
    return [
        p["issue_id"],
        p["reply_number"],
        p["department"],
        p["visibility"],
        p.get("text"),
        e.occurred_at,
    ]


def _fold(change: dict[str, Any], e: Envelope) -> None:
    """Fold one event into the batch's change of its issue (events in log order)."""
    p, at = e.payload, e.occurred_at
    change["updated_at"] = at
    match e.type:
        case voice_events.ISSUE_REASSIGNED:
            change.update(department=p["to_department"], reply_due_at=p["reply_due_at"])
        case voice_events.ISSUE_REPRIORITISED:
            change.update(priority=p["priority"], reply_due_at=p["reply_due_at"])
        case voice_events.ISSUE_REPLIED:
            change.update(status="replied", last_reply_at=at)
            if "first_reply_at" not in change:  # the batch's first: the deadline it answered
                change["first_reply_at"] = at
                change["first_reply_due_at"] = change.get("reply_due_at", STORED)
            change["replies"] = change.get("replies", 0) + 1
            if p["visibility"] == "public":
                change["public_reply"] = True
        case voice_events.ISSUE_ACCEPTED:
            change.update(status="accepted", accepted_at=at)
        case voice_events.ISSUE_REJECTED:
            change["status"] = "rejected"
        case voice_events.ISSUE_ESCALATED:
            change.update(
                status="escalated",
                department=p["to_department"],
                reply_due_at=p.get("reply_due_at"),
                escalated_at=at,
                breach_at=p["breach_at"],
                escalation_reason=p["reason"],
            )
            if p["reason"] == "overdue":
                change["breached_department"] = p["from_department"]
            change["escalations"] = change.get("escalations", 0) + 1
        case voice_events.ISSUE_RESOLVED:
            change.update(status="resolved", resolved_at=at)
        case voice_events.ISSUE_LINKED:
            change["representative_id"] = p["representative_issue_id"]
        case voice_events.ISSUE_HANDED_OVER:
            change["holder_id"] = p["to_employee_id"]
        case voice_events.SUGGESTION_ADOPTED:
            change["adopted_on"] = p["adopted_on"]


STORED = object()
"""The deadline at the first reply is the stored one: the batch did not move it before."""


def _issue_changes(changes: dict[str, dict[str, Any]]) -> Statement:
    """One UPDATE for every issue the batch changed.

    A set column takes the batch's last value: a column the batch did not
    touch is left as it is, one it set to null (``cleared``) becomes null.
    """
    columns = [("issue_id", "text")] + [(name, kind) for name, kind, _ in ISSUE_CHANGES]
    columns += [("due_stored", "boolean"), ("cleared", "jsonb")]
    rows = []
    for issue_id in sorted(changes):
        change = changes[issue_id]
        due = change.get("first_reply_due_at")
        values = {**change, "first_reply_due_at": None if due is STORED else due}
        cleared = [
            n for n, _, how in ISSUE_CHANGES if how == SET and n in change and change[n] is None
        ]
        rows.append(
            [issue_id]
            + [values.get(name) for name, _, _ in ISSUE_CHANGES]
            + [due is STORED, cleared]
        )
    source, params = unnest(columns, rows)
    sets = []
    for name, _kind, how in ISSUE_CHANGES:
        if how == ADD:
            sets.append(f"{name} = t.{name} + COALESCE(u.{name}, 0)")
        elif how == EARLIEST:
            sets.append(f"{name} = COALESCE(t.{name}, u.{name})")
        elif how == DUE_AT_FIRST:
            sets.append(
                f"{name} = CASE WHEN t.first_reply_at IS NOT NULL OR u.first_reply_at IS NULL "
                f"THEN t.{name} WHEN u.due_stored THEN t.reply_due_at ELSE u.{name} END"
            )
        else:
            sets.append(
                f"{name} = CASE WHEN u.cleared ? '{name}' THEN NULL ELSE COALESCE(u.{name}, t.{name}) END"
            )
    return Statement(
        f"UPDATE {{s}}.voice_issue AS t SET {', '.join(sets)} FROM {source} "
        "WHERE t.issue_id = u.issue_id",
        params,
    )


def _reply_outcomes(rows: list[list[Any]]) -> Statement:
    source, params = unnest(
        [
            ("issue_id", "text"),
            ("reply_number", "int"),
            ("outcome", "text"),
            ("outcome_at", "timestamptz"),
        ],
        rows,
    )
    return Statement(
        "UPDATE {s}.voice_reply AS t SET outcome = u.outcome, outcome_at = u.outcome_at "
        f"FROM {source} WHERE t.issue_id = u.issue_id AND t.reply_number = u.reply_number",
        params,
    )
