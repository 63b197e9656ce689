"""Read queries of the satisfaction read model: the functions the gateway calls.

Every figure of answers leaves through ``survey_results`` (and what is built
on it: drivers, trends, comments), which applies the disclosure rules of
``results.results_of`` for every caller. No function returns a response id.
"""

from __future__ import annotations

from typing import Any

from aerie_events.rules.scales import HISTOGRAM_SIZE
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from aerie_projections.kit import READ_SCHEMA
from aerie_projections.satisfaction.results import (
    CLOSED,
    SiteCustomerSatisfaction,
    SurveyInfo,
    SurveyResults,
    TrendPoint,
    results_of,
    trend_points,
)
from aerie_projections.satisfaction.statistics import COMPANY, SITE, TEAM, GroupKey

S = READ_SCHEMA


async def _rows(conn: AsyncConnection[Any], query: str, *params: Any) -> list[dict[str, Any]]:
    """The rows of ``query``; one dict as ``params`` names its placeholders."""
    async with conn.cursor(row_factory=dict_row) as cur:
        named = len(params) == 1 and isinstance(params[0], dict)
        await cur.execute(query, params[0] if named else params)
        return await cur.fetchall()


async def survey(conn: AsyncConnection[Any], survey_id: str) -> SurveyInfo | None:
    """A published survey, or None."""
    rows = await _rows(
        conn, f"SELECT * FROM {S}.satisfaction_survey WHERE survey_id = %s", survey_id
    )
    return SurveyInfo.of(rows[0]) if rows else None


async def surveys(
    conn: AsyncConnection[Any], series_id: str | None = None, status: str | None = None
) -> list[SurveyInfo]:
    """Published surveys, newest first; of one series and/or status (``OPEN``, ``CLOSED``)."""
    rows = await _rows(
        conn,
        f"SELECT * FROM {S}.satisfaction_survey WHERE (%s::text IS NULL OR series_id = %s) "
        "AND (%s::text IS NULL OR (closed_at IS NOT NULL) = (%s = 'CLOSED')) "
        "ORDER BY closes_on DESC, survey_id",
        series_id,
        series_id,
        status,
        status,
    )
    return [SurveyInfo.of(row) for row in rows]


async def previous_wave(conn: AsyncConnection[Any], current: SurveyInfo) -> SurveyInfo | None:
    """The closed survey of the same series that closed last before this one."""
    rows = await _rows(
        conn,
        f"SELECT * FROM {S}.satisfaction_survey WHERE series_id = %s AND closed_at IS NOT NULL "
        "AND closes_on < %s ORDER BY closes_on DESC, survey_id DESC LIMIT 1",
        current.series_id,
        current.closes_on,
    )
    return SurveyInfo.of(rows[0]) if rows else None


async def survey_results(conn: AsyncConnection[Any], survey_id: str) -> SurveyResults | None:
    """A survey's results as every reader gets them (see ``results.results_of``), or None."""
    info = await survey(conn, survey_id)
    if info is None:
        return None
    return await results_for(conn, info)


async def results_for(conn: AsyncConnection[Any], info: SurveyInfo) -> SurveyResults:
    if info.status != CLOSED:
        return SurveyResults(info)
    rows = await _rows(
        conn, f"SELECT * FROM {S}.satisfaction_sums WHERE survey_id = %s", info.survey_id
    )
    return results_of(info, rows, await invited(conn, info))


async def latest_results_of_site(conn: AsyncConnection[Any], site_id: str) -> SurveyResults | None:
    """The results of the latest closed survey that counted answers from ``site_id``, or None."""
    rows = await _rows(
        conn,
        f"SELECT s.* FROM {S}.satisfaction_survey AS s WHERE s.closed_at IS NOT NULL "
        f"AND EXISTS (SELECT 1 FROM {S}.satisfaction_sums AS u WHERE u.survey_id = s.survey_id "
        "AND u.kind = 'site' AND u.site_id = %s) ORDER BY s.closes_on DESC, s.survey_id DESC "
        "LIMIT 1",
        site_id,
    )
    return await results_for(conn, SurveyInfo.of(rows[0])) if rows else None


_INVITED = f"""
WITH placed AS (
    SELECT employee_id, site_id, team_id, since,
        lead(since) OVER (PARTITION BY employee_id ORDER BY since, position) AS until
    FROM {S}.satisfaction_roster
), invited AS (
    SELECT DISTINCT employee_id, site_id, team_id FROM placed
    WHERE site_id IS NOT NULL AND since <= %(closes_on)s
        AND (until IS NULL OR until > %(opens_on)s)
        AND ((cardinality(%(sites)s::text[]) = 0 AND cardinality(%(teams)s::text[]) = 0)
            OR site_id = ANY(%(sites)s::text[]) OR team_id = ANY(%(teams)s::text[]))
)
SELECT site_id, team_id, count(DISTINCT employee_id) AS invited,
    GROUPING(site_id) AS no_site, GROUPING(team_id) AS no_team
FROM invited GROUP BY GROUPING SETS ((), (site_id), (site_id, team_id))
"""


