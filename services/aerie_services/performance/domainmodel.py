"""An agent's record on the growth ladder: star, stage and track, and the evidence the policy reads.

Every decision about an agent's place on the ladder is taken here, against
this record, never against a read model: the daily KPI facts of the recent
weeks, the star and track and the day the current level began, the
off-post training orders and rewards its energy led to. Courses passed come
from the learning context (a fact asked by the use case), the hire date from
the roster.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    EMPLOYEE_REPOSITIONED,
    ENERGY_REWARDED,
    KPI_RECORDED,
    OFFPOST_TRAINING_ORDERED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)
from aerie_events.rules.growth.energy import (
    Consequence,
    EnergyAssessment,
    EnergyLevel,
    assess_week,
    week_of,
)
from aerie_events.rules.growth.kpi import KPI_NAMES, DailyKpi
from aerie_events.rules.growth.ladder import FIRST_STAR, TOP_STAR, Standing, Step, StepKind, Track
from aerie_events.rules.growth.policy import Evidence, ladder_policy_on
from eventsourcing.domain import event

from aerie_services.kit.base import AerieAggregate, AerieSnapshot, stable_id
from aerie_services.kit.errors import AlreadyRecorded
from aerie_services.kit.site_days import not_after
from aerie_services.learning.errors import NotAnOrder
from aerie_services.performance.errors import (
    AssessmentDiffers,
    CriteriaUnmet,
    KpiTooLate,
    NotOnTheLadder,
    StarLevelMismatch,
)

STEP_FIELDS = {
    StepKind.GRADUATE: ("graduated_on", "graduatedOn", "graduatedOn"),
    StepKind.PROMOTE: ("promoted_on", "promotedOn", "toStar"),
    StepKind.DEMOTE: ("demoted_on", "demotedOn", "toStar"),
    StepKind.CHANGE_TRACK: ("changed_on", "changedOn", "toTrack"),
}
"""Per step: the command's key of the day it takes effect, that day's field, and the field
its criteria are about."""

KPI_MEMORY_DAYS = 56
"""How many days of KPI facts the record takes and keeps: twice the ladder's window."""
WEEKS_KEPT_ASSESSED = 104
"""How many weeks whose facts it forgot the record keeps the energy assessment of, so the
energy manager's decision on such a week (one working through a backlog) is still checked."""


@dataclass(frozen=True)
class StepGround:
    """What a step on the ladder is checked with, besides the record itself."""

    evidence: Evidence
    """The courses passed by the step's day and the KPI days the policy reads."""
    hired_on: str | None
    """The hire date, where the current level began for one who never changed level."""
    today: dt.date
    """The site's today: a step dated after it is refused."""
    zone: str
    """The site's time zone."""


COMMANDS_KEPT = 100
"""How many of its latest commands the record remembers; an older retry is answered by the
append, from the platform's register of command ids."""


