"""Survey queries: the surveys, one survey, and a series' trend."""

from __future__ import annotations

import strawberry
from aerie_projections.satisfaction import queries as satisfaction
from strawberry.types import Info

from aerie_gateway import links
from aerie_gateway.permissions import Allowed
from aerie_gateway.surveys import reading
from aerie_gateway.surveys.types import (
    ChartLink,
    Survey,
    SurveyStatus,
    SurveyTrend,
    TrendPointView,
)


@strawberry.type
class SurveyQueries:
    @strawberry.field(
        permission_classes=[Allowed],
        description="Published surveys, newest first; of one series and/or status.",
    )
    async def surveys(
        self, info: Info, series_id: str | None = None, status: SurveyStatus | None = None
    ) -> list[Survey]:
        async with info.context.pool.connection() as conn:
            found = await satisfaction.surveys(conn, series_id, status.value if status else None)
        return [Survey.of(s) for s in found]

    @strawberry.field(permission_classes=[Allowed], description="One survey, or null.")
    async def survey(self, info: Info, id: strawberry.ID) -> Survey | None:
        async with info.context.pool.connection() as conn:
            found = await satisfaction.survey(conn, str(id))
        return Survey.of(found) if found else None

    @strawberry.field(
        permission_classes=[Allowed],
        description="Employee satisfaction of the company and each site per closed wave of a "
        "series, beside customer satisfaction from the agents' KPI facts.",
    )
    async def survey_trend(self, info: Info, series_id: str) -> SurveyTrend:
        points = await reading.trend(info.context.pool, series_id)
        link = links.signed(info.context.link_key, f"/charts/surveys/trend/{series_id}.svg", {})
        return SurveyTrend(
            series_id=series_id,
            points=[TrendPointView.of(p) for p in points],
            chart=ChartLink(url=link.url, expires_at=link.expires_at),
        )