async def invited(conn: AsyncConnection[Any], info: SurveyInfo) -> dict[GroupKey, int]:
    """Per group, the people the survey asked: placed there on a day it was open."""
    rows = await _rows(
        conn,
        _INVITED,
        {
            "opens_on": info.opens_on,
            "closes_on": info.closes_on,
            "sites": list(info.sites),
            "teams": list(info.teams),
        },
    )
    return {_invited_group(row): row["invited"] for row in rows}


def _invited_group(row: dict[str, Any]) -> GroupKey:
    if row["no_site"]:
        return (COMPANY, "", "")
    if row["no_team"]:
        return (SITE, row["site_id"], "")
    return (TEAM, row["site_id"], row["team_id"])


async def comments(
    conn: AsyncConnection[Any], results: SurveyResults, group: GroupKey
) -> list[str]:
    """The free-text comments of a shown group, in no meaningful order; none for a withheld one."""
    shown = results.group(group)
    if shown is None or not shown.shown:
        return []
    kind, site_id, team_id = group
    rows = await _rows(
        conn,
        f"SELECT comment FROM {S}.satisfaction_response WHERE survey_id = %s "
        "AND comment IS NOT NULL AND (%s = 'company' OR site_id = %s) "
        "AND (%s <> 'team' OR team_id = %s) ORDER BY md5(response_id)",
        results.survey.survey_id,
        kind,
        site_id,
        kind,
        team_id,
    )
    return [row["comment"] for row in rows]


async def customer_satisfaction(
    conn: AsyncConnection[Any], first: Any, last: Any
) -> dict[str, SiteCustomerSatisfaction]:
    """Per site, customer satisfaction from ``first`` to ``last`` (the sites' local dates)."""
    rows = await _rows(
        conn,
        f"""SELECT site_id, avg(agent_mean)::float AS mean, count(*) AS agents
            FROM (SELECT site_id, agent_id, avg(score) AS agent_mean
                  FROM {S}.customer_satisfaction
                  WHERE day BETWEEN %s AND %s AND site_id IS NOT NULL
                  GROUP BY site_id, agent_id) AS per_agent
            GROUP BY site_id ORDER BY site_id""",
        first,
        last,
    )
    return {row["site_id"]: SiteCustomerSatisfaction(row["mean"], row["agents"]) for row in rows}


async def trend(conn: AsyncConnection[Any], series_id: str) -> list[TrendPoint]:
    """Every closed wave of a series, oldest first: the company and each site, as shown."""
    points: list[TrendPoint] = []
    for wave in reversed(await surveys(conn, series_id, CLOSED)):
        results = await results_for(conn, wave)
        customers = await customer_satisfaction(conn, wave.opens_on, wave.closes_on)
        points += trend_points(results, customers)
    return points


async def agents_customer_satisfaction(
    conn: AsyncConnection[Any], site_id: str, first: Any, last: Any
) -> list[dict[str, Any]]:
    """Each agent of a site with their mean customer satisfaction from ``first`` to ``last``."""
    return await _rows(
        conn,
        f"SELECT agent_id, avg(score)::float AS mean, count(*) AS days "
        f"FROM {S}.customer_satisfaction WHERE site_id = %s AND day BETWEEN %s AND %s "
        "GROUP BY agent_id ORDER BY agent_id",
        site_id,
        first,
        last,
    )


_RECOMPUTED = f"""
SELECT g.kind, g.site_id, g.team_id, i.role, i.question_id,
    count(*) AS n, sum(i.x) AS sum_x, sum(i.x * i.x) AS sum_xx, sum(i.x * i.y) AS sum_xy,
    ARRAY[{", ".join(f"count(*) FILTER (WHERE i.x = {v})" for v in range(HISTOGRAM_SIZE))}]
        AS counts
FROM {S}.satisfaction_response AS r
CROSS JOIN LATERAL (VALUES ('company', '', ''), ('site', r.site_id, ''),
    ('team', r.site_id, r.team_id)) AS g(kind, site_id, team_id)
CROSS JOIN LATERAL (
    SELECT 'overall' AS role, '' AS question_id, (r.answer->>'overall')::bigint AS x,
        (r.answer->>'overall')::bigint AS y
    UNION ALL SELECT 'enps', '', (r.answer->>'enps')::bigint, (r.answer->>'overall')::bigint
    UNION ALL SELECT 'driver', d.key, d.value::text::bigint, (r.answer->>'overall')::bigint
        FROM jsonb_each(r.answer->'drivers') AS d
) AS i
WHERE r.survey_id = %s
GROUP BY g.kind, g.site_id, g.team_id, i.role, i.question_id
"""


async def sums_and_recomputation(
    conn: AsyncConnection[Any], survey_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The running sums of a survey, and the same sums recomputed from its last answers.

    For checks (``make bench``, the suite): the two must be equal row for row.
    """
    kept = await _rows(
        conn,
        f"SELECT kind, site_id, team_id, role, question_id, n, sum_x, sum_xx, sum_xy, counts "
        f"FROM {S}.satisfaction_sums WHERE survey_id = %s AND n <> 0 "
        "ORDER BY kind, site_id, team_id, role, question_id",
        survey_id,
    )
    again = await _rows(
        conn, f"SELECT * FROM ({_RECOMPUTED}) AS r ORDER BY 1, 2, 3, 4, 5", survey_id
    )
    return kept, again
