"""GraphQL types of surveys: definitions, results by group, drivers, trends, chart links.

Figures come only from ``reading`` (closed surveys, shown groups): a withheld
group has its name and the reason, and no figure, whoever asks.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from aerie_projections.satisfaction.drivers import RankedDriver
from aerie_projections.satisfaction.results import (
    GroupResult,
    ItemResult,
    SurveyInfo,
    SurveyResults,
    TrendPoint,
)
from strawberry.types import Info

from aerie_gateway import links
from aerie_gateway.permissions import Allowed, Placement, target
from aerie_gateway.surveys import reading


@strawberry.enum(description="Whether a survey still takes answers; results show once CLOSED.")
class SurveyStatus(Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


@strawberry.enum(description="The groups results are shown for: no others, no filters.")
class SurveyGroupKind(Enum):
    COMPANY = "COMPANY"
    SITE = "SITE"
    TEAM = "TEAM"


@strawberry.enum(
    description="How a driver's performance is read: its mean, its favourable share, or the "
    "share of its answers that are not unfavourable (DISSATISFACTION: the priority is then "
    "importance times the dissatisfaction rate)."
)
class PerformanceMeasure(Enum):
    MEAN = "MEAN"
    FAVOURABLE = "FAVOURABLE"
    DISSATISFACTION = "DISSATISFACTION"


@strawberry.enum(description="Why a group's figures are withheld.")
class Withheld(Enum):
    BELOW_THRESHOLD = "BELOW_THRESHOLD"
    COMPLEMENTARY = "COMPLEMENTARY"
    PARENT_WITHHELD = "PARENT_WITHHELD"
    HOMOGENEOUS = "HOMOGENEOUS"


@strawberry.enum(description="The importance / performance matrix's quadrants.")
class DriverQuadrant(Enum):
    CONCENTRATE_HERE = "CONCENTRATE_HERE"
    KEEP_UP_THE_GOOD_WORK = "KEEP_UP_THE_GOOD_WORK"
    LOW_PRIORITY = "LOW_PRIORITY"
    POSSIBLE_OVERKILL = "POSSIBLE_OVERKILL"


@strawberry.type(description="A scale question of a survey.")
class SurveyQuestion:
    id: str
    text: str
    scale: str = strawberry.field(description="1-5 or 0-10.")
    role: str = strawberry.field(description="overall, enps or driver.")


@strawberry.type(description="A link to a chart, good for a few minutes; open it in a browser.")
class ChartLink:
    url: str = strawberry.field(description="Path on this gateway, signed; no token needed.")
    expires_at: dt.datetime


@strawberry.type(description="One question's figures in one shown group.")
class ItemFigures:
    question_id: str
    role: str
    text: str
    scale: str
    responses: int
    mean: float | None
    favourable: float | None = strawberry.field(description="Share 0..1 of favourable answers.")
    unfavourable: float | None = strawberry.field(description="Share 0..1 of unfavourable answers.")
    correlation: float | None = strawberry.field(
        description="Pearson r with overall satisfaction (null when either does not vary)."
    )
    enps: float | None = strawberry.field(description="eNPS, -100..100 (the eNPS item only).")

    @classmethod
    def of(cls, item: ItemResult) -> ItemFigures:
        q, s = item.question, item.statistics
        return cls(
            question_id=q.question_id,
            role=q.role,
            text=q.text,
            scale=q.scale.name,
            responses=s.responses,
            mean=s.mean,
            favourable=s.favourable,
            unfavourable=s.unfavourable,
            correlation=s.correlation,
            enps=s.enps,
        )


@strawberry.type(description="A group of a closed survey: its figures, or why they are withheld.")
class GroupFigures:
    kind: SurveyGroupKind
    site_id: str | None
    team_id: str | None
    shown: bool
    withheld: Withheld | None
    invited: int | None = strawberry.field(
        description="People placed in the group on a day the survey was open."
    )
    responses: int | None = strawberry.field(description="Null when withheld.")
    response_rate: float | None = strawberry.field(description="0..1; null when withheld.")
    items: list[ItemFigures] = strawberry.field(description="Empty when withheld.")

    @classmethod
    def of(cls, group: GroupResult) -> GroupFigures:
        kind, site_id, team_id = group.group
        return cls(
            kind=SurveyGroupKind(kind.upper()),
            site_id=site_id or None,
            team_id=team_id or None,
            shown=group.shown,
            withheld=Withheld(group.withheld) if group.withheld else None,
            invited=group.invited,
            responses=group.responses,
            response_rate=group.response_rate,
            items=[ItemFigures.of(i) for i in group.items],
        )


@strawberry.type(description="A survey's results: none until it closes, then every group asked.")
class SurveyResultsView:
    survey_id: str
    status: SurveyStatus
    anonymity_threshold: int
    policy_version: str | None = strawberry.field(
        description="The anonymity policy the survey was published under: it decides what shows."
    )
    scales_version: str = strawberry.field(
        description="The scales' bands (favourable, unfavourable, eNPS) the survey was published "
        "under: its figures read them."
    )
    groups: list[GroupFigures]


@strawberry.type(description="A driver in the importance / performance matrix, ranked.")
class DriverRank:
    question_id: str
    text: str
    importance: float | None = strawberry.field(description="Correlation with overall, -1..1.")
    performance: float = strawberry.field(description="0..100.")
    quadrant: DriverQuadrant
    priority: float = strawberry.field(description="Importance times shortfall: fix first.")
    rank: int
    previous_importance: float | None
    previous_performance: float | None
    previous_rank: int | None
    previous_quadrant: DriverQuadrant | None

    @classmethod
    def of(cls, ranked: RankedDriver) -> DriverRank:
        before = ranked.previous
        return cls(
            question_id=ranked.point.question_id,
            text=ranked.point.text,
            importance=ranked.point.importance,
            performance=ranked.point.performance,
            quadrant=DriverQuadrant(ranked.quadrant),
            priority=ranked.priority,
            rank=ranked.rank,
            previous_importance=before.importance if before else None,
            previous_performance=before.performance if before else None,
            previous_rank=ranked.previous_rank,
            previous_quadrant=DriverQuadrant(ranked.previous_quadrant)
            if ranked.previous_quadrant
            else None,
        )


@strawberry.type(description="What to fix first in one group, against the previous wave.")
class DriverAnalysisView:
    survey_id: str
    kind: SurveyGroupKind
    site_id: str | None
    team_id: str | None
    performance_measure: PerformanceMeasure
    shown: bool = strawberry.field(description="False while open, or for a withheld group.")
    importance_cut: float | None
    performance_cut: float | None
    previous_survey_id: str | None
    version: str = strawberry.field(description="The analysis' rules.")
    drivers: list[DriverRank]

    @classmethod
    def of(cls, found: reading.Drivers) -> DriverAnalysisView:
        kind, site_id, team_id = found.group
        analysis = found.analysis
        return cls(
            survey_id=found.survey.survey_id,
            kind=SurveyGroupKind(kind.upper()),
            site_id=site_id or None,
            team_id=team_id or None,
            performance_measure=PerformanceMeasure(found.measure),
            shown=analysis is not None,
            importance_cut=analysis.importance_cut if analysis else None,
            performance_cut=analysis.performance_cut if analysis else None,
            previous_survey_id=found.previous.survey_id if found.previous else None,
            version=analysis.version if analysis else "",
            drivers=[DriverRank.of(d) for d in analysis.drivers] if analysis else [],
        )


RESULTS_ARGS = "groupBy siteId teamId"


@strawberry.type(description="A satisfaction survey (one wave of its series).")
class Survey:
    id: strawberry.ID
    series_id: str
    title: str
    questions: list[SurveyQuestion]
    comment_prompt: str | None
    sites: list[str] = strawberry.field(description="Sites asked (with teams; none: everyone).")
    teams: list[str]
    opens_on: dt.date
    closes_on: dt.date
    status: SurveyStatus
    closed_at: dt.datetime | None
    close_reason: str | None
    anonymity_threshold: int
    policy_version: str | None

    @classmethod
    def of(cls, info: SurveyInfo) -> Survey:
        return cls(
            id=strawberry.ID(info.survey_id),
            series_id=info.series_id,
            title=info.title,
            questions=[
                SurveyQuestion(id=q.question_id, text=q.text, scale=q.scale.name, role=q.role)
                for q in info.questions
            ],
            comment_prompt=info.comment_prompt,
            sites=list(info.sites),
            teams=list(info.teams),
            opens_on=info.opens_on,
            closes_on=info.closes_on,
            status=SurveyStatus(info.status),
            closed_at=info.closed_at,
            close_reason=info.close_reason,
            anonymity_threshold=info.threshold,
            policy_version=info.policy_version,
        )

    @strawberry.field(
        permission_classes=[Allowed],
        description="The groups of one kind (within one site if siteId is given); none while "
        "the survey is open; a withheld group shows only why.",
    )
    async def results(
        self, info: Info, group_by: SurveyGroupKind, site_id: strawberry.ID | None = None
    ) -> SurveyResultsView:
        found: SurveyResults = await info.context.loaders.of(reading.results_by_id).load(
            str(self.id)
        )
        site = str(site_id) if site_id else None
        return SurveyResultsView(
            survey_id=str(self.id),
            status=self.status,
            anonymity_threshold=self.anonymity_threshold,
            policy_version=self.policy_version,
            scales_version=found.survey.scales_version,
            groups=[GroupFigures.of(g) for g in reading.groups_shown(found, group_by.value, site)],
        )

    @strawberry.field(
        permission_classes=[Allowed],
        description="Importance against performance of each driver in one group, quadrants and "
        "the priority ranking, compared with the previous wave of the series.",
    )
    async def drivers(
        self,
        info: Info,
        group_by: SurveyGroupKind = SurveyGroupKind.COMPANY,
        site_id: strawberry.ID | None = None,
        team_id: strawberry.ID | None = None,
        performance: PerformanceMeasure = PerformanceMeasure.MEAN,
    ) -> DriverAnalysisView:
        group = reading.group_of(group_by.value, _text(site_id), _text(team_id))
        loaders = info.context.loaders
        current = await loaders.of(reading.results_by_id).load(str(self.id))
        previous = await loaders.of(reading.previous_by_id).load(str(self.id))
        return DriverAnalysisView.of(
            reading.drivers_in(current, previous, group, performance.value)
        )

    @strawberry.field(
        permission_classes=[Allowed],
        description="A link to the importance / performance matrix of one group, as SVG.",
    )
    async def driver_chart(
        self,
        info: Info,
        group_by: SurveyGroupKind = SurveyGroupKind.COMPANY,
        site_id: strawberry.ID | None = None,
        team_id: strawberry.ID | None = None,
        performance: PerformanceMeasure = PerformanceMeasure.MEAN,
    ) -> ChartLink:
        reading.group_of(group_by.value, _text(site_id), _text(team_id))
        link = links.signed(
            info.context.link_key,
            f"/charts/surveys/{self.id}/drivers.svg",
            {
                "groupBy": group_by.value,
                "siteId": _text(site_id) or "",
                "teamId": _text(team_id) or "",
                "performance": performance.value,
            },
        )
        return ChartLink(url=link.url, expires_at=link.expires_at)

    @strawberry.field(
        permission_classes=[Allowed],
        description="The free-text answers of one shown group, in no meaningful order; empty for "
        "a withheld group or an open survey.",
    )
    async def comments(
        self,
        info: Info,
        group_by: SurveyGroupKind = SurveyGroupKind.COMPANY,
        site_id: strawberry.ID | None = None,
        team_id: strawberry.ID | None = None,
    ) -> list[str]:
        group = reading.group_of(group_by.value, _text(site_id), _text(team_id))
        found = await info.context.loaders.of(reading.results_by_id).load(str(self.id))
        return await reading.comments(info.context.pool, found, group)


def _text(value: Any) -> str | None:
    return str(value) if value else None


@target("Survey.results")
@target("Survey.drivers")
@target("Survey.driverChart")
@target("Survey.comments")
def the_group_asked(_source: Any, _info: Info, arguments: dict[str, Any]) -> Placement | None:
    """Where the asked group sits: a site's or team's groups, or the company's (None)."""
    kind = arguments.get("group_by", SurveyGroupKind.COMPANY).value
    return reading.placement_of(
        kind, _text(arguments.get("site_id")), _text(arguments.get("team_id"))
    )


