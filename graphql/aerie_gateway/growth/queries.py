"""Read fields of the growth paths: each answers one question in one request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from aerie_events.rules.growth.kpi import better_first
from aerie_projections.growth import queries as growth
from strawberry.types import Info

from aerie_gateway.errors import bad_argument
from aerie_gateway.growth.overview import SiteOverview, overview_from
from aerie_gateway.growth.regrouping import RegroupingProposal, proposal_from
from aerie_gateway.growth.statement import AnnualStatement, annual_statement, signed_path
from aerie_gateway.growth.types import (
    BoardMetric,
    Energy,
    GrowthPath,
    Leaderboard,
    LeaderboardEntry,
    Readiness,
    energy_day,
    energy_decision,
    growth_path_of,
    growth_rows,
    placement_of,
    readiness_of,
    site_date,
)
from aerie_gateway.paging import page_size
from aerie_gateway.permissions import Allowed, Placement, target

LONGEST_PERIOD_DAYS = 400


def period(
    start: dt.date | None, end: dt.date | None, today: dt.date, default_days: int
) -> tuple[dt.date, dt.date]:
    end = end or today
    start = start or end - dt.timedelta(days=default_days - 1)
    if start > end:
        raise bad_argument("from", f"{start} is after {end}", "a day up to `to`")
    if (end - start).days + 1 > LONGEST_PERIOD_DAYS:
        raise bad_argument(
            "from",
            f"{(end - start).days + 1} days",
            f"a period of at most {LONGEST_PERIOD_DAYS} days",
        )
    return start, end


@strawberry.type
class GrowthQueries:
    @strawberry.field(
        permission_classes=[Allowed],
        description="An employee's growth path: stage, star, track, history and progress to the next step.",
    )
    async def growth_path(
        self, info: Info, employee_id: strawberry.ID, as_of: dt.date | None = None
    ) -> GrowthPath | None:
        return await growth_path_of(info, str(employee_id), as_of)

    @strawberry.field(
        permission_classes=[Allowed],
        description="Whether an employee is ready for calls (on the site's date, or asOf), and why not.",
    )
    async def readiness(
        self, info: Info, employee_id: strawberry.ID, as_of: dt.date | None = None
    ) -> Readiness | None:
        return await readiness_of(info, str(employee_id), as_of)

    @strawberry.field(
        permission_classes=[Allowed],
        description="An employee's energy value day by day (the last 28 days unless from/to), and its decisions.",
    )
    async def energy(
        self,
        info: Info,
        employee_id: strawberry.ID,
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
        to: dt.date | None = None,
    ) -> Energy | None:
        agent = await info.context.loaders.of(growth_rows).load(str(employee_id))
        if agent is None:
            return None
        async with info.context.pool.connection() as conn:
            start, end = period(from_, to, await site_date(conn, agent["site_id"]), 28)
            days = await growth.energy_days(conn, str(employee_id), start, end)
            decisions = await growth.energy_decisions(conn, str(employee_id), start, end)
        values = [Decimal(d["energy"]) for d in days]
        return Energy(
            employee_id=employee_id,
            start=start,
            end=end,
            average=(sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
            if values
            else None,
            latest=energy_day(days[-1]) if days else None,
            days=[energy_day(d) for d in days],
            decisions=[energy_decision(d) for d in decisions],
        )

    @strawberry.field(
        permission_classes=[Allowed],
        description="The day's board of a site or one of its teams for a metric: ranks with ties "
        "shared. Without `day`, the site's latest day with KPI facts up to its today.",
    )
    async def leaderboard(
        self,
        info: Info,
        site_id: strawberry.ID,
        metric: BoardMetric,
        team_id: strawberry.ID | None = None,
        day: dt.date | None = None,
        first: int = 20,
    ) -> Leaderboard:
        name = metric.value
        limit = page_size(first)
        team = str(team_id) if team_id is not None else None
        async with info.context.pool.connection() as conn:
            if day is None:
                day = await growth.latest_board_day(
                    conn, str(site_id), await site_date(conn, str(site_id))
                )
            rows = (
                []
                if day is None
                else await growth.board(
                    conn, site_id=str(site_id), team_id=team, metric=name, day=day, limit=limit
                )
            )
        return Leaderboard(
            site_id=site_id,
            team_id=team_id,
            metric=metric,
            day=day,
            higher_is_better=better_first(name),
            entries=[
                LeaderboardEntry(
                    rank=r["rank"],
                    employee_id=strawberry.ID(r["employee_id"]),
                    display_name=r["display_name"],
                    team_id=r["team_id"],
                    value=r["value"],
                )
                for r in rows
            ],
        )

    @strawberry.field(
        permission_classes=[Allowed],
        description="An employee's year (the energy bill), regenerated from events, with a printable link.",
    )
    async def annual_statement(
        self, info: Info, employee_id: strawberry.ID, year: int
    ) -> AnnualStatement | None:
        if not 2000 <= year <= 2100:
            raise bad_argument("year", f"{year} is out of range", "2000 to 2100")
        statement = await annual_statement(info.context.pool, str(employee_id), year)
        if statement is not None:
            statement.printable_path = signed_path(info.context.link_key, str(employee_id), year)
        return statement

    @strawberry.field(
        permission_classes=[Allowed],
        description="Per site and team: head count by stage and star, ready for calls, promotions, "
        "demotions and graduations from/to (the last 28 days), and average energy. Every site "
        "without siteId. Averages need the anonymity threshold's number of people.",
    )
    async def site_overview(
        self,
        info: Info,
        site_id: strawberry.ID | None = None,
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
        to: dt.date | None = None,
    ) -> list[SiteOverview]:
        async with info.context.pool.connection() as conn:
            today = await site_date(conn, str(site_id) if site_id else None)
            start, end = period(from_, to, today, 28)
            rows = await growth.site_overview(
                conn, [str(site_id)] if site_id else None, start, end, today
            )
        return overview_from(rows, start, end, today, info.context.anonymity_threshold)

    @strawberry.field(permission_classes=[Allowed], description="A regrouping proposal, or null.")
    async def regrouping_proposal(self, info: Info, id: strawberry.ID) -> RegroupingProposal | None:
        async with info.context.pool.connection() as conn:
            row = await growth.regrouping(conn, str(id))
        return proposal_from(row) if row else None


@target("Query.growthPath")
@target("Query.readiness")
@target("Query.energy")
@target("Query.annualStatement")
async def _employee_asked(_source: Any, info: Info, arguments: dict[str, Any]) -> Placement | None:
    return await placement_of(info, str(arguments["employee_id"]))


@target("Query.leaderboard")
def _board_asked(_source: Any, _info: Info, arguments: dict[str, Any]) -> Placement:
    team = arguments.get("team_id")
    return Placement(None, str(arguments["site_id"]), str(team) if team is not None else None)


@target("Query.siteOverview")
def _sites_asked(_source: Any, _info: Info, arguments: dict[str, Any]) -> Placement | None:
    site = arguments.get("site_id")
    return Placement(None, str(site)) if site is not None else None


@target("Query.regroupingProposal")
async def _proposal_asked(_source: Any, info: Info, arguments: dict[str, Any]) -> Placement | None:
    async with info.context.pool.connection() as conn:
        row = await growth.regrouping(conn, str(arguments["id"]))
    return Placement(None, row["site_id"]) if row else None
