"""The ladder's policy: what each step requires, as versioned data.

A promotion (or graduation, demotion, change of track) is checked against
the policy in force on the day it takes effect. Each criterion answers with
what it requires, what the employee actually has and whether that meets it,
so a refusal can name every unmet criterion and the growth path can show
progress toward the next step criterion by criterion.

The evidence is the KPI days of the window ending the day before the step,
the courses the employee passed and the day their current level began.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from aerie_events.rules.growth.energy import mean_energy
from aerie_events.rules.growth.kpi import KPI_BY_NAME, DailyKpi, in_window, mean
from aerie_events.rules.growth.ladder import Standing, Step, StepKind, Track
from aerie_events.rules.versions import in_force_on


@dataclass(frozen=True)
class Evidence:
    """What the policy reads: the courses passed and the recent KPI days."""

    courses_passed: frozenset[str] = frozenset()
    kpi_days: Sequence[DailyKpi] = ()


@dataclass(frozen=True)
class CriterionResult:
    """One criterion, checked: what it requires, what was found, and whether that meets it."""

    key: str
    label: str
    required: str
    actual: str
    met: bool


@dataclass(frozen=True)
class Window:
    """The KPI days a decision reads: ``start`` to ``end`` inclusive."""

    start: dt.date
    end: dt.date
    days: Sequence[DailyKpi]


class Criterion(Protocol):
    def check(
        self, standing: Standing, evidence: Evidence, window: Window, as_of: dt.date
    ) -> CriterionResult: ...


def _number(value: Decimal | None) -> str:
    return "no data" if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class CoursePassed:
    course_id: str

    def check(
        self, standing: Standing, evidence: Evidence, window: Window, as_of: dt.date
    ) -> CriterionResult:
        met = self.course_id in evidence.courses_passed
        return CriterionResult(
            f"course:{self.course_id}",
            f"course {self.course_id} passed",
            "passed",
            "passed" if met else "not passed",
            met,
        )


@dataclass(frozen=True)
class TimeAtLevel:
    days: int

    def check(
        self, standing: Standing, evidence: Evidence, window: Window, as_of: dt.date
    ) -> CriterionResult:
        actual = standing.days_at_level(as_of)
        return CriterionResult(
            "time_at_level",
            "days at the current level",
            f"at least {self.days} days",
            f"{actual} days",
            actual >= self.days,
        )


@dataclass(frozen=True)
class KpiDays:
    minimum: int

    def check(
        self, standing: Standing, evidence: Evidence, window: Window, as_of: dt.date
    ) -> CriterionResult:
        actual = len(window.days)
        return CriterionResult(
            "kpi_days",
            f"days with KPI facts from {window.start} to {window.end}",
            f"at least {self.minimum} days",
            f"{actual} days",
            actual >= self.minimum,
        )


@dataclass(frozen=True)
class KpiAverage:
    """The window's mean of one KPI is at least (or at most) a value."""

    kpi: str
    at_least: Decimal | None = None
    at_most: Decimal | None = None

    def check(
        self, standing: Standing, evidence: Evidence, window: Window, as_of: dt.date
    ) -> CriterionResult:
        actual = mean([d[self.kpi] for d in window.days])
        return _threshold(
            f"average:{self.kpi}",
            f"average {KPI_BY_NAME[self.kpi].label.lower()} from {window.start} to {window.end}",
            actual,
            self.at_least,
            self.at_most,
        )


@dataclass(frozen=True)
class EnergyAverage:
    """The window's mean energy value is at least a value (promotion) or below one (demotion)."""

    at_least: Decimal | None = None
    below: Decimal | None = None

    def check(
        self, standing: Standing, evidence: Evidence, window: Window, as_of: dt.date
    ) -> CriterionResult:
        actual = mean_energy(window.days)
        key, label = "average:energy", f"average energy value from {window.start} to {window.end}"
        if self.below is not None:
            met = actual is not None and actual < self.below
            return CriterionResult(key, label, f"below {self.below:.2f}", _number(actual), met)
        return _threshold(key, label, actual, self.at_least, None)


def _threshold(
    key: str, label: str, actual: Decimal | None, at_least: Decimal | None, at_most: Decimal | None
) -> CriterionResult:
    if at_least is not None:
        required = f"at least {at_least:.2f}"
        met = actual is not None and actual >= at_least
    else:
        assert at_most is not None
        required = f"at most {at_most:.2f}"
        met = actual is not None and actual <= at_most
    return CriterionResult(key, label, required, _number(actual), met)


@dataclass(frozen=True)
class Evaluation:
    """A step checked against a policy: every criterion's result."""

    step: Step
    policy_version: str
    as_of: dt.date
    window_start: dt.date
    window_end: dt.date
    results: tuple[CriterionResult, ...]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def unmet(self) -> list[CriterionResult]:
        return [r for r in self.results if not r.met]

    def as_payload(self) -> list[dict[str, object]]:
        """The results as an event records them (``criteria``)."""
        return [
            {
                "key": r.key,
                "label": r.label,
                "required": r.required,
                "actual": r.actual,
                "met": r.met,
            }
            for r in self.results
        ]


