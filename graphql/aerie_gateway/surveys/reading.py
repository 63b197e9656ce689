"""What the surveys' fields, routes and charts read: results, drivers and trends, as shown.

Everything goes through the satisfaction projection's ``results_of`` rules
(closed surveys only, groups behind the threshold and complementary
withholding), the same for every caller and every role; this module only
chooses which of the shown groups an answer covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aerie_projections.satisfaction import queries as satisfaction
from aerie_projections.satisfaction.drivers import DriverAnalysis
from aerie_projections.satisfaction.results import (
    DISSATISFACTION,
    FAVOURABLE,
    MEAN,
    GroupResult,
    SurveyInfo,
    SurveyResults,
    TrendPoint,
    drivers_of,
)
from aerie_projections.satisfaction.statistics import COMPANY, SITE, TEAM, GroupKey
from psycopg_pool import AsyncConnectionPool

from aerie_gateway.errors import bad_argument
from aerie_gateway.permissions import Placement

KINDS = {"COMPANY": COMPANY, "SITE": SITE, "TEAM": TEAM}
MEASURES = {"MEAN": MEAN, "FAVOURABLE": FAVOURABLE, "DISSATISFACTION": DISSATISFACTION}


def group_of(kind: str, site_id: str | None, team_id: str | None) -> GroupKey:
    """One group named by the caller; ``INVALID_ARGUMENT`` when the names do not fit its kind."""
    if kind == "COMPANY":
        if site_id or team_id:
            raise bad_argument("siteId", "is not taken for the company", "no siteId nor teamId")
        return (COMPANY, "", "")
    if not site_id:
        raise bad_argument("siteId", "is missing", f"a site id for a {kind.lower()} group")
    if kind == "SITE":
        if team_id:
            raise bad_argument("teamId", "is not taken for a site", "no teamId")
        return (SITE, site_id, "")
    if not team_id:
        raise bad_argument("teamId", "is missing", "a team id for a team group")
    return (TEAM, site_id, team_id)


def placement_of(kind: str, site_id: str | None, team_id: str | None) -> Placement | None:
    """Where a group sits, for the permission check (None: the company, or every site)."""
    if kind == "COMPANY" or not site_id:
        return None
    return Placement(None, site_id, team_id if kind == "TEAM" else None)


async def results_by_id(
    pool: AsyncConnectionPool, survey_ids: list[str]
) -> list[SurveyResults | None]:
    """Each survey's results as shown (a dataloader batch: once per survey and request)."""
    async with pool.connection() as conn:
        return [await satisfaction.survey_results(conn, survey_id) for survey_id in survey_ids]


async def previous_by_id(pool: AsyncConnectionPool, survey_ids: list[str]) -> list[Any]:
    """Each survey's previous wave's results as shown, or None (a dataloader batch)."""
    found: list[SurveyResults | None] = []
    async with pool.connection() as conn:
        for survey_id in survey_ids:
            current = await satisfaction.survey(conn, survey_id)
            earlier = await satisfaction.previous_wave(conn, current) if current else None
            found.append(await satisfaction.results_for(conn, earlier) if earlier else None)
    return found


def groups_shown(
    results: SurveyResults, kind: str, site_id: str | None = None
) -> list[GroupResult]:
    """The groups of one kind (within one site, if named), withheld ones with their reason."""
    return [
        g
        for g in results.of_kind(KINDS[kind])
        if site_id is None or g.group[0] == COMPANY or g.group[1] == site_id
    ]


@dataclass(frozen=True)
class Drivers:
    """A group's driver analysis (None when withheld or not closed), and what it compared with."""

    survey: SurveyInfo
    group: GroupKey
    measure: str
    analysis: DriverAnalysis | None
    previous: SurveyInfo | None


def drivers_in(
    current: SurveyResults, previous: SurveyResults | None, group: GroupKey, measure: str
) -> Drivers:
    shown = current.group(group)
    earlier = previous.group(group) if previous is not None else None
    analysis = drivers_of(shown, earlier, MEASURES[measure]) if shown is not None else None
    return Drivers(
        current.survey,
        group,
        measure,
        analysis,
        previous.survey if previous is not None and earlier is not None else None,
    )


async def drivers(pool: AsyncConnectionPool, survey_id: str, group: GroupKey, measure: str) -> Any:
    """The driver analysis of one group of a survey, or None for an unknown survey."""
    current = (await results_by_id(pool, [survey_id]))[0]
    if current is None:
        return None
    previous = (await previous_by_id(pool, [survey_id]))[0]
    return drivers_in(current, previous, group, measure)


async def comments(pool: AsyncConnectionPool, results: SurveyResults, group: GroupKey) -> list[str]:
    """The comments of one group of a survey: none unless its results show the group."""
    async with pool.connection() as conn:
        return await satisfaction.comments(conn, results, group)


async def trend(pool: AsyncConnectionPool, series_id: str) -> list[TrendPoint]:
    async with pool.connection() as conn:
        return await satisfaction.trend(conn, series_id)
