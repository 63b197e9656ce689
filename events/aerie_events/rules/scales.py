"""What a survey's answer scales mean: their range, and which answers are favourable.

Part of the contract: a survey question names its scale (``"1-5"`` or
``"0-10"``), answers are whole numbers on it, and every consumer reads the
favourable and unfavourable bands, and the eNPS item's promoters and
detractors, from here. The bands are versioned: a change is a new entry of
``SCALE_VERSIONS`` (and ``SCALES_VERSION`` names it for surveys published
from then on). A survey records the version it was published under, and its
results are read with that version's bands for as long as it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SCALES_VERSION = "scales/2026-01"
HISTOGRAM_SIZE = 11
"""Answers are counted per value 0..10: every scale's values fit in one histogram."""


@dataclass(frozen=True)
class Scale:
    """A closed range of whole numbers, with its favourable and unfavourable bands.

    A scale an eNPS item can be asked on also has its promoters' and detractors' bands.
    """

    name: str
    low: int
    high: int
    favourable_from: int
    unfavourable_to: int
    promoters_from: int | None = None
    detractors_to: int | None = None

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

    def is_promoter(self, value: int) -> bool:
        return self.promoters_from is not None and value >= self.promoters_from

    def is_detractor(self, value: int) -> bool:
        return self.detractors_to is not None and value <= self.detractors_to

    def enps(self, histogram: Sequence[int]) -> float | None:
        """The employee net promoter score of the answers in ``histogram``, -100..100.

        The share of promoters minus the share of detractors, in points; None
        without answers, or on a scale that has no eNPS bands.
        """
        answers = sum(histogram)
        if not answers or self.promoters_from is None or self.detractors_to is None:
            return None
        promoters = sum(histogram[self.promoters_from : self.high + 1])
        detractors = sum(histogram[self.low : self.detractors_to + 1])
        return (promoters - detractors) / answers * 100.0


SCALE_VERSIONS: dict[str, dict[str, Scale]] = {
    "scales/2026-01": {
        "1-5": Scale("1-5", low=1, high=5, favourable_from=4, unfavourable_to=2),
        "0-10": Scale(
            "0-10",
            low=0,
            high=10,
            favourable_from=7,
            unfavourable_to=3,
            promoters_from=9,
            detractors_to=6,
        ),
    },
}
"""Each version's scales. ``scales/2026-01``: 1-5 favourable 4-5, unfavourable 1-2; 0-10
favourable 7-10, unfavourable 0-3, eNPS promoters 9-10 and detractors 0-6. A new version is
a new entry: the scales' names and ranges stay, their bands may change."""

SCALES = SCALE_VERSIONS[SCALES_VERSION]
"""The scales a survey published now is asked and read on."""

ENPS_SCALE = "0-10"


def scales_of(version: str) -> dict[str, Scale]:
    """The scales of a recorded version; ``LookupError`` for a version this code does not know."""
    try:
        return SCALE_VERSIONS[version]
    except KeyError:
        raise LookupError(
            f"no scales of version {version!r}: known are {', '.join(SCALE_VERSIONS)}"
        ) from None


def enps(histogram: Sequence[int]) -> float | None:
    """eNPS of the answers in ``histogram`` on the current 0-10 scale (see ``Scale.enps``)."""
    return SCALES[ENPS_SCALE].enps(histogram)
