"""Read queries: the unified view of one employee, a site's roster page by page,
a site in numbers, and who the caller is."""

from __future__ import annotations

from typing import Any

import strawberry
from aerie_projections.profile import queries as profile
from aerie_projections.satisfaction import queries as satisfaction
from aerie_projections.satisfaction.results import GroupResult
from aerie_projections.satisfaction.statistics import OVERALL
from strawberry.types import Info

from aerie_gateway.employees.types import (
    Employee,
    EmployeeConnection,
    EmployeeEdge,
    Me,
    PageInfo,
    SiteSummary,
    StarCount,
    TeamSummary,
    profile_rows,
)
from aerie_gateway.paging import MAX_PAGE_SIZE, decode_cursor, encode_cursor, page_size
from aerie_gateway.permissions import Allowed, Placement, target, the_caller


@strawberry.type
class EmployeeQueries:
    @strawberry.field(permission_classes=[Allowed], description="Who your bearer token says.")
    def me(self, info: Info) -> Me:
        i = info.context.identity
        return Me(
            subject=i.subject,
            role=i.role,
            site=i.site,
            team=i.team,
            department=i.department,
            client=i.client,
        )

    @strawberry.field(
        permission_classes=[Allowed],
        description="One employee's unified view, or null if no such employee is known.",
    )
    async def employee(self, info: Info, id: strawberry.ID) -> Employee | None:
        row = await info.context.loaders.of(profile_rows).load(str(id))
        return Employee.from_row(row) if row else None

    @strawberry.field(
        permission_classes=[Allowed],
        description=(
            f"A site's employees ordered by id, or one team's; at most {MAX_PAGE_SIZE} a page. "
            "A team lead names their team."
        ),
    )
    async def employees(
        self,
        info: Info,
        site_id: strawberry.ID,
        first: int = 20,
        after: str | None = None,
        team_id: strawberry.ID | None = None,
    ) -> EmployeeConnection:
        first = page_size(first)
        start = decode_cursor(after) if after else ""
        team = str(team_id) if team_id is not None else None
        async with info.context.pool.connection() as conn:
            rows = await profile.employees_of_site(conn, str(site_id), start, first + 1, team)
        page = rows[:first]
        edges = [
            EmployeeEdge(
                cursor=encode_cursor("employee", r["employee_id"]), node=Employee.from_row(r)
            )
            for r in page
        ]
        return EmployeeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(
        permission_classes=[Allowed],
        description="A site in numbers: head count by star and by team, behind the anonymity "
        "threshold.",
    )
    async def site_summary(self, info: Info, site_id: strawberry.ID) -> SiteSummary:
        async with info.context.pool.connection() as conn:
            figures = await profile.site_summary(conn, str(site_id))
            survey = await satisfaction.latest_results_of_site(conn, str(site_id))
        threshold = info.context.anonymity_threshold
        answered = (
            {g.group[2]: g for g in survey.of_kind("team") if g.group[1] == str(site_id)}
            if survey
            else {}
        )
        teams = [team_summary(t, threshold, answered.get(t["team_id"])) for t in figures["teams"]]
        return SiteSummary(
            site_id=str(site_id),
            headcount=sum(t.headcount for t in teams),
            by_star=[
                StarCount(star_level=r["star_level"], headcount=r["headcount"])
                for r in figures["by_star"]
            ],
            teams=teams,
            anonymity_threshold=threshold,
            survey_id=survey.survey.survey_id if survey else None,
            survey_anonymity_threshold=survey.survey.threshold if survey else None,
        )


def team_summary(row: dict[str, Any], threshold: int, survey: GroupResult | None) -> TeamSummary:
    """A team's figures; each average only when enough people stand behind it.

    Survey figures are the team's group in the site's latest closed survey, as
    that survey shows it (null when withheld: below its threshold, or because
    it would reveal a smaller group).
    """
    overall = survey.item(OVERALL) if survey is not None and survey.shown else None
    return TeamSummary(
        team_id=row["team_id"],
        headcount=row["headcount"],
        average_star=round(row["average_star"], 2) if row["headcount"] >= threshold else None,
        survey_answers=survey.responses if overall is not None and survey else None,
        average_survey=round(overall.statistics.mean, 2)
        if overall is not None and overall.statistics.mean is not None
        else None,
    )


target("Query.me")(the_caller)


@target("Query.employee")
async def _employee_named(_source: Any, info: Info, arguments: dict[str, Any]) -> Placement | None:
    row = await info.context.loaders.of(profile_rows).load(str(arguments["id"]))
    if row is None:
        return None
    return Placement(row["employee_id"], row["site_id"], row["team_id"])


@target("Query.employees")
def _roster_asked(_source: Any, _info: Info, arguments: dict[str, Any]) -> Placement:
    team = arguments.get("team_id")
    return Placement(None, str(arguments["site_id"]), str(team) if team is not None else None)


@target("Query.siteSummary")
def _site_asked(_source: Any, _info: Info, arguments: dict[str, Any]) -> Placement:
    return Placement(None, str(arguments["site_id"]))