@dataclass(frozen=True)
class LadderPolicy:
    """One version of what each step of the ladder requires."""

    version: str
    effective_from: dt.date
    window_days: int
    graduation: tuple[Criterion, ...]
    promotions: Mapping[int, tuple[Criterion, ...]]
    track_changes: Mapping[str, tuple[Criterion, ...]]
    demotion: tuple[Criterion, ...]
    skills_by_course: Mapping[str, str] = field(default_factory=dict)
    """The answering permission each course gives (regrouping balances them)."""

    def criteria_for(self, step: Step) -> tuple[Criterion, ...]:
        match step.kind:
            case StepKind.GRADUATE:
                return self.graduation
            case StepKind.PROMOTE:
                return self.promotions[step.to_star or 0]
            case StepKind.DEMOTE:
                return self.demotion
        return self.track_changes.get(step.to_track or "", ())

    def window_before(self, as_of: dt.date) -> tuple[dt.date, dt.date]:
        """The KPI window a decision taking effect on ``as_of`` reads: the days before it."""
        end = as_of - dt.timedelta(days=1)
        return end - dt.timedelta(days=self.window_days - 1), end

    def evaluate(
        self, step: Step, standing: Standing, evidence: Evidence, as_of: dt.date
    ) -> Evaluation:
        start, end = self.window_before(as_of)
        window = Window(start, end, in_window(evidence.kpi_days, end, self.window_days))
        results = tuple(c.check(standing, evidence, window, as_of) for c in self.criteria_for(step))
        return Evaluation(step, self.version, as_of, start, end, results)

    def skills_of(self, courses_passed: frozenset[str]) -> frozenset[str]:
        return frozenset(
            self.skills_by_course[c] for c in courses_passed if c in self.skills_by_course
        )


def _promotion(
    course: str, days: int, energy: str, csat: str, qa: str, fcr: str | None
) -> tuple[Criterion, ...]:
    criteria: list[Criterion] = [
        CoursePassed(course),
        TimeAtLevel(days),
        KpiDays(15),
        EnergyAverage(at_least=Decimal(energy)),
        KpiAverage("customer_satisfaction", at_least=Decimal(csat)),
        KpiAverage("qa_score", at_least=Decimal(qa)),
    ]
    if fcr is not None:
        criteria.append(KpiAverage("first_contact_resolution", at_least=Decimal(fcr)))
    return tuple(criteria)


def _track(*courses: str) -> tuple[Criterion, ...]:
    return (
        *(CoursePassed(c) for c in courses),
        TimeAtLevel(90),
        KpiDays(15),
        EnergyAverage(at_least=Decimal(90)),
    )


LADDER_POLICIES: tuple[LadderPolicy, ...] = (
    LadderPolicy(
        version="ladder/2026-01",
        effective_from=dt.date(2000, 1, 1),
        window_days=28,
        graduation=(
            CoursePassed("C-ONBOARD"),
            TimeAtLevel(30),
            KpiDays(10),
            KpiAverage("attendance", at_least=Decimal(90)),
        ),
        promotions={
            2: _promotion("C-EMPATHY", 60, "75", "4.0", "75", None),
            3: _promotion("C-BILLING", 60, "82", "4.1", "80", "75"),
            4: _promotion("C-OUTAGE", 90, "88", "4.3", "85", "80"),
            5: _promotion("C-COACH", 90, "94", "4.4", "88", "85"),
        },
        track_changes={
            Track.TEAM_LEAD: _track("C-COACH", "C-LEAD"),
            Track.GROUP_LEADER: _track("C-COACH", "C-LEAD", "C-PLANNING"),
            Track.SPECIALIST: _track("C-OUTAGE", "C-SPECIALIST"),
            Track.TRAINER: _track("C-COACH", "C-TRAINER"),
            Track.QA: _track("C-QA"),
            Track.AGENT: (),
        },
        demotion=(
            TimeAtLevel(28),
            KpiDays(10),
            EnergyAverage(below=Decimal(65)),
        ),
        skills_by_course={
            "C-ONBOARD": "general",
            "C-EMPATHY": "complaints",
            "C-BILLING": "billing",
            "C-OUTAGE": "outage",
            "C-COACH": "mentoring",
            "C-VIP": "vip",
        },
    ),
)


def ladder_policy_on(
    day: dt.date, policies: Sequence[LadderPolicy] = LADDER_POLICIES
) -> LadderPolicy:
    """The ladder policy in force on ``day``."""
    return in_force_on(day, policies, "ladder policy")
