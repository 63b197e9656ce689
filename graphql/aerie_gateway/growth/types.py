"""GraphQL types of the growth paths, and the functions that fill them from the read model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from aerie_events.rules.calendar import WorkingCalendar
from aerie_events.rules.growth.kpi import BOARD_METRICS
from aerie_events.rules.growth.ladder import stage_of
from aerie_projections.growth import queries as growth
from aerie_projections.organisation import queries as organisation
from psycopg_pool import AsyncConnectionPool
from strawberry.types import Info

from aerie_gateway.permissions import Placement

BoardMetric = strawberry.enum(
    # the metrics are data (the KPI catalog's), so the enum is built by Enum's functional API,
    # which strawberry.enum's overloads do not type
    Enum("BoardMetric", {m.upper(): m for m in BOARD_METRICS}),  # type: ignore[call-overload]
    description="What a board ranks: a KPI of the day, or its energy value.",
)


@strawberry.type(description="One criterion of the ladder policy: required, actual, met.")
class Criterion:
    key: str
    label: str
    required: str
    actual: str
    met: bool

    @classmethod
    def of(cls, item: Any) -> Criterion:
        if isinstance(item, dict):
            return cls(**{k: item[k] for k in ("key", "label", "required", "actual", "met")})
        return cls(
            key=item.key, label=item.label, required=item.required, actual=item.actual, met=item.met
        )


@strawberry.type(description="A change of the growth path, with its reason.")
class PathChange:
    kind: str = strawberry.field(
        description="hired, graduated, promoted, demoted, track_changed, repositioned, "
        "transferred, left, rewarded, offpost_training or suggestion_adopted."
    )
    occurred_on: dt.date
    before: str | None
    after: str | None
    reason: str | None
    policy_version: str | None
    criteria: list[Criterion]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PathChange:
        return cls(
            kind=row["kind"],
            occurred_on=row["occurred_on"],
            before=row["from_value"],
            after=row["to_value"],
            reason=row["reason"],
            policy_version=row["policy_version"],
            criteria=[Criterion.of(c) for c in row.get("criteria") or []],
        )


@strawberry.type(description="A step open to the employee, checked criterion by criterion.")
class NextStep:
    step: str = strawberry.field(description="e.g. graduate, promote:3, change_track:qa.")
    label: str
    met: bool = strawberry.field(description="Whether every criterion is met today.")
    policy_version: str
    window_start: dt.date
    window_end: dt.date
    criteria: list[Criterion]


@strawberry.type(
    description="An employee's place on the eagle ladder, how they got there, what is next."
)
class GrowthPath:
    employee_id: strawberry.ID
    stage: str = strawberry.field(description="chick, flying, soaring or elite.")
    star: int
    track: str
    level_since: dt.date | None
    post: str | None = strawberry.field(description="Where a re-positioned agent works now.")
    as_of: dt.date = strawberry.field(description="The site's date the progress is measured on.")
    history: list[PathChange]
    progress: list[NextStep]


@strawberry.type(description="Why an employee is not ready for calls.")
class ReadinessReason:
    kind: str = strawberry.field(
        description="makeup_exam, offpost_training, acceptance_test, repositioned or left."
    )
    reason: str


@strawberry.type(description="Whether an employee may take calls, and every reason they may not.")
class Readiness:
    employee_id: strawberry.ID
    ready: bool
    as_of: dt.date
    reasons: list[ReadinessReason]


@strawberry.type(description="One day of KPI facts and its energy value.")
class EnergyDay:
    day: dt.date
    energy: Decimal
    policy_version: str
    team_id: str | None
    calls_answered: int
    average_handling_seconds: int
    first_contact_resolution: Decimal
    customer_satisfaction: Decimal
    qa_score: Decimal
    attendance: Decimal


@strawberry.type(description="What a week's energy led to: a reward, or off-post training.")
class EnergyDecision:
    kind: str = strawberry.field(description="reward or offpost_training.")
    window_start: dt.date
    window_end: dt.date
    kpi_days: int
    energy: Decimal
    reward_amount: Decimal | None
    level: str | None
    days: int | None
    acceptance_test: bool | None
    order_id: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    policy_version: str | None


@strawberry.type(
    description="An employee's energy value over a period, day by day, and its decisions."
)
class Energy:
    employee_id: strawberry.ID
    start: dt.date
    end: dt.date
    average: Decimal | None = strawberry.field(description="Mean of the period's daily values.")
    latest: EnergyDay | None
    days: list[EnergyDay]
    decisions: list[EnergyDecision]


@strawberry.type(description="One place on a board; equal values share a rank.")
class LeaderboardEntry:
    rank: int
    employee_id: strawberry.ID
    display_name: str | None
    team_id: str | None
    value: Decimal


@strawberry.type(description="The dragon and tiger board of a site or team for one day and metric.")
class Leaderboard:
    site_id: strawberry.ID
    team_id: strawberry.ID | None
    metric: BoardMetric  # type: ignore[valid-type]
    day: dt.date | None = strawberry.field(description="Null when the site has no KPI facts yet.")
    higher_is_better: bool
    entries: list[LeaderboardEntry]


def path_from(
    agent: dict[str, Any],
    history: list[dict[str, Any]],
    progress: list[dict[str, Any]],
    as_of: dt.date,
) -> GrowthPath:
    return GrowthPath(
        employee_id=strawberry.ID(agent["employee_id"]),
        stage=str(stage_of(agent["track"], agent["star"], agent["graduated"])),
        star=agent["star"],
        track=agent["track"],
        level_since=agent["level_since"] or agent["hired_on"],
        post=agent["post"],
        as_of=as_of,
        history=[PathChange.from_row(r) for r in history],
        progress=[
            NextStep(
                step=p["step"].key,
                label=p["step"].label,
                met=p["evaluation"].met,
                policy_version=p["evaluation"].policy_version,
                window_start=p["evaluation"].window_start,
                window_end=p["evaluation"].window_end,
                criteria=[Criterion.of(r) for r in p["evaluation"].results],
            )
            for p in progress
        ],
    )


def energy_day(row: dict[str, Any]) -> EnergyDay:
    return EnergyDay(**{name: row[name] for name in EnergyDay.__annotations__})


def energy_decision(row: dict[str, Any]) -> EnergyDecision:
    return EnergyDecision(**{name: row[name] for name in EnergyDecision.__annotations__})


async def site_date(conn: Any, site_id: str | None) -> dt.date:
    """Today at ``site_id`` (in UTC for a site never opened)."""
    rows = await organisation.sites_by_id(conn, [site_id]) if site_id else {}
    zone = rows[site_id]["time_zone"] if site_id in rows else "UTC"
    return WorkingCalendar(time_zone=zone).local_date(dt.datetime.now(dt.UTC))


async def growth_rows(pool: AsyncConnectionPool, keys: list[str]) -> list[dict[str, Any] | None]:
    """The growth row of each employee id (None for one never seen)."""
    async with pool.connection() as conn:
        rows = await growth.agents(conn, keys)
    return [rows.get(k) for k in keys]


async def placement_of(info: Info, employee_id: str) -> Placement | None:
    """Where an employee sits, as the growth read model knows.

    Someone the read model has not met yet is still themselves: their own record
    is theirs to ask for (and reads as null until it arrives), but no team or
    site scope reaches them.
    """
    row = await info.context.loaders.of(growth_rows).load(employee_id)
    if row is None:
        return Placement(employee_id)
    return Placement(row["employee_id"], row["site_id"], row["team_id"])


async def growth_path_of(
    info: Info, employee_id: str, as_of: dt.date | None = None
) -> GrowthPath | None:
    agent = await info.context.loaders.of(growth_rows).load(employee_id)
    if agent is None:
        return None
    async with info.context.pool.connection() as conn:
        day = as_of or await site_date(conn, agent["site_id"])
        history = await growth.history_of(conn, employee_id)
        progress = await growth.progress_of(conn, agent, day)
    return path_from(agent, history, progress, day)


async def readiness_of(
    info: Info, employee_id: str, as_of: dt.date | None = None
) -> Readiness | None:
    agent = await info.context.loaders.of(growth_rows).load(employee_id)
    if agent is None:
        return None
    async with info.context.pool.connection() as conn:
        day = as_of or await site_date(conn, agent["site_id"])
        found = (await growth.readiness_of(conn, [employee_id], day))[employee_id]
    return Readiness(
        employee_id=strawberry.ID(employee_id),
        ready=found["ready"],
        as_of=day,
        reasons=[ReadinessReason(kind=k, reason=r) for k, r in found["reasons"]],
    )
