"""The growth read model: its tables and how a batch of events changes them.

Each column of ``growth_agent`` is owned by one context (the roster by people,
the ladder by performance), so rows end the same whatever the interleaving
of topics. Facts that clear one another (a missed study day and the make-up
exam after it, an off-post order and its acceptance test) are stored as they
come and matched when read, so their order of arrival does not matter. A
day's energy value is computed here, with the weights in force on that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from aerie_events.catalog import CATALOG
from aerie_events.catalog import people as people_events
from aerie_events.catalog import performance as performance_events
from aerie_events.catalog import voice as voice_events
from aerie_events.catalog.coupons import COUPON_GRANTED
from aerie_events.catalog.learning import (
    ACCEPTANCE_TEST_FAILED,
    ACCEPTANCE_TEST_PASSED,
    MAKEUP_EXAM_FAILED,
    MAKEUP_EXAM_PASSED,
    STUDY_MISSED,
    TRAINING_ASSIGNED,
    TRAINING_FAILED,
    TRAINING_PASSED,
)
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    EMPLOYEE_REPOSITIONED,
    ENERGY_REWARDED,
    KPI_RECORDED,
    OFFPOST_TRAINING_ORDERED,
    REGROUPING_ACCEPTED,
    REGROUPING_PROPOSED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)
from aerie_events.catalog.voice import ISSUE_RAISED, ISSUE_RESOLVED, SUGGESTION_ADOPTED
from aerie_events.envelope import Envelope
from aerie_events.read_facts import REGROUPING_CANDIDATES
from aerie_events.rules.growth.energy import energy_of_day
from aerie_events.rules.growth.kpi import KPI_NAMES, DailyKpi

from aerie_projections.acceptance import ACCEPTANCE_TEST_TYPES, acceptance_test_rows
from aerie_projections.growth.queries import regrouping_candidates_now
from aerie_projections.kit import Projection, Statement, insert_rows, patch_rows, unnest
from aerie_projections.roster import roster_patches

TABLES = (
    "growth_agent",
    "growth_change",
    "growth_training",
    "growth_kpi_day",
    "growth_energy_decision",
    "growth_missed_study",
    "growth_makeup_exam",
    "growth_acceptance_test",
    "growth_year",
    "growth_regrouping",
)

SCHEMA_V1 = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.growth_agent (
    employee_id text PRIMARY KEY,
    site_id text,
    team_id text,
    display_name text,
    role text,
    status text,
    hired_on date,
    left_on date,
    track text NOT NULL DEFAULT 'agent',
    star int NOT NULL DEFAULT 1,
    graduated boolean NOT NULL DEFAULT false,
    level_since date,
    post text,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS growth_agent_site ON {s}.growth_agent (site_id, team_id);
CREATE TABLE IF NOT EXISTS {s}.growth_change (
    event_id uuid PRIMARY KEY,
    employee_id text NOT NULL,
    site_id text,
    kind text NOT NULL,
    occurred_on date NOT NULL,
    from_value text,
    to_value text,
    reason text,
    policy_version text,
    criteria jsonb,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS growth_change_employee ON {s}.growth_change (employee_id, occurred_on);
CREATE INDEX IF NOT EXISTS growth_change_site ON {s}.growth_change (site_id, kind, occurred_on);
CREATE TABLE IF NOT EXISTS {s}.growth_training (
    event_id uuid PRIMARY KEY,
    employee_id text NOT NULL,
    course_id text NOT NULL,
    course_title text,
    outcome text NOT NULL,
    score int,
    day date NOT NULL,
    retake boolean NOT NULL DEFAULT false,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS growth_training_employee ON {s}.growth_training (employee_id, day);
CREATE TABLE IF NOT EXISTS {s}.growth_kpi_day (
    employee_id text NOT NULL,
    day date NOT NULL,
    site_id text,
    team_id text,
    calls_answered int NOT NULL,
    average_handling_seconds int NOT NULL,
    first_contact_resolution numeric(5, 2) NOT NULL,
    customer_satisfaction numeric(3, 2) NOT NULL,
    qa_score numeric(5, 2) NOT NULL,
    attendance numeric(5, 2) NOT NULL,
    energy numeric(6, 2) NOT NULL,
    policy_version text NOT NULL,
    PRIMARY KEY (employee_id, day)
);
CREATE INDEX IF NOT EXISTS growth_kpi_day_site ON {s}.growth_kpi_day (site_id, day);
CREATE INDEX IF NOT EXISTS growth_kpi_day_team ON {s}.growth_kpi_day (team_id, day);
CREATE TABLE IF NOT EXISTS {s}.growth_energy_decision (
    event_id uuid PRIMARY KEY,
    employee_id text NOT NULL,
    site_id text,
    kind text NOT NULL,
    window_start date NOT NULL,
    window_end date NOT NULL,
    kpi_days int NOT NULL,
    energy numeric(6, 2) NOT NULL,
    reward_amount numeric(12, 2),
    level text,
    days int,
    acceptance_test boolean,
    order_id text,
    starts_on date,
    ends_on date,
    policy_version text
);
CREATE INDEX IF NOT EXISTS growth_energy_decision_employee
    ON {s}.growth_energy_decision (employee_id, window_start);
CREATE TABLE IF NOT EXISTS {s}.growth_missed_study (
    event_id uuid PRIMARY KEY,
    employee_id text NOT NULL,
    day date NOT NULL,
    reason text NOT NULL
);
CREATE INDEX IF NOT EXISTS growth_missed_study_employee ON {s}.growth_missed_study (employee_id, day);
CREATE TABLE IF NOT EXISTS {s}.growth_makeup_exam (
    event_id uuid PRIMARY KEY,
    employee_id text NOT NULL,
    taken_on date NOT NULL,
    passed boolean NOT NULL,
    score int NOT NULL
);
CREATE INDEX IF NOT EXISTS growth_makeup_exam_employee ON {s}.growth_makeup_exam (employee_id, taken_on);
CREATE TABLE IF NOT EXISTS {s}.growth_acceptance_test (
    order_id text PRIMARY KEY,
    employee_id text NOT NULL,
    passed boolean NOT NULL,
    score int NOT NULL,
    taken_on date NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.growth_year (
    employee_id text NOT NULL,
    year int NOT NULL,
    metric text NOT NULL,
    count int NOT NULL,
    amount numeric(14, 2) NOT NULL,
    PRIMARY KEY (employee_id, year, metric)
);
CREATE TABLE IF NOT EXISTS {s}.growth_regrouping (
    proposal_id text PRIMARY KEY,
    site_id text NOT NULL,
    proposed jsonb NOT NULL,
    proposed_at timestamptz NOT NULL,
    accepted_on date,
    accepted_by jsonb
);
"""