@strawberry.type(description="One group in one closed wave, beside its customers' satisfaction.")
class TrendPointView:
    survey_id: str
    title: str
    opens_on: dt.date
    closes_on: dt.date
    kind: SurveyGroupKind
    site_id: str | None
    shown: bool
    withheld: Withheld | None
    responses: int | None
    overall_mean: float | None = strawberry.field(description="On the overall item's scale.")
    overall_percent: float | None = strawberry.field(description="The mean as 0-100 of its scale.")
    favourable: float | None = strawberry.field(description="Overall item's favourable share 0..1.")
    enps: float | None
    customer_satisfaction: float | None = strawberry.field(
        description="The mean of each agent's mean daily customer satisfaction (1-5) over the "
        "wave's days, from the KPI facts."
    )
    agents: int = strawberry.field(description="Agents with KPI facts in those days.")

    @classmethod
    def of(cls, point: TrendPoint) -> TrendPointView:
        kind, site_id, _ = point.group
        return cls(
            survey_id=point.survey.survey_id,
            title=point.survey.title,
            opens_on=point.survey.opens_on,
            closes_on=point.survey.closes_on,
            kind=SurveyGroupKind(kind.upper()),
            site_id=site_id or None,
            shown=point.withheld is None,
            withheld=Withheld(point.withheld) if point.withheld else None,
            responses=point.responses,
            overall_mean=point.overall_mean,
            overall_percent=point.overall_percent,
            favourable=point.favourable,
            enps=point.enps,
            customer_satisfaction=point.customer_satisfaction,
            agents=point.agents,
        )


@strawberry.type(description="Employee satisfaction per site and wave, beside customers'.")
class SurveyTrend:
    series_id: str
    points: list[TrendPointView]
    chart: ChartLink
