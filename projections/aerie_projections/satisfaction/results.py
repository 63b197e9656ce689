"""Survey results as every reader gets them: closed surveys only, withheld groups empty.

Built from the rows of the read model (pure, so tested without a database).
The rules that protect respondents are applied here, once, for every caller
whatever its role: an open survey shows no figures (a figure that changes as
answers arrive gives the newest answer away); a closed survey shows the
groups ``disclosure.disclose`` allows under the threshold the survey
recorded, and nothing of the others but their names and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aerie_events.rules.scales import Scale, scales_of

from aerie_projections.satisfaction.disclosure import Disclosure, rule_of
from aerie_projections.satisfaction.drivers import DriverAnalysis, DriverPoint, analyse
from aerie_projections.satisfaction.statistics import (
    COMPANY,
    OVERALL,
    SITE,
    TEAM,
    GroupKey,
    Item,
    ItemStatistics,
    ItemSums,
)

OPEN = "OPEN"
CLOSED = "CLOSED"
MEAN = "MEAN"
FAVOURABLE = "FAVOURABLE"
DISSATISFACTION = "DISSATISFACTION"


@dataclass(frozen=True)
class Question:
    """A survey question as results name it."""

    role: str
    question_id: str
    text: str
    scale: Scale

    @property
    def item(self) -> Item:
        return (self.role, "" if self.role != "driver" else self.question_id)


@dataclass(frozen=True)
class SurveyInfo:
    """A published survey: what it asks, of whom, when, and under which anonymity rule."""

    survey_id: str
    series_id: str
    title: str
    questions: tuple[Question, ...]
    comment_prompt: str | None
    sites: tuple[str, ...]
    teams: tuple[str, ...]
    opens_on: Any
    closes_on: Any
    threshold: int
    policy_version: str | None
    published_at: Any
    closed_at: Any
    close_reason: str | None
    responses_at_close: int | None
    scales_version: str

    @property
    def status(self) -> str:
        return CLOSED if self.closed_at is not None else OPEN

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> SurveyInfo:
        """A survey from its row; its questions on the scales of the version it recorded."""
        scales = scales_of(row["scales_version"])
        return cls(
            survey_id=row["survey_id"],
            series_id=row["series_id"],
            title=row["title"],
            questions=tuple(
                Question(q["role"], q["question_id"], q["text"], scales[q["scale"]])
                for q in row["questions"]
            ),
            comment_prompt=row["comment_prompt"],
            sites=tuple(row["sites"]),
            teams=tuple(row["teams"]),
            opens_on=row["opens_on"],
            closes_on=row["closes_on"],
            threshold=row["anonymity_threshold"],
            policy_version=row["policy_version"],
            published_at=row["published_at"],
            closed_at=row["closed_at"],
            close_reason=row["close_reason"],
            responses_at_close=row["responses_at_close"],
            scales_version=row["scales_version"],
        )


@dataclass(frozen=True)
class ItemResult:
    question: Question
    statistics: ItemStatistics


@dataclass(frozen=True)
class GroupResult:
    """One group of a closed survey: its figures when shown, else why it is withheld."""

    group: GroupKey
    withheld: str | None
    invited: int | None
    responses: int | None = None
    items: tuple[ItemResult, ...] = ()

    @property
    def shown(self) -> bool:
        return self.withheld is None

    @property
    def response_rate(self) -> float | None:
        if self.responses is None or not self.invited:
            return None
        return self.responses / self.invited

    def item(self, item: Item) -> ItemResult | None:
        return next((i for i in self.items if i.question.item == item), None)


@dataclass(frozen=True)
class SurveyResults:
    """A survey's results: none while it is open; every group of it once closed."""

    survey: SurveyInfo
    groups: tuple[GroupResult, ...] = ()

    def of_kind(self, kind: str) -> list[GroupResult]:
        return [g for g in self.groups if g.group[0] == kind]

    def group(self, group: GroupKey) -> GroupResult | None:
        return next((g for g in self.groups if g.group == group), None)


SumsRow = Mapping[str, Any]
"""A ``satisfaction_sums`` row."""


def sums_of(rows: Iterable[SumsRow]) -> dict[GroupKey, dict[Item, ItemSums]]:
    """The running sums of each group and item, from the table's rows."""
    sums: dict[GroupKey, dict[Item, ItemSums]] = {}
    for row in rows:
        group = (row["kind"], row["site_id"], row["team_id"])
        sums.setdefault(group, {})[(row["role"], row["question_id"])] = ItemSums(
            n=row["n"],
            sum_x=row["sum_x"],
            sum_xx=row["sum_xx"],
            sum_xy=row["sum_xy"],
            counts=list(row["counts"]),
        )
    return sums


def disclosure_of(
    survey: SurveyInfo,
    sums: Mapping[GroupKey, Mapping[Item, ItemSums]],
    invited: Iterable[GroupKey],
) -> Disclosure:
    """Which groups of a closed survey may be shown (respondents = the overall item's count).

    Decided by the rule of the anonymity policy the survey was published under,
    given each group's respondents and each item's histogram.
    """
    responses = {group: 0 for group in invited}
    for group, items in sums.items():
        overall = items.get(OVERALL)
        responses[group] = overall.n if overall is not None else 0
    answers = {
        group: {item: s.counts for item, s in items.items()} for group, items in sums.items()
    }
    return rule_of(survey.policy_version)(responses, survey.threshold, answers)


