"""The anonymity rule surveys are shown under, as versioned data.

A survey records the threshold and the policy version in force when it was
published; its results are decided under that version for as long as it is
shown, whatever the rule becomes later.
"""

from __future__ import annotations

from dataclasses import dataclass

from aerie_events.fields import FieldProblem

from aerie_services.surveys.refusals import InvalidSurvey


@dataclass(frozen=True)
class AnonymityPolicy:
    """No group smaller than ``minimum_group`` respondents is shown, to anyone."""

    version: str
    minimum_group: int

    def threshold_for(self, requested: int | None) -> int:
        """The threshold a new survey records: the policy's, or a stricter one it asks for."""
        if requested is None:
            return self.minimum_group
        if requested < self.minimum_group:
            raise InvalidSurvey(
                [
                    FieldProblem(
                        "anonymityThreshold",
                        f"{requested} is below the policy's {self.minimum_group} ({self.version})",
                        f"at least {self.minimum_group}",
                    )
                ]
            )
        return requested


ANONYMITY = AnonymityPolicy(version="anonymity/2026-01", minimum_group=5)