ROSTER_TYPES = {
    "site_id": "text",
    "team_id": "text",
    "display_name": "text",
    "role": "text",
    "status": "text",
    "hired_on": "date",
    "left_on": "date",
    "track": "text",
    "star": "int",
    "graduated": "boolean",
    "level_since": "date",
    "post": "text",
}

OPTIONAL_TYPES = frozenset({ISSUE_RESOLVED, SUGGESTION_ADOPTED})
"""Types other capabilities record that the growth path shows, when the catalog has them."""

LADDER_STEPS = {
    CHICK_GRADUATED: ("graduated", "graduated_on"),
    STAR_PROMOTED: ("promoted", "promoted_on"),
    STAR_DEMOTED: ("demoted", "demoted_on"),
    TRACK_CHANGED: ("track_changed", "changed_on"),
    EMPLOYEE_REPOSITIONED: ("repositioned", "repositioned_on"),
}
YEARLY = {
    ISSUE_RAISED: "issues_raised",
    ISSUE_RESOLVED: "issues_resolved",
    COUPON_GRANTED: "coupons_granted",
    SUGGESTION_ADOPTED: "suggestions_adopted",
}


class GrowthProjection(Projection):
    """Growth paths, energy, boards, readiness and the year in numbers."""

    name = "growth"
    tables = TABLES
    answers = {REGROUPING_CANDIDATES: regrouping_candidates_now}
    handles = frozenset(
        {
            EMPLOYEE_HIRED,
            EMPLOYEE_TRANSFERRED,
            EMPLOYEE_LEFT,
            TRAINING_ASSIGNED,
            TRAINING_PASSED,
            TRAINING_FAILED,
            KPI_RECORDED,
            CHICK_GRADUATED,
            STAR_PROMOTED,
            STAR_DEMOTED,
            TRACK_CHANGED,
            ENERGY_REWARDED,
            OFFPOST_TRAINING_ORDERED,
            EMPLOYEE_REPOSITIONED,
            STUDY_MISSED,
            MAKEUP_EXAM_PASSED,
            MAKEUP_EXAM_FAILED,
            ACCEPTANCE_TEST_PASSED,
            ACCEPTANCE_TEST_FAILED,
            REGROUPING_PROPOSED,
            REGROUPING_ACCEPTED,
            ISSUE_RAISED,
            COUPON_GRANTED,
        }
        | (OPTIONAL_TYPES & set(CATALOG))
    )
    migrations = ((1, "growth paths, KPI days, energy, readiness, yearly counts", SCHEMA_V1),)

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        by_type: dict[str, list[Envelope]] = {}
        for e in envelopes:
            by_type.setdefault(e.type, []).append(e)
        statements = [_touched(envelopes)]
        statements += _agent_patches(envelopes)
        statements += _changes(envelopes)
        statements += _trainings(by_type)
        statements += _kpi_days(by_type.get(KPI_RECORDED, []))
        statements += _energy_decisions(by_type)
        statements += _learning_checks(by_type)
        statements += _yearly(envelopes)
        statements += _regroupings(by_type)
        return [s for s in statements if s is not None]


