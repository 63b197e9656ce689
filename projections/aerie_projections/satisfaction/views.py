"""The satisfaction read model: surveys, running sums per group and item, and what they need.

Tables:

- ``satisfaction_survey``: each published survey (questions, population,
  dates, threshold, anonymity policy and scales versions) and, once closed,
  when and with how many responses;
- ``satisfaction_sums``: per survey, group (company, site, team) and item
  (overall, eNPS, each driver) the running sums of ``statistics.ItemSums``,
  changed by one upsert of deltas per batch (corrections subtract the
  answer they replace, which the event carries);
- ``satisfaction_response``: each response's last answer under its
  pseudonymous id, with its group (for comments, and for a batch
  recomputation to check the sums against); no column names a person;
- ``satisfaction_roster``: placements from the roster events (who sat in
  which site and team from which day), for response rates;
- ``customer_satisfaction``: each agent's daily customer satisfaction from
  the KPI facts, for the trends.

Answers recorded under schema version 1 (before answers were anonymous)
have no response id and are left out. Nothing here reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import KPI_RECORDED
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_events.envelope import Envelope

from aerie_projections.kit import (
    Projection,
    Statement,
    insert_rows,
    last_per_key,
    unnest,
    update_rows,
)
from aerie_projections.roster import roster_facts
from aerie_projections.satisfaction.statistics import fold

TABLES = (
    "satisfaction_survey",
    "satisfaction_sums",
    "satisfaction_response",
    "satisfaction_roster",
    "customer_satisfaction",
)

SCHEMA_V1 = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.satisfaction_survey (
    survey_id text PRIMARY KEY,
    series_id text NOT NULL,
    title text NOT NULL,
    questions jsonb NOT NULL,
    comment_prompt text,
    sites text[] NOT NULL,
    teams text[] NOT NULL,
    opens_on date NOT NULL,
    closes_on date NOT NULL,
    anonymity_threshold int NOT NULL,
    policy_version text,
    published_at timestamptz NOT NULL,
    closed_at timestamptz,
    close_reason text,
    responses_at_close int
);
CREATE INDEX IF NOT EXISTS satisfaction_survey_series
    ON {s}.satisfaction_survey (series_id, closes_on);
CREATE TABLE IF NOT EXISTS {s}.satisfaction_sums (
    survey_id text NOT NULL,
    kind text NOT NULL,
    site_id text NOT NULL,
    team_id text NOT NULL,
    role text NOT NULL,
    question_id text NOT NULL,
    n bigint NOT NULL,
    sum_x bigint NOT NULL,
    sum_xx bigint NOT NULL,
    sum_xy bigint NOT NULL,
    counts bigint[] NOT NULL,
    PRIMARY KEY (survey_id, kind, site_id, team_id, role, question_id)
);
CREATE TABLE IF NOT EXISTS {s}.satisfaction_response (
    survey_id text NOT NULL,
    response_id text NOT NULL,
    site_id text NOT NULL,
    team_id text NOT NULL,
    revision int NOT NULL,
    answer jsonb NOT NULL,
    comment text,
    PRIMARY KEY (survey_id, response_id)
);
CREATE TABLE IF NOT EXISTS {s}.satisfaction_roster (
    employee_id text NOT NULL,
    since date NOT NULL,
    position bigint NOT NULL,
    site_id text,
    team_id text,
    PRIMARY KEY (employee_id, since, position)
);
CREATE TABLE IF NOT EXISTS {s}.customer_satisfaction (
    agent_id text NOT NULL,
    day date NOT NULL,
    site_id text,
    score numeric(4, 2) NOT NULL,
    PRIMARY KEY (agent_id, day)
);
CREATE INDEX IF NOT EXISTS customer_satisfaction_site ON {s}.customer_satisfaction (site_id, day);
"""

SCHEMA_V2 = """
ALTER TABLE {s}.satisfaction_survey
    ADD COLUMN IF NOT EXISTS scales_version text NOT NULL DEFAULT 'scales/2026-01';
ALTER TABLE {s}.satisfaction_survey ALTER COLUMN scales_version DROP DEFAULT;
"""
"""Surveys projected before: published under ``scales/2026-01``, the only version then."""

