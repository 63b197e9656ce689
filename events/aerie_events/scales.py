"""What a survey's answer scales mean: their range, and which answers are favourable.

Part of the contract: a survey question names its scale (``"1-5"`` or
``"0-10"``), answers are whole numbers on it, and every consumer reads the
favourable and unfavourable bands, and the eNPS item's promoters and
detractors, from here. The bands are versioned (``SCALES_VERSION``): a
change is a new version, and results say which one read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SCALES_VERSION = "scales/2026-01"
HISTOGRAM_SIZE = 11
"""Answers are counted per value 0..10: every scale's values fit in one histogram."""


@dataclass(frozen=True)
class Scale:
    """A closed range of whole numbers, with its favourable and unfavourable bands."""

    name: str
    low: int
    high: int
    favourable_from: int
    unfavourable_to: int

    def contains(self, value: object) -> bool:
        """True for a whole number (not a bool) on this scale."""
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    def allowed(self) -> str:
        """Say, for a person, what an answer on this scale may be."""
        return f"a whole number from {self.low} to {self.high}"

    def favourable(self, histogram: Sequence[int]) -> int:
        """How many answers counted in ``histogram`` (index = value) are favourable."""
        return sum(histogram[self.favourable_from : self.high + 1])

    def unfavourable(self, histogram: Sequence[int]) -> int:
        """How many answers counted in ``histogram`` (index = value) are unfavourable."""
        return sum(histogram[self.low : self.unfavourable_to + 1])

    def as_percent(self, mean: float) -> float:
        """A mean on this scale as 0 (the scale's low end) to 100 (its high end)."""
        return (mean - self.low) / (self.high - self.low) * 100.0


SCALES: dict[str, Scale] = {
    "1-5": Scale("1-5", low=1, high=5, favourable_from=4, unfavourable_to=2),
    "0-10": Scale("0-10", low=0, high=10, favourable_from=7, unfavourable_to=3),
}
"""1-5: 4-5 favourable, 1-2 unfavourable; 0-10: 7-10 favourable, 0-3 unfavourable."""

ENPS_SCALE = "0-10"
PROMOTERS_FROM = 9
DETRACTORS_TO = 6
"""eNPS: the share of promoters (9-10) minus the share of detractors (0-6), in points."""


def enps(histogram: Sequence[int]) -> float | None:
    """The employee net promoter score of the answers in ``histogram``, -100..100."""
    answers = sum(histogram)
    if not answers:
        return None
    promoters = sum(histogram[PROMOTERS_FROM:])
    detractors = sum(histogram[: DETRACTORS_TO + 1])
    return (promoters - detractors) / answers * 100.0