class StarLadder(AerieAggregate):
    """An agent's place on the growth ladder. Every new agent starts a chick at one star.

    Its state is bounded whatever the agent's history (KPI facts of ``KPI_MEMORY_DAYS``,
    assessments of ``WEEKS_KEPT_ASSESSED`` weeks, ``COMMANDS_KEPT`` commands), so a
    decision on a record of years costs what one on a new record does.
    """

    commands_kept = COMMANDS_KEPT
    shared_entries = frozenset({"commands", "kpi", "assessed_weeks", "weeks_decided"})

    @staticmethod
    def id_for(employee_id: str) -> Any:
        return stable_id("star-ladder", employee_id)

    @staticmethod
    def create_id(employee_id: str) -> Any:
        return StarLadder.id_for(employee_id)

    @event("Started")
    def __init__(self, employee_id: str) -> None:
        self.employee_id = employee_id
        self.star = FIRST_STAR
        self.track: str = Track.AGENT
        self.graduated = False
        self.level_since: str | None = None
        self.kpi: dict[str, dict[str, str]] = {}
        self.assessed_weeks: dict[str, list[Any]] = {}
        """Week -> its assessment as plain values (``_assessment_row``): kept and read back
        as they are, in snapshots too."""
        self.weeks_decided: dict[str, str] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.post: str | None = None

    # the evidence

    def standing(self, hired_on: str | None) -> Standing:
        since = self.level_since or hired_on
        return Standing(
            self.track, self.star, self.graduated, dt.date.fromisoformat(since) if since else None
        )

    def kpi_days(self) -> list[DailyKpi]:
        return [
            DailyKpi.from_payload({"day": day, **values})
            for day, values in sorted(self.kpi.items())
        ]

    # daily KPI facts

    def record_kpi(self, meta: dict, data: dict, today: dt.date, zone: str) -> None:
        day = not_after(data["day"], "day", today, zone)
        if data["day"] in self.kpi:
            raise AlreadyRecorded(f"the KPI fact of {data['day']}", "day")
        if self.kpi:
            earliest = dt.date.fromisoformat(max(self.kpi)) - dt.timedelta(days=KPI_MEMORY_DAYS - 1)
            if day < earliest:
                raise KpiTooLate(data["day"], earliest.isoformat())
        self._kpi_recorded(meta=meta, payload=data)

    @event("KpiRecorded")
    def _kpi_recorded(self, meta: dict, payload: dict) -> None:
        self.kpi[payload["day"]] = {k: payload[k] for k in KPI_NAMES}
        self._forget_old_weeks()
        self.remember(meta, KPI_RECORDED, self.version + 1)

    def _forget_old_weeks(self) -> None:
        """Forget the weeks no fact can be added to any more, keeping each one's assessment.

        A week goes whole once its last day is older than the record takes facts
        for: its assessment, made from all its days, can no longer change.
        """
        latest = dt.date.fromisoformat(max(self.kpi))
        forget = latest - dt.timedelta(days=KPI_MEMORY_DAYS)
        if week_of(dt.date.fromisoformat(min(self.kpi)))[1] > forget:
            return  # the oldest week kept still takes facts
        weeks = {week_of(dt.date.fromisoformat(d)) for d in self.kpi}
        for start, end in sorted(w for w in weeks if w[1] <= forget):
            days = [d for d in sorted(self.kpi) if start.isoformat() <= d <= end.isoformat()]
            week = [DailyKpi.from_payload({"day": d, **self.kpi[d]}) for d in days]
            self.assessed_weeks[start.isoformat()] = _assessment_row(assess_week(week, start))
            for day in days:
                del self.kpi[day]
        for forgotten in sorted(self.assessed_weeks)[:-WEEKS_KEPT_ASSESSED]:
            del self.assessed_weeks[forgotten]

    # steps on the ladder

    def _decide(
        self, step: Step, meta: dict, data: dict, ground: StepGround, before: dict | None = None
    ) -> tuple[dict, dict]:
        """Check ``step`` on its day against the policy in force then: the event's meta and payload.

        The payload is ``before`` (what the step changes from), the command's ``data`` and the
        criteria the policy checked. Raises ``DateInFuture`` for a day after the site's today,
        ``CriteriaUnmet`` naming every criterion when one is not met.
        """
        day_key, day_field, field = STEP_FIELDS[step.kind]
        as_of = not_after(data[day_key], day_field, ground.today, ground.zone)
        evaluation = ladder_policy_on(as_of).evaluate(
            step, self.standing(ground.hired_on), ground.evidence, as_of
        )
        if not evaluation.met:
            raise CriteriaUnmet(step.label, field, evaluation.policy_version, evaluation.results)
        decided = {**meta, "policy_version": evaluation.policy_version}
        return decided, {**(before or {}), **data, "criteria": evaluation.as_payload()}

    def _require_agent(self, field: str, what: str) -> None:
        if self.track != Track.AGENT:
            raise NotOnTheLadder(
                f"{what} is for the agent track; this employee is on the {self.track} track",
                field=field,
                allowed="a change of track (changeTrack)",
            )

    def graduate(self, meta: dict, data: dict, ground: StepGround) -> None:
        self._require_agent("graduatedOn", "graduation")
        if self.graduated or self.star != FIRST_STAR:
            raise NotOnTheLadder(
                "the agent is no chick: they graduated already",
                field="employeeId",
                allowed="a one-star agent who has not graduated",
            )
        decided, payload = self._decide(Step(StepKind.GRADUATE), meta, data, ground)
        self._graduated(meta=decided, payload=payload)

    @event("Graduated")
    def _graduated(self, meta: dict, payload: dict) -> None:
        self.graduated = True
        self.remember(meta, CHICK_GRADUATED, self.version + 1)

    def promote(self, meta: dict, data: dict, ground: StepGround) -> None:
        to_star = data["to_star"]
        self._require_agent("toStar", "a star promotion")
        if self.star >= TOP_STAR or to_star != self.star + 1:
            raise StarLevelMismatch(self.star, to_star)
        if self.star == FIRST_STAR and not self.graduated:
            raise NotOnTheLadder(
                "a chick graduates before their first star promotion",
                field="toStar",
                allowed="graduation first (graduate)",
            )
        step = Step(StepKind.PROMOTE, to_star=to_star)
        decided, payload = self._decide(step, meta, data, ground, {"from_star": self.star})
        self._promoted(meta=decided, payload=payload)

    @event("Promoted")
    def _promoted(self, meta: dict, payload: dict) -> None:
        self.star = payload["to_star"]
        self.graduated = True
        self.level_since = payload["promoted_on"]
        self.remember(meta, STAR_PROMOTED, self.version + 1)

    def demote(self, meta: dict, data: dict, ground: StepGround) -> None:
        to_star = data["to_star"]
        self._require_agent("toStar", "a star demotion")
        if self.star <= FIRST_STAR or to_star != self.star - 1:
            raise NotOnTheLadder(
                f"a demotion goes one star down: the agent is at {self.star} stars, not {to_star + 1}",
                field="toStar",
                allowed=f"{self.star - 1}"
                if self.star > FIRST_STAR
                else "nothing: one star is the lowest",
            )
        step = Step(StepKind.DEMOTE, to_star=to_star)
        decided, payload = self._decide(step, meta, data, ground, {"from_star": self.star})
        self._demoted(meta=decided, payload=payload)

    @event("Demoted")
    def _demoted(self, meta: dict, payload: dict) -> None:
        self.star = payload["to_star"]
        self.level_since = payload["demoted_on"]
        self.remember(meta, STAR_DEMOTED, self.version + 1)

    def change_track(self, meta: dict, data: dict, ground: StepGround) -> None:
        to_track = data["to_track"]
        if to_track == self.track:
            raise NotOnTheLadder(
                f"the employee is on the {to_track} track already",
                field="toTrack",
                allowed="another track",
            )
        if self.track == Track.AGENT and self.star < TOP_STAR:
            raise NotOnTheLadder(
                f"only a five-star agent moves to another track; this one has {self.star} stars",
                field="toTrack",
                allowed="a star promotion first",
            )
        step = Step(StepKind.CHANGE_TRACK, to_track=to_track)
        decided, payload = self._decide(step, meta, data, ground, {"from_track": self.track})
        self._track_changed(meta=decided, payload=payload)

    @event("TrackChanged")
    def _track_changed(self, meta: dict, payload: dict) -> None:
        self.track = payload["to_track"]
        self.level_since = payload["changed_on"]
        self.post = None
        self.remember(meta, TRACK_CHANGED, self.version + 1)

    # what the energy leads to (decided by the energy manager, checked here)

    def _assessed(self, data: dict, asked: Consequence) -> EnergyAssessment:
        start, _end = week_of(dt.date.fromisoformat(data["window_start"]))
        kept = self.assessed_weeks.get(start.isoformat())
        assessment = _assessment_of(kept) if kept else assess_week(self.kpi_days(), start)
        if assessment.consequence is not asked:
            raise AssessmentDiffers(
                asked.value.replace("_", " "),
                f"{assessment.consequence.value} ({assessment.reason})",
            )
        week = assessment.window_start.isoformat()
        if week in self.weeks_decided:
            raise AlreadyRecorded(f"the decision on the week of {week}", "windowStart")
        return assessment

    def reward(self, meta: dict, data: dict) -> None:
        assessment = self._assessed(data, Consequence.REWARD)
        payload = {
            **_window(assessment),
            "reward_amount": str(assessment.reward_amount),
            "currency": "CNY",
        }
        self._rewarded(meta={**meta, "policy_version": assessment.policy_version}, payload=payload)

    @event("Rewarded")
    def _rewarded(self, meta: dict, payload: dict) -> None:
        self.weeks_decided[payload["window_start"]] = "reward"
        self.remember(meta, ENERGY_REWARDED, self.version + 1)

    def order_offpost_training(self, meta: dict, data: dict) -> None:
        assessment = self._assessed(data, Consequence.OFFPOST_TRAINING)
        if data["order_id"] in self.orders:
            raise AlreadyRecorded(f"off-post training order {data['order_id']!r}", "orderId")
        starts_on = assessment.window_end + dt.timedelta(days=1)
        payload = {
            "order_id": data["order_id"],
            **_window(assessment),
            "level": str(assessment.level),
            "days": assessment.offpost_days,
            "acceptance_test": assessment.acceptance_test,
            "starts_on": starts_on.isoformat(),
            "ends_on": (starts_on + dt.timedelta(days=assessment.offpost_days - 1)).isoformat(),
        }
        self._offpost_ordered(
            meta={**meta, "policy_version": assessment.policy_version}, payload=payload
        )

    @event("OffpostOrdered")
    def _offpost_ordered(self, meta: dict, payload: dict) -> None:
        self.weeks_decided[payload["window_start"]] = "offpost_training"
        self.orders[payload["order_id"]] = {
            "acceptance_test": payload["acceptance_test"],
            "starts_on": payload["starts_on"],
            "ends_on": payload["ends_on"],
            "repositioned": False,
            "window_start": payload["window_start"],
            "window_end": payload["window_end"],
            "policy_version": meta.get("policy_version"),
        }
        self.remember(meta, OFFPOST_TRAINING_ORDERED, self.version + 1)

    def reposition(self, meta: dict, data: dict) -> None:
        order = self.orders.get(data["order_id"])
        if order is None or not order["acceptance_test"]:
            raise NotAnOrder(
                data["order_id"], "is not an order with an acceptance test for this agent"
            )
        if order["repositioned"]:
            raise NotAnOrder(data["order_id"], "already led to a re-positioning")
        caused_by = {"window_start": order["window_start"], "window_end": order["window_end"]}
        policy = order.get("policy_version") or meta.get("policy_version")
        self._repositioned(
            meta={**meta, "policy_version": policy},
            payload={**data, "from_track": self.track, **caused_by},
        )

    @event("Repositioned")
    def _repositioned(self, meta: dict, payload: dict) -> None:
        self.orders[payload["order_id"]]["repositioned"] = True
        self.post = payload["to_post"]
        self.remember(meta, EMPLOYEE_REPOSITIONED, self.version + 1)


def _window(assessment: EnergyAssessment) -> dict[str, Any]:
    return {
        "window_start": assessment.window_start.isoformat(),
        "window_end": assessment.window_end.isoformat(),
        "kpi_days": assessment.kpi_days,
        "energy": str(assessment.energy),
    }


def _assessment_row(assessment: EnergyAssessment) -> list[Any]:
    return [
        assessment.policy_version,
        assessment.window_start.isoformat(),
        assessment.window_end.isoformat(),
        assessment.kpi_days,
        None if assessment.energy is None else str(assessment.energy),
        None if assessment.level is None else assessment.level.value,
        assessment.consequence.value,
        str(assessment.reward_amount),
        assessment.offpost_days,
        assessment.acceptance_test,
    ]


def _assessment_of(row: list[Any]) -> EnergyAssessment:
    version, start, end, days, energy, level, consequence, reward, offpost, test = row
    return EnergyAssessment(
        version,
        dt.date.fromisoformat(start),
        dt.date.fromisoformat(end),
        days,
        None if energy is None else Decimal(energy),
        None if level is None else EnergyLevel(level),
        Consequence(consequence),
        Decimal(reward),
        offpost,
        test,
    )


StarLadder.Snapshot = AerieSnapshot  # what the library takes of a record
