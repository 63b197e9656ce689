"""Read queries of the growth read model: the functions the gateway calls.

Each answers one question with one round trip or a few, never by paging
every employee: a growth path with its progress, readiness (for one employee
or counted per team), energy with its history, a day's board, the year in
numbers, a site's overview, the agents a regrouping may use. ``as_of`` is the
site's date the caller asks about: queries never read the clock themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from aerie_events.rules.growth.kpi import BOARD_METRICS, KPI_NAMES, DailyKpi, better_first
from aerie_events.rules.growth.ladder import Standing, next_steps
from aerie_events.rules.growth.policy import Evidence, ladder_policy_on
from psycopg import AsyncConnection, Connection
from psycopg.rows import dict_row

from aerie_projections.kit import READ_SCHEMA

S = READ_SCHEMA


async def _all(conn: AsyncConnection[Any], sql: str, params: Any = ()) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


async def agents(
    conn: AsyncConnection[Any], employee_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The growth rows of ``employee_ids`` that exist, by id."""
    rows = await _all(
        conn, f"SELECT * FROM {S}.growth_agent WHERE employee_id = ANY(%s)", (list(employee_ids),)
    )
    return {r["employee_id"]: r for r in rows}


# the growth path


async def history_of(conn: AsyncConnection[Any], employee_id: str) -> list[dict[str, Any]]:
    """Every change of the employee's path, oldest first, each with its reason."""
    return await _all(
        conn,
        f"SELECT kind, occurred_on, from_value, to_value, reason, policy_version, criteria "
        f"FROM {S}.growth_change WHERE employee_id = %s ORDER BY occurred_on, position",
        (employee_id,),
    )


async def evidence_of(conn: AsyncConnection[Any], employee_id: str, as_of: dt.date) -> Evidence:
    """What the ladder policy reads for a step on ``as_of``: courses passed, recent KPI days."""
    policy = ladder_policy_on(as_of)
    start, end = policy.window_before(as_of)
    courses = await _all(
        conn,
        f"SELECT DISTINCT course_id FROM {S}.growth_training WHERE employee_id = %s "
        "AND outcome = 'passed' AND day <= %s",
        (employee_id, as_of),
    )
    days = await _all(
        conn,
        f"SELECT * FROM {S}.growth_kpi_day WHERE employee_id = %s AND day BETWEEN %s AND %s",
        (employee_id, start, end),
    )
    return Evidence(frozenset(r["course_id"] for r in courses), [_daily(r) for r in days])


def _daily(row: dict[str, Any]) -> DailyKpi:
    return DailyKpi(row["day"], {k: Decimal(row[k]) for k in KPI_NAMES})


def standing_of(agent: dict[str, Any]) -> Standing:
    return Standing(
        agent["track"], agent["star"], agent["graduated"], agent["level_since"] or agent["hired_on"]
    )


async def progress_of(
    conn: AsyncConnection[Any], agent: dict[str, Any], as_of: dt.date
) -> list[dict[str, Any]]:
    """Each next step open to the employee, criterion by criterion, as of ``as_of``."""
    standing = standing_of(agent)
    steps = next_steps(standing)
    if not steps or agent["status"] == "left":
        return []
    evidence = await evidence_of(conn, agent["employee_id"], as_of)
    policy = ladder_policy_on(as_of)
    return [
        {"step": step, "evaluation": policy.evaluate(step, standing, evidence, as_of)}
        for step in steps
    ]


# readiness

_PENDING_MAKEUP = f"""
SELECT m.day, m.reason FROM {S}.growth_missed_study m
WHERE m.employee_id = a.employee_id AND m.day <= %(as_of)s AND NOT EXISTS (
    SELECT 1 FROM {S}.growth_makeup_exam x
    WHERE x.employee_id = m.employee_id AND x.passed AND x.taken_on >= m.day AND x.taken_on <= %(as_of)s)
"""
_OFF_POST = f"""
SELECT d.order_id, d.starts_on, d.ends_on, d.acceptance_test FROM {S}.growth_energy_decision d
WHERE d.employee_id = a.employee_id AND d.kind = 'offpost_training' AND d.starts_on <= %(as_of)s
  AND (d.ends_on >= %(as_of)s OR (d.acceptance_test AND NOT EXISTS (
      SELECT 1 FROM {S}.growth_acceptance_test t
      WHERE t.order_id = d.order_id AND t.passed AND t.taken_on <= %(as_of)s)))
"""
NOT_READY = f"""((a.status = 'left' AND a.left_on <= %(as_of)s) OR a.post IS NOT NULL OR EXISTS ({_PENDING_MAKEUP})
    OR EXISTS ({_OFF_POST}))"""
