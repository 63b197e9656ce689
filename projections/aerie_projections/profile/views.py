"""The employee profile read model: its tables and how each event changes them.

Every field is owned by one bounded context, so the rows end the same whatever
the interleaving of topics; within a topic partition events arrive in order.
Nothing here reads the wall clock: times come from the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from aerie_events.envelope import Envelope
from psycopg.types.json import Jsonb

LIVE_SCHEMA = "aerie_read"

TABLES = ("employee_profile", "training_passed", "issue", "coupon_grant", "survey_answer")

DDL = """
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
    title text NOT NULL,
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
CREATE TABLE IF NOT EXISTS {s}.projection_position (
    topic text NOT NULL,
    partition int NOT NULL,
    seq bigint NOT NULL,
    position bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
"""

_PROFILE_TOUCH = (
    "INSERT INTO {s}.employee_profile AS p (employee_id, updated_at, trainings_passed, "
    "open_issues, coupons_granted, coupon_total) VALUES (%(employee_id)s, %(updated_at)s, "
    "%(trainings_passed)s, %(open_issues)s, %(coupons_granted)s, %(coupon_total)s) "
    "ON CONFLICT (employee_id) DO UPDATE SET "
    "updated_at = GREATEST(p.updated_at, excluded.updated_at), "
    "trainings_passed = p.trainings_passed + excluded.trainings_passed, "
    "open_issues = p.open_issues + excluded.open_issues, "
    "coupons_granted = p.coupons_granted + excluded.coupons_granted, "
    "coupon_total = p.coupon_total + excluded.coupon_total"
)

# Statements that set fields, run in event order after the batch's profile touch.
STATEMENTS: dict[str, list[str]] = {
    "employee.hired": [
        "UPDATE {s}.employee_profile SET site_id = %(site_id)s, team_id = %(team_id)s, "
        "display_name = %(display_name)s, role = %(role)s, status = 'active', "
        "hired_on = %(hired_on)s WHERE employee_id = %(employee_id)s"
    ],
    "employee.transferred": [
        "UPDATE {s}.employee_profile SET site_id = %(to_site_id)s, team_id = %(to_team_id)s "
        "WHERE employee_id = %(employee_id)s",
    ],
    "employee.left": [
        "UPDATE {s}.employee_profile SET status = 'left', left_on = %(left_on)s "
        "WHERE employee_id = %(employee_id)s",
    ],
    "training.passed": [
        "INSERT INTO {s}.training_passed (event_id, employee_id, course_id, course_title, score, "
        "passed_on, position) VALUES (%(event_id)s, %(employee_id)s, %(course_id)s, "
        "%(course_title)s, %(score)s, %(passed_on)s, %(position)s) ON CONFLICT DO NOTHING",
    ],
    "star.promoted": [
        "UPDATE {s}.employee_profile SET star_level = %(to_star)s, promoted_on = %(promoted_on)s "
        "WHERE employee_id = %(employee_id)s",
    ],
    "issue.raised": [
        "INSERT INTO {s}.issue (issue_id, employee_id, site_id, department, title, anonymous, "
        "status, raised_at) VALUES (%(issue_id)s, %(employee_id)s, %(site_id)s, %(department)s, "
        "%(title)s, %(anonymous)s, 'open', %(occurred_at)s) ON CONFLICT DO NOTHING",
    ],
    "coupon.granted": [
        "INSERT INTO {s}.coupon_grant (coupon_id, employee_id, site_id, scenario, amount, "
        "currency, limit_amount, policy_version, granted_at) VALUES (%(coupon_id)s, "
        "%(employee_id)s, %(site_id)s, %(scenario)s, %(amount)s, %(currency)s, %(limit)s, "
        "%(policy_version)s, %(occurred_at)s) ON CONFLICT DO NOTHING",
    ],
    "survey.answered": [
        "INSERT INTO {s}.survey_answer (survey_id, employee_id, overall, drivers, answered_at) "
        "VALUES (%(survey_id)s, %(employee_id)s, %(overall)s, %(drivers)s, %(occurred_at)s) "
        "ON CONFLICT DO NOTHING",
        "UPDATE {s}.employee_profile SET last_survey_id = %(survey_id)s, "
        "last_survey_overall = %(overall)s, last_survey_at = %(occurred_at)s "
        "WHERE employee_id = %(employee_id)s AND (last_survey_at IS NULL "
        "OR (last_survey_at, last_survey_id) < (%(occurred_at)s, %(survey_id)s))",
    ],
}


def parameters(envelope: Envelope) -> dict[str, Any]:
    """The SQL parameters of one event: envelope facts plus its payload."""
    payload = {k: (Jsonb(v) if isinstance(v, dict) else v) for k, v in envelope.payload.items()}
    return {
        **payload,
        "event_id": envelope.event_id,
        "employee_id": envelope.employee_id,
        "site_id": envelope.site_id,
        "occurred_at": envelope.occurred_at,
        "recorded_at": envelope.recorded_at,
        "position": envelope.position,
        "policy_version": envelope.policy_version,
    }


def profile_touches(envelopes: Iterable[Envelope]) -> list[dict[str, Any]]:
    """One row per employee the batch concerns: latest time and counter increments.

    Counters commute, so adding a batch's increments at once gives the same
    rows as adding them one event at a time, in any order.
    """
    touches: dict[str, dict[str, Any]] = {}
    for envelope in envelopes:
        employee_id = envelope.employee_id
        if not employee_id:
            continue  # an anonymous issue touches no one's profile
        touch = touches.setdefault(
            employee_id,
            {
                "employee_id": employee_id,
                "updated_at": envelope.recorded_at,
                "trainings_passed": 0,
                "open_issues": 0,
                "coupons_granted": 0,
                "coupon_total": Decimal(0),
            },
        )
        touch["updated_at"] = max(touch["updated_at"], envelope.recorded_at)
        match envelope.type:
            case "training.passed":
                touch["trainings_passed"] += 1
            case "issue.raised":
                touch["open_issues"] += 1
            case "coupon.granted":
                touch["coupons_granted"] += 1
                touch["coupon_total"] += Decimal(envelope.payload["amount"])
    return sorted(touches.values(), key=lambda touch: touch["employee_id"])


def plan(envelopes: Sequence[Envelope], schema: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Statements with their parameter lists; running them in order applies the batch.

    First every concerned profile row is created or touched (one upsert per
    employee); then the field-setting statements run in event order, with runs
    of the same statement merged into one ``executemany``.
    """
    touches = profile_touches(envelopes)
    if touches:
        yield _PROFILE_TOUCH.format(s=schema), touches
    run_statement: str | None = None
    run: list[dict[str, Any]] = []
    for statement, params in _ordered_steps(envelopes):
        if statement != run_statement and run:
            yield run_statement.format(s=schema), run  # type: ignore[union-attr]
            run = []
        run_statement = statement
        run.append(params)
    if run and run_statement:
        yield run_statement.format(s=schema), run


def _ordered_steps(envelopes: Sequence[Envelope]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each event's statements, events in order; a run of one type goes statement by statement.

    Within a run of events of one type, applying all first statements, then
    all second ones, keeps each event's own order and merges well.
    """
    index = 0
    while index < len(envelopes):
        kind = envelopes[index].type
        end = index
        while end < len(envelopes) and envelopes[end].type == kind:
            end += 1
        block = [parameters(e) for e in envelopes[index:end]]
        for statement in STATEMENTS.get(kind, []):
            for params in block:
                yield statement, params
        index = end