SUMS_KEY = (
    ("survey_id", "text"),
    ("kind", "text"),
    ("site_id", "text"),
    ("team_id", "text"),
    ("role", "text"),
    ("question_id", "text"),
)
SUMS_VALUES = (
    ("n", "bigint"),
    ("sum_x", "bigint"),
    ("sum_xx", "bigint"),
    ("sum_xy", "bigint"),
    ("counts", "bigint[]"),
)
_ADD_SUMS = (
    "INSERT INTO {s}.satisfaction_sums AS t ({names}) SELECT {names} FROM {rows} "
    "ORDER BY survey_id, kind, site_id, team_id, role, question_id "
    "ON CONFLICT (survey_id, kind, site_id, team_id, role, question_id) DO UPDATE SET "
    "n = t.n + excluded.n, sum_x = t.sum_x + excluded.sum_x, "
    "sum_xx = t.sum_xx + excluded.sum_xx, sum_xy = t.sum_xy + excluded.sum_xy, "
    "counts = ARRAY(SELECT a + b FROM unnest(t.counts, excluded.counts) AS c(a, b))"
)
_RESPONSES = (
    "INSERT INTO {s}.satisfaction_response AS t (survey_id, response_id, site_id, team_id, "
    "revision, answer, comment) SELECT * FROM {rows} ORDER BY 1, 2 "
    "ON CONFLICT (survey_id, response_id) DO UPDATE SET revision = excluded.revision, "
    "answer = excluded.answer, comment = excluded.comment WHERE t.revision < excluded.revision"
)
ROSTER_TYPES = (EMPLOYEE_HIRED, EMPLOYEE_TRANSFERRED, EMPLOYEE_LEFT)


class SatisfactionProjection(Projection):
    """Survey results kept incrementally, with the roster and KPI facts that frame them."""

    name = "satisfaction"
    tables = TABLES
    handles = frozenset(
        {SURVEY_PUBLISHED, SURVEY_ANSWERED, SURVEY_CLOSED, KPI_RECORDED, *ROSTER_TYPES}
    )
    migrations = (
        (1, "surveys, running sums, responses, roster, customer satisfaction", SCHEMA_V1),
        (2, "the scales' version each survey was published under", SCHEMA_V2),
    )

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        by_type: dict[str, list[Envelope]] = {}
        for envelope in envelopes:
            by_type.setdefault(envelope.type, []).append(envelope)
        answers = [e.payload for e in by_type.get(SURVEY_ANSWERED, []) if _anonymous(e)]
        statements = [
            *_published(by_type.get(SURVEY_PUBLISHED, [])),
            *_sums(answers),
            *_responses(answers),
            *_closed(by_type.get(SURVEY_CLOSED, [])),
            *_roster([e for e in envelopes if e.type in ROSTER_TYPES]),
            *_customer_satisfaction(by_type.get(KPI_RECORDED, [])),
        ]
        return statements


def _anonymous(envelope: Envelope) -> bool:
    """An answer under a response id (schema 2 on); a version-1 answer has none."""
    return bool(envelope.payload.get("response_id"))


def _published(published: list[Envelope]) -> list[Statement]:
    if not published:
        return []
    columns = [
        ("survey_id", "text"),
        ("series_id", "text"),
        ("title", "text"),
        ("questions", "jsonb"),
        ("comment_prompt", "text"),
        ("sites", "text[]"),
        ("teams", "text[]"),
        ("opens_on", "date"),
        ("closes_on", "date"),
        ("anonymity_threshold", "int"),
        ("policy_version", "text"),
        ("published_at", "timestamptz"),
        ("scales_version", "text"),
    ]
    rows = [
        (
            p["survey_id"],
            p["series_id"],
            p["title"],
            p["questions"],
            p.get("comment_prompt"),
            _array(p.get("sites") or []),
            _array(p.get("teams") or []),
            p["opens_on"],
            p["closes_on"],
            p["anonymity_threshold"],
            e.policy_version,
            e.occurred_at,
            p["scales_version"],
        )
        for e in published
        for p in [e.payload]
    ]
    return [insert_rows("satisfaction_survey", columns, rows)]


