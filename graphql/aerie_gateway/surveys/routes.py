"""The survey charts over HTTP: SVG, authenticated as GraphQL is, or by a signed link.

``GET /charts/surveys/{survey}/drivers.svg?groupBy=..&siteId=..&teamId=..&performance=..``
and ``GET /charts/surveys/trend/{series}.svg``: with a bearer token (checked
against the same rules as the GraphQL fields), or with the ``expires`` and
``sig`` of a link a GraphQL field gave out. They draw what the GraphQL
fields show, from the same reading: nothing of a withheld group.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aerie_projections.satisfaction.drivers import QUADRANT_ORDER
from aerie_projections.satisfaction.results import TrendPoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aerie_gateway import links
from aerie_gateway.domain import GatewayServices
from aerie_gateway.guard import RequestRefused, refusal
from aerie_gateway.permissions import Placement, Rule, require
from aerie_gateway.surveys import charts, reading
from aerie_gateway.surveys.rules import RESULTS, TRENDS
from graphql import GraphQLError

SVG_HEADERS = {
    "cache-control": "private, max-age=60",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    "x-content-type-options": "nosniff",
}
PERFORMANCE_LABELS = {
    "MEAN": "Performance (mean, % of scale)",
    "FAVOURABLE": "Performance (favourable share, %)",
    "DISSATISFACTION": "Performance (not dissatisfied, % of answers)",
}
WITHHELD = {
    "BELOW_THRESHOLD": "withheld: fewer respondents than the anonymity threshold",
    "COMPLEMENTARY": "withheld: with the groups shown, it would reveal a smaller group",
    "PARENT_WITHHELD": "withheld: the group it belongs to is withheld",
    "HOMOGENEOUS": "withheld: its answers to a question were too alike to show",
}


def svg(body: str) -> Response:
    return Response(body, media_type="image/svg+xml", headers=SVG_HEADERS)


async def admitted(
    request: Request, services: GatewayServices, rule: Rule, target: Placement | None
) -> Response | None:
    """None when the caller may see the chart; else the coded refusal to answer."""
    if "authorization" in request.headers:
        try:
            identity = await services.identify(request)
            require(identity, rule, request.url.path, target)
        except RequestRefused as refused:
            return refused.response()
        except GraphQLError as error:
            extensions = error.extensions or {}
            return refusal(403, "FORBIDDEN", error.message, str(extensions.get("needed", "")))
        return None
    reason = links.verified(services.link_key, request.url.path, dict(request.query_params))
    if reason:
        return refusal(
            401,
            "UNAUTHENTICATED",
            reason,
            "a bearer token, or a fresh link from the driverChart or surveyTrend.chart field",
        )
    return None


def routes(services: GatewayServices) -> list[BaseRoute]:
    def handler(draw: Callable[[Request, GatewayServices], Awaitable[Response]]) -> Any:
        async def endpoint(request: Request) -> Response:
            return await draw(request, services)

        return endpoint

    return [
        Route("/charts/surveys/trend/{series_id}.svg", handler(trend_chart)),
        Route("/charts/surveys/{survey_id}/drivers.svg", handler(drivers_chart)),
    ]


async def drivers_chart(request: Request, services: GatewayServices) -> Response:
    params = request.query_params
    kind = params.get("groupBy", "COMPANY")
    site_id, team_id = params.get("siteId") or None, params.get("teamId") or None
    measure = params.get("performance", "MEAN")
    if kind not in reading.KINDS or measure not in reading.MEASURES:
        return refusal(
            400, "INVALID_ARGUMENT", "groupBy or performance is not known", "see driverChart"
        )
    refused = await admitted(
        request, services, RESULTS, reading.placement_of(kind, site_id, team_id)
    )
    if refused is not None:
        return refused
    try:
        group = reading.group_of(kind, site_id, team_id)
    except GraphQLError as error:
        return refusal(400, "INVALID_ARGUMENT", error.message, "see driverChart")
    found = await reading.drivers(services.pool, request.path_params["survey_id"], group, measure)
    if found is None:
        return refusal(404, "NOT_FOUND", "no such survey", "the id of a published survey")
    return svg(_drivers_svg(found))


def _group_label(group: tuple[str, str, str]) -> str:
    kind, site_id, team_id = group
    return {"company": "the company", "site": f"site {site_id}"}.get(kind, f"team {team_id}")


def _drivers_svg(found: reading.Drivers) -> str:
    title = f"What drives satisfaction: {found.survey.title}"
    if found.analysis is None:
        shown = "the survey is still open" if found.survey.status != "CLOSED" else "withheld"
        return charts.withheld_svg(title, f"{_group_label(found.group)}: {shown}")
    versus = f", against {found.previous.survey_id}" if found.previous else ""
    subtitle = f"{found.survey.survey_id}, {_group_label(found.group)}{versus}"
    points = [
        charts.MatrixPoint(
            d.point.text, d.point.importance, d.point.performance, d.quadrant, d.rank
        )
        for d in found.analysis.drivers
        if d.point.importance is not None and d.quadrant in QUADRANT_ORDER
    ]
    label = PERFORMANCE_LABELS[found.measure]
    return charts.matrix_svg(
        title,
        subtitle,
        points,
        found.analysis.importance_cut,
        found.analysis.performance_cut,
        label,
    )


async def trend_chart(request: Request, services: GatewayServices) -> Response:
    refused = await admitted(request, services, TRENDS, None)
    if refused is not None:
        return refused
    series_id = request.path_params["series_id"]
    return svg(trend_svg(series_id, await reading.trend(services.pool, series_id)))


def trend_svg(series_id: str, points: list[TrendPoint]) -> str:
    """Overall satisfaction (% of its scale), eNPS and customer satisfaction, per site and wave."""
    waves = list(dict.fromkeys(p.survey.survey_id for p in points))
    places = list(dict.fromkeys(p.group for p in points))

    def line(place: tuple[str, str, str], value: Callable[[TrendPoint], float | None]) -> Any:
        by_wave = {p.survey.survey_id: value(p) for p in points if p.group == place}
        name = "company" if place[0] == "company" else place[1]
        return charts.Line(name, tuple(by_wave.get(w) for w in waves))

    def panel(
        title: str,
        value: Callable[[TrendPoint], float | None],
        bounds: tuple[float, float, float],
        unit: str = "",
    ) -> charts.Panel:
        lines = tuple(line(p, value) for p in places)
        low, high = charts.axis_range([v for ln in lines for v in ln.values], *bounds)
        return charts.Panel(title, low, high, lines, unit)

    panels = [
        panel("Overall satisfaction, % of its scale (gaps: withheld)", _percent, (0, 100, 5), "%"),
        panel("eNPS: promoters less detractors, points", _enps, (-100, 100, 10)),
        panel(
            "Customer satisfaction: agents' mean daily score (1-5, KPI facts)",
            _customers,
            (1, 5, 0.25),
        ),
    ]
    title = f"Satisfaction by wave: {series_id}"
    return charts.trend_svg(title, f"{len(waves)} closed waves", waves, panels)


def _percent(point: TrendPoint) -> float | None:
    return point.overall_percent


def _enps(point: TrendPoint) -> float | None:
    return point.enps


def _customers(point: TrendPoint) -> float | None:
    return point.customer_satisfaction
