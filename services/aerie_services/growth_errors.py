"""Named domain errors of the growth paths: the ladder, KPIs, energy decisions, learning.

Each names the field at fault, what was wrong and what is allowed; a step
whose criteria are not met names every unmet criterion with its required and
its actual value (``criteria`` holds them all, met or not).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aerie_events.fields import FieldProblem

from aerie_services.errors import DomainError


class CriteriaUnmet(DomainError):
    """A ladder step the policy in force does not allow yet."""

    code = "CRITERIA_UNMET"

    def __init__(self, step: str, field: str, policy_version: str, criteria: Sequence[Any]) -> None:
        unmet = [c for c in criteria if not c.met]
        listed = "; ".join(f"{c.label}: {c.actual} (required: {c.required})" for c in unmet)
        super().__init__(
            f"the {step} does not meet policy {policy_version}: {listed}",
            field=field,
            allowed="a step whose every criterion is met",
        )
        self.policy_version = policy_version
        self.criteria = list(criteria)
        self._problems = [FieldProblem(field, f"{c.label}: {c.actual}", c.required) for c in unmet]

    @property
    def problems(self) -> list[FieldProblem]:
        return self._problems

    @property
    def details(self) -> dict[str, Any]:
        """Structured extensions: the policy and every criterion, met or not."""
        return {
            "policyVersion": self.policy_version,
            "criteria": [
                {
                    "key": c.key,
                    "label": c.label,
                    "required": c.required,
                    "actual": c.actual,
                    "met": c.met,
                }
                for c in self.criteria
            ],
        }


class NotOnTheLadder(DomainError):
    """A step that does not exist from where the employee stands (structure, not criteria)."""

    code = "NOT_A_LADDER_STEP"

    def __init__(self, message: str, field: str, allowed: str) -> None:
        super().__init__(message, field=field, allowed=allowed)


class DateInFuture(DomainError):
    code = "DATE_IN_FUTURE"

    def __init__(self, field: str, day: str, today: str, zone: str) -> None:
        super().__init__(
            f"{day} is after today ({today}) at the site ({zone})",
            field=field,
            allowed=f"a day up to {today}, the site's date today",
        )


class KpiTooLate(DomainError):
    code = "KPI_TOO_LATE"

    def __init__(self, day: str, earliest: str) -> None:
        super().__init__(
            f"a KPI fact for {day} comes after later days were recorded and outside the window "
            "the ladder reads",
            field="day",
            allowed=f"a day from {earliest}",
        )


class AssessmentDiffers(DomainError):
    """An energy decision the agent's own KPI record does not lead to."""

    code = "ASSESSMENT_DIFFERS"

    def __init__(self, asked: str, found: str) -> None:
        super().__init__(
            f"the week's KPI facts lead to {found}, not to {asked}",
            field="windowStart",
            allowed=f"the decision the week's energy leads to ({found})",
        )


class AlreadyPassed(DomainError):
    code = "ALREADY_PASSED"

    def __init__(self, course_id: str, passed_on: str) -> None:
        super().__init__(
            f"course {course_id!r} was already passed on {passed_on}",
            field="retake",
            allowed="true, when this pass is a retake of the course",
        )


class NoStudyPlan(DomainError):
    code = "NO_STUDY_PLAN"

    def __init__(self, day: str) -> None:
        super().__init__(
            f"no study plan runs on {day}",
            field="day",
            allowed="a day of the employee's running study plan",
        )


class StudyDayMet(DomainError):
    code = "STUDY_DAY_MET"

    def __init__(self, day: str) -> None:
        super().__init__(
            f"the required study of {day} was met",
            field="day",
            allowed="a day whose required study was missed",
        )


class InvalidStudyPlan(DomainError):
    code = "INVALID_STUDY_PLAN"

    def __init__(self, field: str, problem: str, allowed: str) -> None:
        super().__init__(f"the study plan {problem}", field=field, allowed=allowed)


class NotAnOrder(DomainError):
    code = "UNKNOWN_ORDER"

    def __init__(self, order_id: str, why: str) -> None:
        super().__init__(
            f"off-post training order {order_id!r} {why}",
            field="orderId",
            allowed="an off-post training order with an acceptance test, not re-positioned yet",
        )


class ScoreAbovePassMark(DomainError):
    code = "SCORE_NOT_BELOW_PASS_MARK"

    def __init__(self, score: int, pass_mark: int) -> None:
        super().__init__(
            f"a score of {score} reaches the pass mark {pass_mark}: that is a pass",
            field="score",
            allowed=f"a score under {pass_mark}",
        )