def _array(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal of identifiers or whole numbers (no quoting needed)."""
    return "{" + ",".join(str(v) for v in values) + "}"


def _sums(answers: list[dict[str, Any]]) -> list[Statement]:
    deltas = fold(answers)
    if not deltas:
        return []
    rows = [
        (
            survey_id,
            *group,
            *item,
            sums.n,
            sums.sum_x,
            sums.sum_xx,
            sums.sum_xy,
            _array(sums.counts),
        )
        for (survey_id, group, item), sums in sorted(deltas.items())
    ]
    source, params = unnest([*SUMS_KEY, *SUMS_VALUES], rows)
    names = ", ".join(name for name, _ in (*SUMS_KEY, *SUMS_VALUES))
    return [Statement(_ADD_SUMS.replace("{names}", names).replace("{rows}", source), params)]


def _responses(answers: list[dict[str, Any]]) -> list[Statement]:
    if not answers:
        return []
    last = last_per_key([((a["survey_id"], a["response_id"]), a) for a in answers])
    rows = [
        (
            survey_id,
            response_id,
            a["site_id"],
            a["team_id"],
            a["revision"],
            {"overall": a["overall"], "enps": a["enps"], "drivers": a["drivers"]},
            a.get("comment"),
        )
        for (survey_id, response_id), a in sorted(last.items())
    ]
    source, params = unnest(
        [
            ("survey_id", "text"),
            ("response_id", "text"),
            ("site_id", "text"),
            ("team_id", "text"),
            ("revision", "int"),
            ("answer", "jsonb"),
            ("comment", "text"),
        ],
        rows,
    )
    return [Statement(_RESPONSES.replace("{rows}", source), params)]


def _closed(closed: list[Envelope]) -> list[Statement]:
    if not closed:
        return []
    rows = [
        (e.payload["survey_id"], e.occurred_at, e.payload["reason"], e.payload["responses"])
        for e in closed
    ]
    return [
        update_rows(
            "satisfaction_survey",
            ("survey_id", "text"),
            [
                ("closed_at", "timestamptz"),
                ("close_reason", "text"),
                ("responses_at_close", "int"),
            ],
            rows,
            where="t.closed_at IS NULL",
        )
    ]


def _placement(envelope: Envelope) -> tuple[str, str | None, str | None]:
    """``(since, site, team)`` a roster event starts; a leaver sits nowhere from the next day."""
    facts = roster_facts(envelope)
    if "left_on" in facts:
        return _next_day(facts["left_on"]), None, None
    since = facts["hired_on"] if "hired_on" in facts else facts["transferred_on"]
    return since, facts["site_id"], facts["team_id"]


def _next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _roster(events: list[Envelope]) -> list[Statement]:
    rows = [(e.employee_id, _placement(e), e.position) for e in events if e.employee_id]
    if not rows:
        return []
    return [
        insert_rows(
            "satisfaction_roster",
            [
                ("employee_id", "text"),
                ("since", "date"),
                ("position", "bigint"),
                ("site_id", "text"),
                ("team_id", "text"),
            ],
            [
                (employee_id, since, position, site_id, team_id)
                for employee_id, (since, site_id, team_id), position in rows
            ],
        )
    ]


def _customer_satisfaction(recorded: list[Envelope]) -> list[Statement]:
    """Each agent's customer satisfaction of a day: the last fact recorded for it."""
    last = last_per_key(
        [
            ((e.employee_id, e.payload["day"]), (e.site_id, e.payload["customer_satisfaction"]))
            for e in recorded
            if e.employee_id and e.payload.get("customer_satisfaction") is not None
        ]
    )
    if not last:
        return []
    source, params = unnest(
        [("agent_id", "text"), ("day", "date"), ("site_id", "text"), ("score", "numeric")],
        [(agent, day, site, score) for (agent, day), (site, score) in sorted(last.items())],
    )
    return [
        Statement(
            "INSERT INTO {s}.customer_satisfaction (agent_id, day, site_id, score) "
            f"SELECT * FROM {source} ON CONFLICT (agent_id, day) DO UPDATE SET "
            "site_id = excluded.site_id, score = excluded.score",
            params,
        )
    ]