def _touched(envelopes: Sequence[Envelope]) -> Statement | None:
    """Every employee the batch concerns has a row, whichever topic comes first."""
    latest: dict[str, str] = {}
    for e in envelopes:
        if e.employee_id and e.type not in (REGROUPING_PROPOSED, REGROUPING_ACCEPTED):
            latest[e.employee_id] = max(latest.get(e.employee_id, e.recorded_at), e.recorded_at)
    if not latest:
        return None
    source, params = unnest(
        [("employee_id", "text"), ("updated_at", "timestamptz")], sorted(latest.items())
    )
    return Statement(
        f"INSERT INTO {{s}}.growth_agent AS a (employee_id, updated_at) SELECT * FROM {source} "
        "ORDER BY 1 ON CONFLICT (employee_id) DO UPDATE SET "
        "updated_at = GREATEST(a.updated_at, excluded.updated_at)",
        params,
    )


def _agent_patches(envelopes: Sequence[Envelope]) -> list[Statement]:
    patches = roster_patches(envelopes, ROSTER_TYPES)
    return patch_rows("growth_agent", ("employee_id", "text"), ROSTER_TYPES, patches)


CHANGE_COLUMNS = [
    ("event_id", "uuid"),
    ("employee_id", "text"),
    ("site_id", "text"),
    ("kind", "text"),
    ("occurred_on", "date"),
    ("from_value", "text"),
    ("to_value", "text"),
    ("reason", "text"),
    ("policy_version", "text"),
    ("criteria", "jsonb"),
    ("position", "bigint"),
]


def _change(e: Envelope) -> list[Any] | None:
    """A row of the growth history, or None for an event that is no change of the path."""
    p = e.payload
    if e.type in LADDER_STEPS:
        kind, day_field = LADDER_STEPS[e.type]
        before, after = _step_values(e)
        reason = p.get("reason")
        if e.type == EMPLOYEE_REPOSITIONED and p.get("window_start"):
            reason = f"{reason} (off-post training for the week of {p['window_start']})"
        return _change_row(e, kind, p[day_field], before, after, reason, p.get("criteria"))
    match e.type:
        case people_events.EMPLOYEE_HIRED:
            return _change_row(
                e, "hired", p["hired_on"], None, f"{p['role']} in {p['team_id']}", "hired"
            )
        case people_events.EMPLOYEE_TRANSFERRED:
            reason = f"moved from {p['from_site_id']}/{p['from_team_id']}"
            return _change_row(
                e, "transferred", p["transferred_on"], p["from_team_id"], p["to_team_id"], reason
            )
        case people_events.EMPLOYEE_LEFT:
            return _change_row(e, "left", p["left_on"], None, None, p["reason"])
        case performance_events.ENERGY_REWARDED:
            reason = f"energy {p['energy']} over the week of {p['window_start']}"
            return _change_row(
                e,
                "rewarded",
                p["window_end"],
                None,
                f"{p['reward_amount']} {p['currency']}",
                reason,
            )
        case performance_events.OFFPOST_TRAINING_ORDERED:
            reason = f"energy {p['energy']} ({p['level']}) over the week of {p['window_start']}"
            test = " and an acceptance test" if p["acceptance_test"] else ""
            return _change_row(
                e,
                "offpost_training",
                p["starts_on"],
                None,
                f"{p['days']} days off post{test}",
                reason,
            )
        case voice_events.SUGGESTION_ADOPTED:
            reason = f"suggestion {p['issue_id']} adopted"
            return _change_row(
                e, "suggestion_adopted", p["adopted_on"], None, p["issue_id"], reason
            )
    return None


