"""The annual statement (the "energy bill"): an employee's year, regenerated from events.

Served as GraphQL and as a printable HTML page. The page answers a bearer
token with the statement's permission, or a short-lived signed link that the
GraphQL field ``printableUrl`` hands out to whoever may read the statement.
"""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from typing import Any

import strawberry
from aerie_events.catalog.voice import ISSUE_RESOLVED, SUGGESTION_ADOPTED
from aerie_projections.growth import queries as growth
from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from aerie_gateway import links
from aerie_gateway.domain import GatewayServices
from aerie_gateway.growth.types import PathChange
from aerie_gateway.guard import RequestRefused
from aerie_gateway.permissions import COMPANY, SELF, SITE, TEAM, Placement, grants, reaches

STATEMENT = grants(agent=SELF, team_lead=TEAM, site_manager=SITE, hr=COMPANY)
"""Who may read an employee's annual statement (GraphQL and the page)."""
PAGE_PATH = "/growth/statements/{employee_id}/{year}"


@strawberry.type(description="A course the employee passed, failed or was assigned in the year.")
class StatementCourse:
    course_id: str
    course_title: str | None
    outcome: str
    score: int | None
    day: dt.date
    retake: bool


@strawberry.type(description="A month's mean energy value.")
class MonthEnergy:
    month: int
    energy: Decimal
    days: int


@strawberry.type(description="How often the employee topped their team's daily board for a metric.")
class BoardHighlight:
    metric: str
    days: int = strawberry.field(description="Days with a board for the employee's team.")
    first: int = strawberry.field(description="Days ranked first.")
    top_three: int = strawberry.field(description="Days ranked first to third.")


@strawberry.type(description="An employee's year: the energy bill.")
class AnnualStatement:
    employee_id: strawberry.ID
    display_name: str | None
    year: int
    stage: str
    star: int
    stars_gained: int
    stars_lost: int
    graduated: bool = strawberry.field(description="Whether they graduated from chick this year.")
    trainings_passed: int
    trainings_failed: int
    courses: list[StatementCourse]
    energy_by_month: list[MonthEnergy]
    energy_trend: str = strawberry.field(
        description="rising, falling, steady, or none (too few months)."
    )
    rewards: int
    reward_total: Decimal
    offpost_trainings: int
    issues_raised: int
    issues_resolved: int | None = strawberry.field(
        description="Null while the platform records no issue.resolved event."
    )
    coupons_granted: int
    coupon_total: Decimal
    suggestions_adopted: int | None
    highlights: list[BoardHighlight]
    changes: list[PathChange]
    printable_path: strawberry.Private[str] = ""

    @strawberry.field(
        description=f"A link to the printable page, valid {links.LINK_SECONDS // 60} minutes."
    )
    def printable_url(self) -> str:
        return self.printable_path


def trend(months: list[dict[str, Any]]) -> str:
    if len(months) < 2:
        return "none"
    change = Decimal(months[-1]["energy"]) - Decimal(months[0]["energy"])
    return "rising" if change >= 3 else "falling" if change <= -3 else "steady"


def statement_from(
    agent: dict[str, Any], year: int, data: dict[str, Any], tracked: set[str]
) -> AnnualStatement:
    from aerie_events.rules.growth.ladder import stage_of

    changes = data["changes"]
    counts = data["counts"]

    def count(metric: str) -> int:
        return counts[metric]["count"] if metric in counts else 0

    rewards = [d for d in data["decisions"] if d["kind"] == "reward"]
    return AnnualStatement(
        employee_id=strawberry.ID(agent["employee_id"]),
        display_name=agent["display_name"],
        year=year,
        stage=str(stage_of(agent["track"], agent["star"], agent["graduated"])),
        star=agent["star"],
        stars_gained=sum(1 for c in changes if c["kind"] == "promoted"),
        stars_lost=sum(1 for c in changes if c["kind"] == "demoted"),
        graduated=any(c["kind"] == "graduated" for c in changes),
        trainings_passed=sum(1 for t in data["trainings"] if t["outcome"] == "passed"),
        trainings_failed=sum(1 for t in data["trainings"] if t["outcome"] == "failed"),
        courses=[StatementCourse(**t) for t in data["trainings"]],
        energy_by_month=[MonthEnergy(**m) for m in data["energy_by_month"]],
        energy_trend=trend(data["energy_by_month"]),
        rewards=len(rewards),
        reward_total=sum((Decimal(r["reward_amount"]) for r in rewards), Decimal("0.00")),
        offpost_trainings=sum(1 for d in data["decisions"] if d["kind"] == "offpost_training"),
        issues_raised=count("issues_raised"),
        issues_resolved=count("issues_resolved") if ISSUE_RESOLVED in tracked else None,
        coupons_granted=count("coupons_granted"),
        coupon_total=counts["coupons_granted"]["amount"]
        if "coupons_granted" in counts
        else Decimal("0.00"),
        suggestions_adopted=count("suggestions_adopted") if SUGGESTION_ADOPTED in tracked else None,
        highlights=[BoardHighlight(**h) for h in data["highlights"]],
        changes=[PathChange.from_row({**c, "criteria": None}) for c in changes],
    )


