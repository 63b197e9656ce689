"""The employee profile read model: its tables and how each event changes them.

Every field is owned by one bounded context, so the rows end the same whatever
the interleaving of topics; within a topic partition events arrive in order.
Nothing here reads the wall clock: times come from the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from aerie_events.envelope import Envelope

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

_PROFILE_ROW = (
    "INSERT INTO {s}.employee_profile AS p (employee_id, updated_at) VALUES (%(employee_id)s, "
    "%(recorded_at)s) ON CONFLICT (employee_id) DO UPDATE SET "
    "updated_at = GREATEST(p.updated_at, excluded.updated_at)"
)

STATEMENTS: dict[str, list[str]] = {
    "employee.hired": [
        "INSERT INTO {s}.employee_profile AS p (employee_id, site_id, team_id, display_name, "
        "role, status, hired_on, updated_at) VALUES (%(employee_id)s, %(site_id)s, %(team_id)s, "
        "%(display_name)s, %(role)s, 'active', %(hired_on)s, %(recorded_at)s) "
        "ON CONFLICT (employee_id) DO UPDATE SET site_id = excluded.site_id, "
        "team_id = excluded.team_id, display_name = excluded.display_name, role = excluded.role, "
        "status = 'active', hired_on = excluded.hired_on, "
        "updated_at = GREATEST(p.updated_at, excluded.updated_at)"
    ],
    "employee.transferred": [
        _PROFILE_ROW,
        "UPDATE {s}.employee_profile SET site_id = %(to_site_id)s, team_id = %(to_team_id)s "
        "WHERE employee_id = %(employee_id)s",
    ],
    "employee.left": [
        _PROFILE_ROW,
        "UPDATE {s}.employee_profile SET status = 'left', left_on = %(left_on)s "
        "WHERE employee_id = %(employee_id)s",
    ],
    "training.passed": [
        _PROFILE_ROW,
        "INSERT INTO {s}.training_passed (event_id, employee_id, course_id, course_title, score, "
        "passed_on, position) VALUES (%(event_id)s, %(employee_id)s, %(course_id)s, "
        "%(course_title)s, %(score)s, %(passed_on)s, %(position)s) ON CONFLICT DO NOTHING",
        "UPDATE {s}.employee_profile SET trainings_passed = trainings_passed + 1 "
        "WHERE employee_id = %(employee_id)s",
    ],
    "star.promoted": [
        _PROFILE_ROW,
        "UPDATE {s}.employee_profile SET star_level = %(to_star)s, promoted_on = %(promoted_on)s "
        "WHERE employee_id = %(employee_id)s",
    ],
    "issue.raised": [
        "INSERT INTO {s}.issue (issue_id, employee_id, site_id, department, title, anonymous, "
        "status, raised_at) VALUES (%(issue_id)s, %(employee_id)s, %(site_id)s, %(department)s, "
        "%(title)s, %(anonymous)s, 'open', %(occurred_at)s) ON CONFLICT DO NOTHING",
    ],
    "coupon.granted": [
        _PROFILE_ROW,
        "INSERT INTO {s}.coupon_grant (coupon_id, employee_id, site_id, scenario, amount, "
        "currency, limit_amount, policy_version, granted_at) VALUES (%(coupon_id)s, "
        "%(employee_id)s, %(site_id)s, %(scenario)s, %(amount)s, %(currency)s, %(limit)s, "
        "%(policy_version)s, %(occurred_at)s) ON CONFLICT DO NOTHING",
        "UPDATE {s}.employee_profile SET coupons_granted = coupons_granted + 1, "
        "coupon_total = coupon_total + %(amount)s WHERE employee_id = %(employee_id)s",
    ],
    "survey.answered": [
        _PROFILE_ROW,
        "INSERT INTO {s}.survey_answer (survey_id, employee_id, overall, drivers, answered_at) "
        "VALUES (%(survey_id)s, %(employee_id)s, %(overall)s, %(drivers)s, %(occurred_at)s) "
        "ON CONFLICT DO NOTHING",
        "UPDATE {s}.employee_profile SET last_survey_id = %(survey_id)s, "
        "last_survey_overall = %(overall)s, last_survey_at = %(occurred_at)s "
        "WHERE employee_id = %(employee_id)s AND (last_survey_at IS NULL "
        "OR (last_survey_at, last_survey_id) < (%(occurred_at)s, %(survey_id)s))",
    ],
}

# The author of a named issue sees it among their open issues.
NAMED_ISSUE = [
    _PROFILE_ROW,
    "UPDATE {s}.employee_profile SET open_issues = open_issues + 1 "
    "WHERE employee_id = %(employee_id)s",
]


def parameters(envelope: Envelope) -> dict[str, Any]:
    """The SQL parameters of one event: envelope facts plus its payload."""
    from psycopg.types.json import Jsonb

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


def statements_for(envelope: Envelope) -> list[str]:
    statements = list(STATEMENTS.get(envelope.type, []))
    if envelope.type == "issue.raised" and envelope.employee_id:
        statements += NAMED_ISSUE
    return statements


def plan(envelopes: Iterable[Envelope], schema: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Statements with their parameter lists, in event order; runs of the same statement merge.

    Running them in order inside one transaction applies the whole batch.
    """
    steps: list[tuple[str, dict[str, Any]]] = []
    for envelope in envelopes:
        params = parameters(envelope)
        # statements of one event stay together, in order
        for index, statement in enumerate(statements_for(envelope)):
            steps.append((f"{envelope.type}#{index}:{statement}", params))
    run_key: str | None = None
    run: list[dict[str, Any]] = []
    for key, params in _by_statement_keeping_event_order(steps):
        if key != run_key and run:
            yield _sql(run_key, schema), run
            run = []
        run_key = key
        run.append(params)
    if run:
        yield _sql(run_key, schema), run


def _by_statement_keeping_event_order(
    steps: list[tuple[str, dict[str, Any]]],
) -> list[tuple[str, dict[str, Any]]]:
    """Group consecutive events of one type statement by statement.

    Events of one type in a row are applied statement by statement (all profile
    rows, then all detail rows, then all counters), which keeps each event's
    own order and the order between events of different types.
    """
    grouped: list[tuple[str, dict[str, Any]]] = []
    block: list[tuple[str, dict[str, Any]]] = []
    block_type: str | None = None
    for key, params in steps:
        event_kind = key.split("#", 1)[0]
        if event_kind != block_type and block:
            grouped += sorted(block, key=lambda step: int(step[0].split("#", 1)[1].split(":")[0]))
            block = []
        block_type = event_kind
        block.append((key, params))
    grouped += sorted(block, key=lambda step: int(step[0].split("#", 1)[1].split(":")[0]))
    return grouped


def _sql(key: str | None, schema: str) -> str:
    assert key is not None
    return key.split(":", 1)[1].format(s=schema)