def _step_values(e: Envelope) -> tuple[str | None, str | None]:
    p = e.payload
    match e.type:
        case performance_events.CHICK_GRADUATED:
            return "chick", "flying"
        case performance_events.STAR_PROMOTED | performance_events.STAR_DEMOTED:
            return str(p["from_star"]), str(p["to_star"])
        case performance_events.TRACK_CHANGED:
            return p["from_track"], p["to_track"]
    return p.get("from_track"), p.get("to_post")


def _change_row(
    e: Envelope,
    kind: str,
    day: str,
    before: str | None,
    after: str | None,
    reason: str | None,
    criteria: Any = None,
) -> list[Any]:
    return [
        e.event_id,
        e.employee_id,
        e.site_id,
        kind,
        day,
        before,
        after,
        reason,
        e.policy_version,
        criteria,
        e.position,
    ]


def _changes(envelopes: Sequence[Envelope]) -> list[Statement]:
    rows = [row for e in envelopes if e.employee_id and (row := _change(e)) is not None]
    return [insert_rows("growth_change", CHANGE_COLUMNS, rows)] if rows else []


TRAINING_OUTCOMES = {
    TRAINING_ASSIGNED: ("assigned", "assigned_on"),
    TRAINING_PASSED: ("passed", "passed_on"),
    TRAINING_FAILED: ("failed", "failed_on"),
}


def _trainings(by_type: dict[str, list[Envelope]]) -> list[Statement]:
    rows = []
    for kind, (outcome, day_field) in TRAINING_OUTCOMES.items():
        for e in by_type.get(kind, []):
            p = e.payload
            rows.append(
                [
                    e.event_id,
                    e.employee_id,
                    p["course_id"],
                    p.get("course_title"),
                    outcome,
                    p.get("score"),
                    p[day_field],
                    bool(p.get("retake")),
                    e.position,
                ]
            )
    if not rows:
        return []
    columns = [
        ("event_id", "uuid"),
        ("employee_id", "text"),
        ("course_id", "text"),
        ("course_title", "text"),
        ("outcome", "text"),
        ("score", "int"),
        ("day", "date"),
        ("retake", "boolean"),
        ("position", "bigint"),
    ]
    return [insert_rows("growth_training", columns, rows)]


KPI_COLUMNS = [
    ("employee_id", "text"),
    ("day", "date"),
    ("site_id", "text"),
    ("team_id", "text"),
    ("calls_answered", "int"),
    ("average_handling_seconds", "int"),
    ("first_contact_resolution", "numeric"),
    ("customer_satisfaction", "numeric"),
    ("qa_score", "numeric"),
    ("attendance", "numeric"),
    ("energy", "numeric"),
    ("policy_version", "text"),
]


def _kpi_days(recorded: list[Envelope]) -> list[Statement]:
    rows = []
    for e in recorded:
        energy, version = energy_of_day(DailyKpi.from_payload(e.payload))
        p = e.payload
        rows.append(
            [
                e.employee_id,
                p["day"],
                e.site_id,
                p.get("team_id"),
                *(p[k] for k in KPI_NAMES),
                energy,
                version,
            ]
        )
    return [insert_rows("growth_kpi_day", KPI_COLUMNS, rows)] if rows else []


DECISION_COLUMNS = [
    ("event_id", "uuid"),
    ("employee_id", "text"),
    ("site_id", "text"),
    ("kind", "text"),
    ("window_start", "date"),
    ("window_end", "date"),
    ("kpi_days", "int"),
    ("energy", "numeric"),
    ("reward_amount", "numeric"),
    ("level", "text"),
    ("days", "int"),
    ("acceptance_test", "boolean"),
    ("order_id", "text"),
    ("starts_on", "date"),
    ("ends_on", "date"),
    ("policy_version", "text"),
]


