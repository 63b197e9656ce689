"""The daily KPI facts a site publishes per agent, and how each one reads.

One definition per KPI drives the catalog's field checks (ranges), the
energy value's normalisation and the leaderboards' order (is a higher value
better, or a lower one, as for handling time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Kpi:
    """One key performance indicator of an agent's day."""

    name: str
    label: str
    kind: str  # "int" or "decimal"
    minimum: Decimal
    maximum: Decimal
    higher_is_better: bool = True

    def parse(self, value: Any) -> Decimal:
        """The KPI's value as a Decimal (payloads keep decimals as text)."""
        return Decimal(str(value))


KPIS: tuple[Kpi, ...] = (
    Kpi("calls_answered", "Calls answered", "int", Decimal(0), Decimal(1000)),
    Kpi(
        "average_handling_seconds",
        "Average handling time (seconds)",
        "int",
        Decimal(0),
        Decimal(7200),
        higher_is_better=False,
    ),
    Kpi(
        "first_contact_resolution",
        "First-contact resolution (%)",
        "decimal",
        Decimal(0),
        Decimal(100),
    ),
    Kpi(
        "customer_satisfaction", "Customer satisfaction (1 to 5)", "decimal", Decimal(1), Decimal(5)
    ),
    Kpi("qa_score", "Quality-inspection score (0 to 100)", "decimal", Decimal(0), Decimal(100)),
    Kpi(
        "attendance",
        "Attendance: share of the scheduled time present (%)",
        "decimal",
        Decimal(0),
        Decimal(100),
    ),
)
KPI_BY_NAME: dict[str, Kpi] = {k.name: k for k in KPIS}
KPI_NAMES: tuple[str, ...] = tuple(k.name for k in KPIS)

ENERGY = "energy"
"""The energy value is ranked on the boards like a KPI (higher is better)."""
BOARD_METRICS: tuple[str, ...] = (*KPI_NAMES, ENERGY)


def better_first(metric: str) -> bool:
    """True when a board ranks the highest value first (False: the lowest, as handling time)."""
    kpi = KPI_BY_NAME.get(metric)
    return True if kpi is None else kpi.higher_is_better


@dataclass(frozen=True)
class DailyKpi:
    """One agent's KPI facts for one local day at their site."""

    day: dt.date
    values: Mapping[str, Decimal]

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> DailyKpi:
        """From a ``kpi.recorded`` payload (day as ISO text, decimals as text)."""
        return cls(
            day=dt.date.fromisoformat(str(payload["day"])),
            values={k.name: k.parse(payload[k.name]) for k in KPIS},
        )

    def __getitem__(self, name: str) -> Decimal:
        return self.values[name]


def in_window(days: Sequence[DailyKpi], end: dt.date, length: int) -> list[DailyKpi]:
    """The days of ``days`` within the ``length`` days that end on ``end`` (inclusive)."""
    start = end - dt.timedelta(days=length - 1)
    return sorted((d for d in days if start <= d.day <= end), key=lambda d: d.day)


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The arithmetic mean to 2 decimals, or None for no values."""
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
