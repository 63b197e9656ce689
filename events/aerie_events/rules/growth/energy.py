"""The energy value: an agent's KPIs as one number, and what its level leads to.

Each KPI is scored from 0 (at its floor) to 100 (at its target), linearly,
and may overflow up to ``score_cap`` when the target is beaten; the energy
value is the weighted sum of the scores. Energy over ``full`` overflows and
earns a reward in proportion to the overflow; under ``low`` it sends the
agent to off-post training; under ``very_low`` to seven days of off-post
training and an acceptance test. Weights, scales and thresholds are versioned
policy data: every decision records the version that made it, and a day's
energy is computed with the policy in force on that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from aerie_events.rules.growth.kpi import KPI_NAMES, DailyKpi, mean
from aerie_events.rules.versions import in_force_on

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Scale:
    """Where a KPI scores 0 (``floor``) and 100 (``target``); a lower-is-better KPI has floor > target."""

    floor: Decimal
    target: Decimal

    def score(self, value: Decimal, cap: Decimal) -> Decimal:
        reached = (value - self.floor) / (self.target - self.floor) * 100
        return min(max(reached, Decimal(0)), cap)


class EnergyLevel(StrEnum):
    OVERFLOWING = "overflowing"
    NORMAL = "normal"
    LOW = "low"
    VERY_LOW = "very_low"


@dataclass(frozen=True)
class EnergyPolicy:
    """One version of the energy rules."""

    version: str
    effective_from: dt.date
    weights: Mapping[str, Decimal]
    scales: Mapping[str, Scale]
    score_cap: Decimal = Decimal(150)
    full: Decimal = Decimal(100)
    low: Decimal = Decimal(60)
    very_low: Decimal = Decimal(40)
    reward_per_point: Decimal = Decimal("5.00")
    """Reward (CNY) per point of energy over ``full``."""
    currency: str = "CNY"
    minimum_days: int = 3
    """KPI days a week needs before its energy decides anything."""
    low_offpost_days: int = 1
    very_low_offpost_days: int = 7
    acceptance_pass_mark: int = 60

    def __post_init__(self) -> None:
        if set(self.weights) != set(KPI_NAMES) or set(self.scales) != set(KPI_NAMES):
            raise ValueError(f"{self.version}: weights and scales must name every KPI")
        if sum(self.weights.values()) != 1:
            raise ValueError(f"{self.version}: weights must add up to 1")

    def energy_of(self, day: DailyKpi) -> Decimal:
        """The energy value of one day's KPIs, to 2 decimals."""
        total = sum(
            (self.weights[k] * self.scales[k].score(day[k], self.score_cap) for k in KPI_NAMES),
            Decimal(0),
        )
        return total.quantize(CENTS)

    def level_of(self, energy: Decimal) -> EnergyLevel:
        if energy > self.full:
            return EnergyLevel.OVERFLOWING
        if energy < self.very_low:
            return EnergyLevel.VERY_LOW
        if energy < self.low:
            return EnergyLevel.LOW
        return EnergyLevel.NORMAL

    def reward_for(self, energy: Decimal) -> Decimal:
        """The reward for ``energy``: in proportion to its overflow over ``full`` (0 without one)."""
        overflow = max(energy - self.full, Decimal(0))
        return (overflow * self.reward_per_point).quantize(CENTS)


ENERGY_POLICIES: tuple[EnergyPolicy, ...] = (
    EnergyPolicy(
        version="energy/2026-01",
        effective_from=dt.date(2000, 1, 1),
        weights={
            "customer_satisfaction": Decimal("0.30"),
            "qa_score": Decimal("0.25"),
            "first_contact_resolution": Decimal("0.20"),
            "average_handling_seconds": Decimal("0.10"),
            "attendance": Decimal("0.10"),
            "calls_answered": Decimal("0.05"),
        },
        scales={
            "customer_satisfaction": Scale(Decimal("3.0"), Decimal("4.5")),
            "qa_score": Scale(Decimal(60), Decimal(90)),
            "first_contact_resolution": Scale(Decimal(60), Decimal(90)),
            "average_handling_seconds": Scale(Decimal(600), Decimal(300)),
            "attendance": Scale(Decimal(85), Decimal(98)),
            "calls_answered": Scale(Decimal(20), Decimal(80)),
        },
    ),
)


def energy_policy_on(
    day: dt.date, policies: Sequence[EnergyPolicy] = ENERGY_POLICIES
) -> EnergyPolicy:
    """The energy policy in force on ``day`` (the latest that took effect by then)."""
    return in_force_on(day, policies, "energy policy")


def energy_of_day(day: DailyKpi) -> tuple[Decimal, str]:
    """The day's energy value and the version of the policy that computed it."""
    policy = energy_policy_on(day.day)
    return policy.energy_of(day), policy.version


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The ISO week (Monday to Sunday) that holds ``day``: the energy's evaluation period."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


class Consequence(StrEnum):
    """What a week's energy leads to."""

    REWARD = "reward"
    OFFPOST_TRAINING = "offpost_training"
    NOTHING = "nothing"


@dataclass(frozen=True)
class EnergyAssessment:
    """A week's energy and the decision it leads to, with the window that caused it."""

    policy_version: str
    window_start: dt.date
    window_end: dt.date
    kpi_days: int
    energy: Decimal | None
    level: EnergyLevel | None
    consequence: Consequence
    reward_amount: Decimal = Decimal(0)
    offpost_days: int = 0
    acceptance_test: bool = False

    @property
    def reason(self) -> str:
        window = f"{self.window_start.isoformat()} to {self.window_end.isoformat()}"
        if self.energy is None:
            return f"only {self.kpi_days} KPI days from {window}: no decision"
        return f"energy {self.energy} over {self.kpi_days} KPI days from {window} ({self.level})"


def assess_week(days: Sequence[DailyKpi], week_start: dt.date) -> EnergyAssessment:
    """Assess the ISO week starting ``week_start`` from the KPI days given (others are ignored).

    The week's energy is the mean of its days' energy values, each computed
    with the policy of its day; the thresholds are those in force on the
    week's last day.
    """
    start, end = week_of(week_start)
    counted = sorted((d for d in days if start <= d.day <= end), key=lambda d: d.day)
    policy = energy_policy_on(end)
    if len(counted) < policy.minimum_days:
        return EnergyAssessment(
            policy.version, start, end, len(counted), None, None, Consequence.NOTHING
        )
    energy = mean([energy_policy_on(d.day).energy_of(d) for d in counted])
    assert energy is not None
    level = policy.level_of(energy)
    base = (policy.version, start, end, len(counted), energy, level)
    if level is EnergyLevel.OVERFLOWING:
        return EnergyAssessment(*base, Consequence.REWARD, reward_amount=policy.reward_for(energy))
    if level is EnergyLevel.VERY_LOW:
        return EnergyAssessment(
            *base,
            Consequence.OFFPOST_TRAINING,
            offpost_days=policy.very_low_offpost_days,
            acceptance_test=True,
        )
    if level is EnergyLevel.LOW:
        return EnergyAssessment(
            *base, Consequence.OFFPOST_TRAINING, offpost_days=policy.low_offpost_days
        )
    return EnergyAssessment(*base, Consequence.NOTHING)


def mean_energy(days: Sequence[DailyKpi]) -> Decimal | None:
    """The mean energy value of ``days`` (each with its day's policy), or None for none."""
    return mean([energy_policy_on(d.day).energy_of(d) for d in days])
