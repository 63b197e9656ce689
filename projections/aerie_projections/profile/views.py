"""The employee profile read model: its tables and how a batch of events changes them.

Every column is owned by one bounded context, so the rows end the same whatever
the interleaving of topics; within a topic partition events arrive in order.
Each batch becomes a handful of set-based statements: counters are added per
employee at once (they commute), columns that are set take the batch's last
value per key, and inserts go in one statement per table. Nothing here reads
the wall clock: times come from the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from aerie_events.catalog.coupons import COUPON_GRANTED
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import STAR_DEMOTED, STAR_PROMOTED
from aerie_events.catalog.voice import ISSUE_HANDED_OVER, ISSUE_RAISED, ISSUE_RESOLVED
from aerie_events.envelope import Envelope

from aerie_projections.kit import (
    Projection,
    Statement,
    insert_rows,
    last_per_key,
    patch_rows,
    unnest,
    update_rows,
)
from aerie_projections.roster import roster_patches

TABLES = ("employee_profile", "training_passed", "issue", "coupon_grant")

SCHEMA_V1 = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.employee_profile (
    employee_id text PRIMARY KEY,
    site_id text,
    team_id text,
    display_name text,
    role text,
    status text,
    hired_on date,
    left_on date,
    star_level int NOT NULL DEFAULT 1,
    promoted_on date,
    trainings_passed int NOT NULL DEFAULT 0,
    open_issues int NOT NULL DEFAULT 0,
    coupons_granted int NOT NULL DEFAULT 0,
    coupon_total numeric(14, 2) NOT NULL DEFAULT 0,
    last_survey_id text,
    last_survey_overall int,
    last_survey_at timestamptz,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS employee_profile_site ON {s}.employee_profile (site_id, employee_id);
CREATE TABLE IF NOT EXISTS {s}.training_passed (
    event_id uuid PRIMARY KEY,
    employee_id text NOT NULL,
    course_id text NOT NULL,
    course_title text NOT NULL,
    score int NOT NULL,
    passed_on date NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS training_passed_employee ON {s}.training_passed (employee_id, passed_on);
CREATE TABLE IF NOT EXISTS {s}.issue (
    issue_id text PRIMARY KEY,
    employee_id text,
    site_id text,
    department text NOT NULL,
    title text,
    anonymous boolean NOT NULL,
    status text NOT NULL,
    raised_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS issue_employee ON {s}.issue (employee_id, raised_at);
CREATE TABLE IF NOT EXISTS {s}.coupon_grant (
    coupon_id text PRIMARY KEY,
    employee_id text NOT NULL,
    site_id text,
    scenario text NOT NULL,
    amount numeric(14, 2) NOT NULL,
    currency text NOT NULL,
    limit_amount numeric(14, 2) NOT NULL,
    policy_version text,
    granted_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.survey_answer (
    survey_id text NOT NULL,
    employee_id text NOT NULL,
    overall int NOT NULL,
    drivers jsonb NOT NULL,
    answered_at timestamptz NOT NULL,
    PRIMARY KEY (survey_id, employee_id)
);
"""

HOLDER_V2 = """
ALTER TABLE {s}.issue ADD COLUMN IF NOT EXISTS holder_id text;
UPDATE {s}.issue SET holder_id = employee_id WHERE holder_id IS NULL;
ALTER TABLE {s}.issue ALTER COLUMN title DROP NOT NULL;
DO $$ BEGIN
    IF to_regclass('{s}.projection_position') IS NOT NULL THEN
        INSERT INTO aerie_projection_tracking (projection, topic, partition, seq, kafka_offset,
            position)
        SELECT 'profile', topic, partition, seq, -1, position FROM {s}.projection_position
        ON CONFLICT DO NOTHING;
        DROP TABLE {s}.projection_position;
    END IF;
END $$;
"""

NO_SURVEY_ANSWERS_V3 = """
DROP TABLE IF EXISTS {s}.survey_answer;
ALTER TABLE {s}.employee_profile DROP COLUMN IF EXISTS last_survey_id,
    DROP COLUMN IF EXISTS last_survey_overall, DROP COLUMN IF EXISTS last_survey_at;
"""
"""Survey answers are the satisfaction projection's, under pseudonyms: none stays by its person."""

_COUNT_COLUMNS = (
    ("employee_id", "text"),
    ("updated_at", "timestamptz"),
    ("trainings_passed", "int"),
    ("open_issues", "int"),
    ("coupons_granted", "int"),
    ("coupon_total", "numeric"),
)
_PROFILE_COUNTS = (
    "INSERT INTO {s}.employee_profile AS p (employee_id, updated_at, trainings_passed, "
    "open_issues, coupons_granted, coupon_total) "
    "SELECT * FROM {rows} ORDER BY 1 "
    "ON CONFLICT (employee_id) DO UPDATE SET "
    "updated_at = GREATEST(p.updated_at, excluded.updated_at), "
    "trainings_passed = p.trainings_passed + excluded.trainings_passed, "
    "open_issues = p.open_issues + excluded.open_issues, "
    "coupons_granted = p.coupons_granted + excluded.coupons_granted, "
    "coupon_total = p.coupon_total + excluded.coupon_total"
)

ROSTER_COLUMNS = {
    "site_id": "text",
    "team_id": "text",
    "display_name": "text",
    "role": "text",
    "status": "text",
    "hired_on": "date",
    "left_on": "date",
    "star_level": "int",
    "promoted_on": "date",
}