def results_of(
    survey: SurveyInfo,
    rows: Iterable[SumsRow],
    invited: Mapping[GroupKey, int],
) -> SurveyResults:
    """The results every reader gets: nothing while open; shown groups' figures once closed.

    A survey whose sums do not yet hold every response its close counted (the
    close arrives after its answers, so this is only ever a moment) is treated
    as open.
    """
    sums = sums_of(rows)
    company = sums.get((COMPANY, "", ""), {}).get(OVERALL)
    answered = company.n if company is not None else 0
    if survey.status != CLOSED or answered != (survey.responses_at_close or 0):
        return SurveyResults(survey)
    disclosure = disclosure_of(survey, sums, invited)
    groups = sorted({*sums, *invited}, key=lambda g: ((COMPANY, SITE, TEAM).index(g[0]), g))
    return SurveyResults(
        survey,
        tuple(
            _group_result(survey, g, sums.get(g, {}), invited.get(g), disclosure) for g in groups
        ),
    )


def _group_result(
    survey: SurveyInfo,
    group: GroupKey,
    sums: Mapping[Item, ItemSums],
    invited: int | None,
    disclosure: Disclosure,
) -> GroupResult:
    reason = disclosure.reason(group)
    if reason is not None:
        return GroupResult(group, reason, invited)
    overall = sums[OVERALL]
    items = tuple(
        ItemResult(
            question,
            ItemStatistics.of(
                sums.get(question.item, ItemSums()),
                overall,
                question.scale,
                is_enps=question.role == "enps",
            ),
        )
        for question in survey.questions
    )
    return GroupResult(group, None, invited, overall.n, items)


def performance_of(result: ItemResult, measure: str) -> float:
    """A driver's performance, 0-100: its mean on its scale, its favourable share, or the share
    of its answers that are not unfavourable (``DISSATISFACTION``: the shortfall from 100 is
    then its dissatisfaction rate, and the priority importance times that rate)."""
    statistics = result.statistics
    if measure == FAVOURABLE:
        return (statistics.favourable or 0.0) * 100.0
    if measure == DISSATISFACTION:
        return (1.0 - (statistics.unfavourable or 0.0)) * 100.0
    return result.question.scale.as_percent(statistics.mean or result.question.scale.low)


def driver_points(group: GroupResult, measure: str) -> list[DriverPoint]:
    """The drivers of a shown group as points of the importance / performance matrix."""
    return [
        DriverPoint(
            i.question.question_id,
            i.question.text,
            i.statistics.correlation,
            performance_of(i, measure),
        )
        for i in group.items
        if i.question.role == "driver"
    ]


def drivers_of(
    current: GroupResult, previous: GroupResult | None, measure: str
) -> DriverAnalysis | None:
    """The driver analysis of a shown group, against the same group of the previous wave.

    None for a withheld group; a previous group that is withheld is no comparison.
    """
    if not current.shown:
        return None
    earlier: Sequence[DriverPoint] = ()
    if previous is not None and previous.shown:
        earlier = driver_points(previous, measure)
    return analyse(driver_points(current, measure), earlier)


@dataclass(frozen=True)
class SiteCustomerSatisfaction:
    """Customer satisfaction of a site's agents over a wave: the mean of each agent's mean."""

    mean: float
    agents: int


@dataclass(frozen=True)
class TrendPoint:
    """One group in one wave: employee satisfaction (if shown) beside customer satisfaction."""

    survey: SurveyInfo
    group: GroupKey
    withheld: str | None
    responses: int | None
    overall_mean: float | None
    overall_percent: float | None
    favourable: float | None
    enps: float | None
    customer_satisfaction: float | None
    agents: int


def trend_points(
    results: SurveyResults, customers: Mapping[str, SiteCustomerSatisfaction]
) -> list[TrendPoint]:
    """The company and each site of a closed wave, with the sites' customer satisfaction.

    ``customers`` holds each site's customer satisfaction over the wave's days
    (from the agents' KPI facts); the company's is the mean over all its agents.
    """
    agents = sum(c.agents for c in customers.values())
    company = (
        SiteCustomerSatisfaction(
            sum(c.mean * c.agents for c in customers.values()) / agents, agents
        )
        if agents
        else None
    )
    points = []
    for group in results.groups:
        if group.group[0] == TEAM:
            continue
        customer = company if group.group[0] == COMPANY else customers.get(group.group[1])
        points.append(_trend_point(results.survey, group, customer))
    return points


def _trend_point(
    survey: SurveyInfo, group: GroupResult, customer: SiteCustomerSatisfaction | None
) -> TrendPoint:
    overall = group.item(OVERALL)
    enps = next((i for i in group.items if i.question.role == "enps"), None)
    mean = overall.statistics.mean if overall is not None else None
    return TrendPoint(
        survey=survey,
        group=group.group,
        withheld=group.withheld,
        responses=group.responses,
        overall_mean=mean,
        overall_percent=None
        if overall is None or mean is None
        else overall.question.scale.as_percent(mean),
        favourable=overall.statistics.favourable if overall is not None else None,
        enps=enps.statistics.enps if enps is not None else None,
        customer_satisfaction=customer.mean if customer is not None else None,
        agents=customer.agents if customer is not None else 0,
    )
