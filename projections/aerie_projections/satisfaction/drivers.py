"""Driver analysis: importance against performance, quadrants, and what to fix first.

Importance-performance analysis (Martilla and James) with derived importance:
a driver's importance is its Pearson correlation with overall satisfaction
in the group, its performance how well it scores there (the mean as 0-100 of
its scale, the favourable share in percent, or the share not unfavourable, so
that the shortfall is the dissatisfaction rate). The matrix is split at the
drivers' mean importance and mean performance (data-centred), giving four
quadrants. The priority of a driver is its importance times its shortfall
(``importance * (100 - performance) / 100``, importance below 0 counting as
0: a driver the less satisfied rate higher is not one whose improvement raises
satisfaction, and its shortfall must not rank it below drivers of no
importance); the ranking puts the drivers to concentrate on (high importance, low
performance) first, each quadrant by priority. Each driver is compared with
the same question in the previous wave of the survey's series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ANALYSIS_VERSION = "ipa/mean-centred/2026-01"

CONCENTRATE_HERE = "CONCENTRATE_HERE"
KEEP_UP = "KEEP_UP_THE_GOOD_WORK"
LOW_PRIORITY = "LOW_PRIORITY"
POSSIBLE_OVERKILL = "POSSIBLE_OVERKILL"
QUADRANT_ORDER = (CONCENTRATE_HERE, KEEP_UP, LOW_PRIORITY, POSSIBLE_OVERKILL)


@dataclass(frozen=True)
class DriverPoint:
    """One driver in one group of one wave: importance (r, -1..1) and performance (0-100)."""

    question_id: str
    text: str
    importance: float | None
    performance: float


@dataclass(frozen=True)
class RankedDriver:
    """A driver placed in the matrix and ranked, next to its previous wave."""

    point: DriverPoint
    quadrant: str
    priority: float
    rank: int
    previous: DriverPoint | None = None
    previous_rank: int | None = None
    previous_quadrant: str | None = None

    @property
    def importance_change(self) -> float | None:
        if self.previous is None or self.previous.importance is None:
            return None
        if self.point.importance is None:
            return None
        return self.point.importance - self.previous.importance

    @property
    def performance_change(self) -> float | None:
        return None if self.previous is None else self.point.performance - self.previous.performance


@dataclass(frozen=True)
class DriverAnalysis:
    """The ranked drivers of one group, with the cuts that split the matrix."""

    drivers: tuple[RankedDriver, ...]
    importance_cut: float | None
    performance_cut: float | None
    version: str = ANALYSIS_VERSION


def priority_of(point: DriverPoint) -> float:
    """Importance times shortfall: high when a driver matters and scores low."""
    importance = max(point.importance or 0.0, 0.0)
    return importance * (100.0 - point.performance) / 100.0


def quadrant_of(point: DriverPoint, importance_cut: float, performance_cut: float) -> str:
    important = (point.importance or 0.0) >= importance_cut
    performing = point.performance >= performance_cut
    if important:
        return KEEP_UP if performing else CONCENTRATE_HERE
    return POSSIBLE_OVERKILL if performing else LOW_PRIORITY


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _placed(
    points: Sequence[DriverPoint],
) -> tuple[list[tuple[DriverPoint, str, float]], float | None, float | None]:
    importance_cut = _mean([p.importance for p in points if p.importance is not None])
    performance_cut = _mean([p.performance for p in points])
    if importance_cut is None or performance_cut is None:
        placed = [(p, LOW_PRIORITY, priority_of(p)) for p in points]
    else:
        placed = [
            (p, quadrant_of(p, importance_cut, performance_cut), priority_of(p)) for p in points
        ]
    placed.sort(key=lambda x: (QUADRANT_ORDER.index(x[1]), -x[2], x[0].question_id))
    return placed, importance_cut, performance_cut


def analyse(points: Sequence[DriverPoint], previous: Sequence[DriverPoint] = ()) -> DriverAnalysis:
    """Place and rank ``points``; compare each with the same question in ``previous``."""
    placed, importance_cut, performance_cut = _placed(points)
    before, _, _ = _placed(previous)
    earlier = {
        p.question_id: (p, quadrant, rank) for rank, (p, quadrant, _) in enumerate(before, 1)
    }
    ranked = []
    for rank, (point, quadrant, priority) in enumerate(placed, 1):
        prior = earlier.get(point.question_id)
        ranked.append(
            RankedDriver(
                point=point,
                quadrant=quadrant,
                priority=priority,
                rank=rank,
                previous=prior[0] if prior else None,
                previous_quadrant=prior[1] if prior else None,
                previous_rank=prior[2] if prior else None,
            )
        )
    return DriverAnalysis(tuple(ranked), importance_cut, performance_cut)