class ProfileProjection(Projection):
    """One row per employee across every context, with their trainings, issues, coupons, answers."""

    name = "profile"
    tables = TABLES
    handles = frozenset(
        {
            EMPLOYEE_HIRED,
            EMPLOYEE_TRANSFERRED,
            EMPLOYEE_LEFT,
            TRAINING_PASSED,
            STAR_PROMOTED,
            STAR_DEMOTED,
            ISSUE_RAISED,
            ISSUE_HANDED_OVER,
            ISSUE_RESOLVED,
            COUPON_GRANTED,
        }
    )
    migrations = (
        (1, "employee profile and its lists", SCHEMA_V1),
        (2, "who holds an issue; erased personal fields may be empty", HOLDER_V2),
        (3, "no survey answer linked to its person", NO_SURVEY_ANSWERS_V3),
    )

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        by_type: dict[str, list[Envelope]] = {}
        for envelope in envelopes:
            by_type.setdefault(envelope.type, []).append(envelope)
        statements = [_counts(envelopes)]
        statements += _roster_patches(envelopes)
        statements += _inserts(by_type)
        statements += _holders(by_type.get(ISSUE_HANDED_OVER, []))
        statements += _resolved(by_type.get(ISSUE_RESOLVED, []))
        return [s for s in statements if s is not None]


def _counts(envelopes: Sequence[Envelope]) -> Statement | None:
    """One upsert per employee the batch concerns: latest time and counter increments."""
    rows: dict[str, list[Any]] = {}
    for envelope in envelopes:
        employee_id = envelope.employee_id
        if not employee_id:
            continue  # an anonymous issue touches no one's profile
        row = rows.setdefault(employee_id, [employee_id, envelope.recorded_at, 0, 0, 0, Decimal(0)])
        row[1] = max(row[1], envelope.recorded_at)
        if envelope.type == TRAINING_PASSED:
            row[2] += 1
        elif envelope.type == ISSUE_RAISED:
            row[3] += 1
        elif envelope.type == ISSUE_RESOLVED:
            row[3] -= 1
        elif envelope.type == COUPON_GRANTED:
            row[4] += 1
            row[5] += Decimal(envelope.payload["amount"])
    if not rows:
        return None
    ordered = [rows[k] for k in sorted(rows)]
    source, params = unnest(_COUNT_COLUMNS, ordered)
    return Statement(_PROFILE_COUNTS.replace("{rows}", source), params)


def _roster_patches(envelopes: Sequence[Envelope]) -> list[Statement]:
    """Columns set by roster and ladder events: the batch's last value per employee and column."""
    patches = roster_patches(envelopes, ROSTER_COLUMNS, renamed={"star_level": "star"})
    return patch_rows("employee_profile", ("employee_id", "text"), ROSTER_COLUMNS, patches)


def _inserts(by_type: dict[str, list[Envelope]]) -> list[Statement]:
    statements = []
    if passed := by_type.get(TRAINING_PASSED):
        statements.append(
            insert_rows(
                "training_passed",
                [
                    ("event_id", "uuid"),
                    ("employee_id", "text"),
                    ("course_id", "text"),
                    ("course_title", "text"),
                    ("score", "int"),
                    ("passed_on", "date"),
                    ("position", "bigint"),
                ],
                [
                    (
                        e.event_id,
                        e.employee_id,
                        p["course_id"],
                        p["course_title"],
                        p["score"],
                        p["passed_on"],
                        e.position,
                    )
                    for e in passed
                    for p in [e.payload]
                ],
            )
        )
    if raised := by_type.get(ISSUE_RAISED):
        statements.append(
            insert_rows(
                "issue",
                [
                    ("issue_id", "text"),
                    ("employee_id", "text"),
                    ("holder_id", "text"),
                    ("site_id", "text"),
                    ("department", "text"),
                    ("title", "text"),
                    ("anonymous", "boolean"),
                    ("status", "text"),
                    ("raised_at", "timestamptz"),
                ],
                [
                    (
                        p["issue_id"],
                        e.employee_id,
                        e.employee_id,
                        e.site_id,
                        p["department"],
                        p.get("title"),
                        p["anonymous"],
                        "open",
                        e.occurred_at,
                    )
                    for e in raised
                    for p in [e.payload]
                ],
            )
        )
    if granted := by_type.get(COUPON_GRANTED):
        statements.append(
            insert_rows(
                "coupon_grant",
                [
                    ("coupon_id", "text"),
                    ("employee_id", "text"),
                    ("site_id", "text"),
                    ("scenario", "text"),
                    ("amount", "numeric"),
                    ("currency", "text"),
                    ("limit_amount", "numeric"),
                    ("policy_version", "text"),
                    ("granted_at", "timestamptz"),
                ],
                [
                    (
                        p["coupon_id"],
                        e.employee_id,
                        e.site_id,
                        p["scenario"],
                        p["amount"],
                        p["currency"],
                        p["limit"],
                        e.policy_version,
                        e.occurred_at,
                    )
                    for e in granted
                    for p in [e.payload]
                ],
            )
        )
    return statements


def _holders(handed_over: list[Envelope]) -> list[Statement]:
    if not handed_over:
        return []
    last = last_per_key([(e.payload["issue_id"], e.payload["to_employee_id"]) for e in handed_over])
    return [
        update_rows(
            "issue",
            ("issue_id", "text"),
            [("holder_id", "text")],
            sorted(last.items()),
        )
    ]


def _resolved(resolved: list[Envelope]) -> list[Statement]:
    """A resolved issue is no longer open (an anonymous one is in no one's profile)."""
    named = sorted({e.payload["issue_id"] for e in resolved if e.employee_id})
    if not named:
        return []
    return [
        update_rows(
            "issue", ("issue_id", "text"), [("status", "text")], [(i, "resolved") for i in named]
        )
    ]
