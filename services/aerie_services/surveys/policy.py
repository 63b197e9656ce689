"""The anonymity rule surveys are shown under, as versioned data.

A survey records the threshold and the policy version in force when it was
published; its results are decided under that version for as long as it is
shown, whatever the rule becomes later.
"""

from __future__ import annotations

from dataclasses import dataclass

from aerie_events.fields import FieldProblem

from aerie_services.surveys.errors import InvalidSurvey


@dataclass(frozen=True)
class AnonymityPolicy:
    """No group smaller than ``minimum_group`` respondents is shown, to anyone."""

    version: str
    minimum_group: int

    def threshold_for(self, requested: int | None, floor: int | None = None) -> int:
        """The threshold a new survey records: the policy's, or a stricter one asked for.

        ``floor`` is the platform's setting (``AERIE_ANONYMITY_THRESHOLD``): it
        can raise the policy's minimum, never lower it.
        """
        minimum = max(self.minimum_group, floor or 0)
        if requested is None:
            return minimum
        if requested < minimum:
            raise InvalidSurvey(
                [
                    FieldProblem(
                        "anonymityThreshold",
                        f"{requested} is below the minimum of {minimum} ({self.version})",
                        f"at least {minimum}",
                    )
                ]
            )
        return requested


ANONYMITY = AnonymityPolicy(version="anonymity/2026-12", minimum_group=5)
"""The policy new surveys are published under. ``anonymity/2026-12`` adds to the threshold
and complementary withholding of ``anonymity/2026-01`` that no set of respondents the results
isolate may have answered an item (nearly) as one: no answer holding more than 80% of its
answers (the results' rule of each version: the satisfaction projection's ``disclosure``)."""