def _energy_decisions(by_type: dict[str, list[Envelope]]) -> list[Statement]:
    rows = []
    for kind, name in (
        (ENERGY_REWARDED, "reward"),
        (OFFPOST_TRAINING_ORDERED, "offpost_training"),
    ):
        for e in by_type.get(kind, []):
            p = e.payload
            rows.append(
                [
                    e.event_id,
                    e.employee_id,
                    e.site_id,
                    name,
                    p["window_start"],
                    p["window_end"],
                    p["kpi_days"],
                    p["energy"],
                    p.get("reward_amount"),
                    p.get("level"),
                    p.get("days"),
                    p.get("acceptance_test"),
                    p.get("order_id"),
                    p.get("starts_on"),
                    p.get("ends_on"),
                    e.policy_version,
                ]
            )
    return [insert_rows("growth_energy_decision", DECISION_COLUMNS, rows)] if rows else []


def _learning_checks(by_type: dict[str, list[Envelope]]) -> list[Statement]:
    statements = []
    missed = [
        [e.event_id, e.employee_id, e.payload["day"], e.payload["reason"]]
        for e in by_type.get(STUDY_MISSED, [])
    ]
    if missed:
        columns = [
            ("event_id", "uuid"),
            ("employee_id", "text"),
            ("day", "date"),
            ("reason", "text"),
        ]
        statements.append(insert_rows("growth_missed_study", columns, missed))
    exams = [
        [
            e.event_id,
            e.employee_id,
            e.payload["taken_on"],
            e.type == MAKEUP_EXAM_PASSED,
            e.payload["score"],
        ]
        for kind in (MAKEUP_EXAM_PASSED, MAKEUP_EXAM_FAILED)
        for e in by_type.get(kind, [])
    ]
    if exams:
        columns = [
            ("event_id", "uuid"),
            ("employee_id", "text"),
            ("taken_on", "date"),
            ("passed", "boolean"),
            ("score", "int"),
        ]
        statements.append(insert_rows("growth_makeup_exam", columns, exams))
    tests = [e for kind in ACCEPTANCE_TEST_TYPES for e in by_type.get(kind, [])]
    statements += acceptance_test_rows("growth_acceptance_test", tests)
    return statements


def _yearly(envelopes: Sequence[Envelope]) -> list[Statement]:
    """Counters per employee, year and metric: they commute, so a batch adds its sums."""
    sums: dict[tuple[str, int, str], list[Any]] = {}
    for e in envelopes:
        metric = YEARLY.get(e.type)
        if metric is None or not e.employee_id:
            continue  # an anonymous issue is nobody's
        year = dt.date.fromisoformat(e.occurred_at[:10]).year
        row = sums.setdefault(
            (e.employee_id, year, metric), [e.employee_id, year, metric, 0, Decimal(0)]
        )
        row[3] += 1
        if e.type == COUPON_GRANTED:
            row[4] += Decimal(e.payload["amount"])
    if not sums:
        return []
    columns = [
        ("employee_id", "text"),
        ("year", "int"),
        ("metric", "text"),
        ("count", "int"),
        ("amount", "numeric"),
    ]
    source, params = unnest(columns, [sums[k] for k in sorted(sums)])
    return [
        Statement(
            f"INSERT INTO {{s}}.growth_year AS y (employee_id, year, metric, count, amount) "
            f"SELECT * FROM {source} ORDER BY 1, 2, 3 ON CONFLICT (employee_id, year, metric) "
            "DO UPDATE SET count = y.count + excluded.count, amount = y.amount + excluded.amount",
            params,
        )
    ]


def _regroupings(by_type: dict[str, list[Envelope]]) -> list[Statement]:
    statements = []
    proposed = [
        [e.payload["proposal_id"], e.payload["site_id"], e.payload, e.recorded_at]
        for e in by_type.get(REGROUPING_PROPOSED, [])
    ]
    if proposed:
        columns = [
            ("proposal_id", "text"),
            ("site_id", "text"),
            ("proposed", "jsonb"),
            ("proposed_at", "timestamptz"),
        ]
        statements.append(insert_rows("growth_regrouping", columns, proposed))
    accepted = {
        e.payload["proposal_id"]: {"accepted_on": e.payload["accepted_on"], "accepted_by": e.actor}
        for e in by_type.get(REGROUPING_ACCEPTED, [])
    }
    statements += patch_rows(
        "growth_regrouping",
        ("proposal_id", "text"),
        {"accepted_on": "date", "accepted_by": "jsonb"},
        accepted,
    )
    return statements