"""An SQL condition on ``growth_agent a``: not ready for calls on ``%(as_of)s``."""


async def readiness_of(
    conn: AsyncConnection[Any], employee_ids: Sequence[str], as_of: dt.date
) -> dict[str, dict[str, Any]]:
    """Whether each employee is ready for calls on ``as_of``, with every reason they are not."""
    rows = await _all(
        conn,
        f"""SELECT a.employee_id, a.status, a.left_on, a.post,
            (SELECT coalesce(json_agg(json_build_object('day', p.day, 'reason', p.reason)
                ORDER BY p.day), '[]') FROM ({_PENDING_MAKEUP}) p) AS makeup,
            (SELECT coalesce(json_agg(json_build_object('order_id', o.order_id,
                'starts_on', o.starts_on, 'ends_on', o.ends_on, 'acceptance_test', o.acceptance_test)
                ORDER BY o.starts_on), '[]') FROM ({_OFF_POST}) o) AS offpost
            FROM {S}.growth_agent a WHERE a.employee_id = ANY(%(ids)s)""",
        {"ids": list(employee_ids), "as_of": as_of},
    )
    return {r["employee_id"]: readiness_from(r, as_of) for r in rows}


def readiness_from(row: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """Ready on ``as_of`` or not, with every reason, from a row of ``readiness_of``'s query."""
    reasons = []
    if row["status"] == "left" and row["left_on"] <= as_of:
        reasons.append(("left", f"left the company on {row['left_on']}"))
    if row["post"]:
        reasons.append(
            (
                "repositioned",
                f"re-positioned to {row['post'].replace('_', ' ')} after the acceptance test",
            )
        )
    for order in row["offpost"]:
        if order["ends_on"] >= as_of.isoformat():
            reasons.append(
                (
                    "offpost_training",
                    f"off-post training from {order['starts_on']} to {order['ends_on']}",
                )
            )
        elif not row["post"]:  # once re-positioned, the test is no longer awaited
            reasons.append(
                (
                    "acceptance_test",
                    f"acceptance test pending since off-post training ended on {order['ends_on']}",
                )
            )
    for missed in row["makeup"]:
        reasons.append(
            (
                "makeup_exam",
                f"missed the required study of {missed['day']} ({missed['reason']}): make-up exam pending",
            )
        )
    return {"ready": not reasons, "reasons": reasons}


# energy


async def energy_days(
    conn: AsyncConnection[Any], employee_id: str, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """The employee's KPI days and energy values from ``start`` to ``end``, oldest first."""
    return await _all(
        conn,
        f"SELECT * FROM {S}.growth_kpi_day WHERE employee_id = %s AND day BETWEEN %s AND %s ORDER BY day",
        (employee_id, start, end),
    )


async def energy_decisions(
    conn: AsyncConnection[Any], employee_id: str, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Rewards and off-post training orders whose week ends within ``start`` to ``end``."""
    return await _all(
        conn,
        f"SELECT * FROM {S}.growth_energy_decision WHERE employee_id = %s "
        "AND window_end BETWEEN %s AND %s ORDER BY window_start",
        (employee_id, start, end),
    )


# the boards


def checked_metric(metric: str) -> str:
    if metric not in BOARD_METRICS:
        raise ValueError(f"{metric!r} is not a board metric")
    return metric


async def board(
    conn: AsyncConnection[Any],
    *,
    site_id: str,
    team_id: str | None,
    metric: str,
    day: dt.date,
    limit: int,
) -> list[dict[str, Any]]:
    """A day's board of one site (or one of its teams) for ``metric``: ranks with ties shared.

    Equal values share a rank and the next rank skips (1, 2, 2, 4); within a
    rank, employees are listed by id.
    """
    column = checked_metric(metric)
    order = "DESC" if better_first(metric) else "ASC"
    team = "AND k.team_id = %(team)s" if team_id is not None else ""
    return await _all(
        conn,
        f"""SELECT rank() OVER (ORDER BY k.{column} {order}) AS rank, k.employee_id,
            a.display_name, k.team_id, k.{column}::numeric AS value
            FROM {S}.growth_kpi_day k LEFT JOIN {S}.growth_agent a USING (employee_id)
            WHERE k.site_id = %(site)s AND k.day = %(day)s {team}
            ORDER BY 1, k.employee_id LIMIT %(limit)s""",
        {"site": site_id, "team": team_id, "day": day, "limit": limit},
    )


async def latest_board_day(
    conn: AsyncConnection[Any], site_id: str, today: dt.date
) -> dt.date | None:
    """The site's latest day with KPI facts, up to ``today``: the board a site shows today."""
    rows = await _all(
        conn,
        f"SELECT max(day) AS day FROM {S}.growth_kpi_day WHERE site_id = %s AND day <= %s",
        (site_id, today),
    )
    return rows[0]["day"]


# the year in numbers


async def year_of(conn: AsyncConnection[Any], employee_id: str, year: int) -> dict[str, Any]:
    """Everything the annual statement shows, regenerated from the read model's rows."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    changes = await _all(
        conn,
        f"SELECT kind, occurred_on, from_value, to_value, reason, policy_version FROM {S}.growth_change "
        "WHERE employee_id = %s AND occurred_on BETWEEN %s AND %s ORDER BY occurred_on, position",
        (employee_id, start, end),
    )
    trainings = await _all(
        conn,
        f"SELECT course_id, course_title, outcome, score, day, retake FROM {S}.growth_training "
        "WHERE employee_id = %s AND day BETWEEN %s AND %s ORDER BY day, position",
        (employee_id, start, end),
    )
    months = await _all(
        conn,
        f"SELECT extract(month FROM day)::int AS month, round(avg(energy), 2) AS energy, count(*) AS days "
        f"FROM {S}.growth_kpi_day WHERE employee_id = %s AND day BETWEEN %s AND %s GROUP BY 1 ORDER BY 1",
        (employee_id, start, end),
    )
    decisions = await energy_decisions(conn, employee_id, start, end)
    counts = await _all(
        conn,
        f"SELECT metric, count, amount FROM {S}.growth_year WHERE employee_id = %s AND year = %s",
        (employee_id, year),
    )
    highlights = await _highlights(conn, employee_id, start, end)
    return {
        "changes": changes,
        "trainings": trainings,
        "energy_by_month": months,
        "decisions": decisions,
        "counts": {r["metric"]: r for r in counts},
        "highlights": highlights,
    }


async def _highlights(
    conn: AsyncConnection[Any], employee_id: str, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Per board metric: the days the employee ranked first and in the top three of their team."""
    ranks = ",\n".join(
        f"rank() OVER (PARTITION BY k.team_id, k.day ORDER BY k.{m} {'DESC' if better_first(m) else 'ASC'}) AS {m}"
        for m in BOARD_METRICS
    )
    firsts = ", ".join(f"count(*) FILTER (WHERE {m} = 1) AS {m}_first" for m in BOARD_METRICS)
    tops = ", ".join(f"count(*) FILTER (WHERE {m} <= 3) AS {m}_top3" for m in BOARD_METRICS)
    rows = await _all(
        conn,
        f"""WITH mine AS (SELECT DISTINCT team_id, day FROM {S}.growth_kpi_day
                WHERE employee_id = %(e)s AND day BETWEEN %(start)s AND %(end)s),
            ranked AS (SELECT k.employee_id, {ranks} FROM {S}.growth_kpi_day k
                JOIN mine USING (team_id, day))
            SELECT count(*) AS days, {firsts}, {tops} FROM ranked WHERE employee_id = %(e)s""",
        {"e": employee_id, "start": start, "end": end},
    )
    row = rows[0]
    return [
        {
            "metric": m,
            "days": row["days"],
            "first": row[f"{m}_first"],
            "top_three": row[f"{m}_top3"],
        }
        for m in BOARD_METRICS
    ]


# a site in numbers


async def site_overview(
    conn: AsyncConnection[Any],
    site_ids: Sequence[str] | None,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
) -> list[dict[str, Any]]:
    """Per site and team: head count by stage and star, ladder moves and average energy over
    ``start`` to ``end``, and readiness on ``as_of``; one row per team (active agents: the
    ladder's people; team leads hired as such are not on it)."""
    sites = "AND a.site_id = ANY(%(sites)s)" if site_ids is not None else ""
    return await _all(
        conn,
        f"""WITH members AS (
                SELECT a.*, {NOT_READY} AS not_ready,
                    CASE WHEN a.track <> 'agent' THEN 'elite'
                         WHEN a.star = 1 AND NOT a.graduated THEN 'chick'
                         WHEN a.star <= 3 THEN 'flying' ELSE 'soaring' END AS stage
                FROM {S}.growth_agent a WHERE a.status = 'active' AND a.site_id IS NOT NULL
                  AND a.role = 'agent' {sites}),
            moves AS (
                SELECT c.employee_id, count(*) FILTER (WHERE c.kind = 'promoted') AS promotions,
                    count(*) FILTER (WHERE c.kind = 'demoted') AS demotions,
                    count(*) FILTER (WHERE c.kind = 'graduated') AS graduations
                FROM {S}.growth_change c JOIN members m USING (employee_id)
                WHERE c.kind IN ('promoted', 'demoted', 'graduated')
                  AND c.occurred_on BETWEEN %(start)s AND %(end)s GROUP BY 1),
            energy AS (
                SELECT k.employee_id, avg(k.energy) AS energy FROM {S}.growth_kpi_day k
                JOIN members m USING (employee_id) WHERE k.day BETWEEN %(start)s AND %(end)s GROUP BY 1)
            SELECT m.site_id, m.team_id, count(*) AS headcount,
                count(*) FILTER (WHERE NOT m.not_ready) AS ready,
                jsonb_build_object({", ".join(f"'{s}', count(*) FILTER (WHERE m.stage = '{s}')" for s in ("chick", "flying", "soaring", "elite"))}) AS by_stage,
                jsonb_build_object({", ".join(f"'{n}', count(*) FILTER (WHERE m.star = {n})" for n in range(1, 6))}) AS by_star,
                coalesce(sum(mv.promotions), 0)::int AS promotions,
                coalesce(sum(mv.demotions), 0)::int AS demotions,
                coalesce(sum(mv.graduations), 0)::int AS graduations,
                count(e.energy) AS with_energy, round(avg(e.energy), 2) AS average_energy
            FROM members m LEFT JOIN moves mv USING (employee_id) LEFT JOIN energy e USING (employee_id)
            GROUP BY m.site_id, m.team_id ORDER BY m.site_id, m.team_id""",
        {"sites": list(site_ids or []), "start": start, "end": end, "as_of": as_of},
    )


# regrouping


REGROUPING_CANDIDATES_SQL = f"""SELECT a.employee_id, a.star, a.team_id,
    coalesce((SELECT array_agg(DISTINCT t.course_id) FROM {S}.growth_training t
        WHERE t.employee_id = a.employee_id AND t.outcome = 'passed' AND t.day <= %(as_of)s),
        '{{}}') AS courses
    FROM {S}.growth_agent a
    WHERE a.site_id = %(site)s AND a.status = 'active' AND a.track = 'agent'
      AND a.role = 'agent' AND NOT {NOT_READY}
    ORDER BY a.employee_id"""
"""The agents a regrouping of ``%(site)s`` may use: active agents ready for calls on
``%(as_of)s``, with their star, team and the courses they passed (answering permissions)."""


def regrouping_candidates_now(
    conn: Connection[Any], key: tuple[str, dt.date]
) -> list[dict[str, Any]]:
    """The agents a regrouping of a site may use on a day (``key``: the site and the day),
    on the write side's connection: the ``site.regrouping_candidates`` fact."""
    site_id, as_of = key
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(REGROUPING_CANDIDATES_SQL, {"site": site_id, "as_of": as_of})
        return cur.fetchall()


async def regrouping(conn: AsyncConnection[Any], proposal_id: str) -> dict[str, Any] | None:
    rows = await _all(
        conn, f"SELECT * FROM {S}.growth_regrouping WHERE proposal_id = %s", (proposal_id,)
    )
    return rows[0] if rows else None