async def annual_statement(
    pool: AsyncConnectionPool, employee_id: str, year: int
) -> AnnualStatement | None:
    from aerie_projections.growth.views import GrowthProjection

    async with pool.connection() as conn:
        agent = (await growth.agents(conn, [employee_id])).get(employee_id)
        if agent is None:
            return None
        data = await growth.year_of(conn, employee_id, year)
    return statement_from(agent, year, data, set(GrowthProjection.handles))


# the signed link


def signed_path(key: bytes, employee_id: str, year: int) -> str:
    """The page's path with a signed link, good for ``LINK_SECONDS``."""
    return links.signed(key, PAGE_PATH.format(employee_id=employee_id, year=year), {}).url


# the printable page


def _cell(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def render(statement: AnnualStatement) -> str:
    """The statement as a printable HTML page (every value escaped)."""
    s = statement
    months = "".join(
        f"<tr><td>{m.month:02d}</td><td>{_cell(m.energy)}</td><td>{m.days}</td></tr>"
        for m in s.energy_by_month
    )
    courses = "".join(
        f"<tr><td>{_cell(c.day)}</td><td>{_cell(c.course_title or c.course_id)}</td>"
        f"<td>{_cell(c.outcome)}{' (retake)' if c.retake else ''}</td><td>{_cell(c.score)}</td></tr>"
        for c in s.courses
    )
    changes = "".join(
        f"<tr><td>{_cell(c.occurred_on)}</td><td>{_cell(c.kind.replace('_', ' '))}</td>"
        f"<td>{_cell(c.before)} &rarr; {_cell(c.after)}</td><td>{_cell(c.reason)}</td></tr>"
        for c in s.changes
    )
    highlights = "".join(
        f"<tr><td>{_cell(h.metric.replace('_', ' '))}</td><td>{h.first}</td><td>{h.top_three}</td>"
        f"<td>{h.days}</td></tr>"
        for h in s.highlights
    )
    resolved = "not recorded yet" if s.issues_resolved is None else s.issues_resolved
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Energy bill {s.year}: {_cell(s.display_name or s.employee_id)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
h1 {{ margin-bottom: 0; }} .sub {{ color: #666; margin-top: 0.2em; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
td, th {{ border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }}
.figures td:first-child {{ font-weight: bold; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>Energy bill {s.year}</h1>
<p class="sub">{_cell(s.display_name)} ({_cell(s.employee_id)}): {_cell(s.stage)} eagle, {s.star} star{"s" if s.star != 1 else ""}</p>
<table class="figures" id="figures">
<tr><td>Stars gained</td><td>{s.stars_gained}</td></tr>
<tr><td>Stars lost</td><td>{s.stars_lost}</td></tr>
<tr><td>Trainings passed</td><td>{s.trainings_passed}</td></tr>
<tr><td>Trainings failed</td><td>{s.trainings_failed}</td></tr>
<tr><td>Energy trend</td><td>{_cell(s.energy_trend)}</td></tr>
<tr><td>Rewards</td><td>{s.rewards} ({_cell(s.reward_total)} CNY)</td></tr>
<tr><td>Off-post trainings</td><td>{s.offpost_trainings}</td></tr>
<tr><td>Issues raised</td><td>{s.issues_raised}</td></tr>
<tr><td>Issues resolved</td><td>{_cell(resolved)}</td></tr>
<tr><td>Coupons granted</td><td>{s.coupons_granted} ({_cell(s.coupon_total)} CNY)</td></tr>
</table>
<h2>Energy by month</h2>
<table id="energy"><tr><th>Month</th><th>Energy</th><th>Days</th></tr>{months}</table>
<h2>Board highlights (team board)</h2>
<table id="highlights"><tr><th>Metric</th><th>Days first</th><th>Days in the top three</th><th>Days on the board</th></tr>{highlights}</table>
<h2>Learning</h2>
<table id="courses"><tr><th>Day</th><th>Course</th><th>Outcome</th><th>Score</th></tr>{courses}</table>
<h2>The year on the ladder</h2>
<table id="changes"><tr><th>Day</th><th>Change</th><th>From &rarr; to</th><th>Why</th></tr>{changes}</table>
</body></html>
"""


def statement_routes(services: GatewayServices) -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        employee_id = request.path_params["employee_id"]
        try:
            year = int(request.path_params["year"])
        except ValueError:
            return JSONResponse(
                {"code": "INVALID_ARGUMENT", "message": "year: not a whole number"}, 400
            )
        if links.verified(services.link_key, request.url.path, dict(request.query_params)):
            try:
                identity = await services.identify(request)
            except RequestRefused as refused:
                return refused.response()
            async with services.pool.connection() as conn:
                agent = (await growth.agents(conn, [employee_id])).get(employee_id)
            scope = STATEMENT.scope_of(identity.role)
            target = Placement(employee_id, agent["site_id"], agent["team_id"]) if agent else None
            if scope is None or not reaches(identity, scope, target):
                message = {
                    "code": "FORBIDDEN",
                    "message": "this statement is outside what your token reaches",
                }
                return JSONResponse(message, 403)
        statement = await annual_statement(services.pool, employee_id, year)
        if statement is None:
            return JSONResponse(
                {"code": "NOT_FOUND", "message": f"no employee {employee_id!r}"}, 404
            )
        return HTMLResponse(render(statement))

    return [Route(PAGE_PATH, page, methods=["GET"])]
