"""Refusals of the growth ladder, the KPI facts and the energy decisions.

A step whose criteria are not met names every unmet criterion with its required and its
actual value (``criteria`` holds them all, met or not).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aerie_events.fields import FieldProblem

from aerie_services.kit.errors import DomainError


class StarLevelMismatch(DomainError):
    code = "STAR_LEVEL_MISMATCH"

    def __init__(self, current: int, to_star: int) -> None:
        super().__init__(
            f"a promotion goes one star up: the agent is at {current} stars, not {to_star - 1}",
            field="toStar",
            allowed=f"{current + 1}" if current < 5 else "nothing: 5 stars is the top",
        )


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


class RegroupingNotPossible(DomainError):
    """A regrouping the site's available agents cannot be formed into, or asked wrongly."""

    code = "INVALID_ARGUMENT"

    def __init__(self, field: str, problem: str, allowed: str) -> None:
        super().__init__(problem, field=field, allowed=allowed)
