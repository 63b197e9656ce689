"""The eagle growth ladder: star levels 1 to 5, earned one at a time."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from aerie_services.base import AerieAggregate, stable_id
from aerie_services.errors import StarLevelMismatch

FIRST_STAR = 1
TOP_STAR = 5


class StarLadder(AerieAggregate):
    """An agent's place on the star ladder. Every new agent starts at one star."""

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

    def promote(self, meta: dict, data: dict) -> None:
        to_star = data["to_star"]
        if self.star >= TOP_STAR or to_star != self.star + 1:
            raise StarLevelMismatch(self.star, to_star)
        self._promoted(meta=meta, payload={"from_star": self.star, **data})

    @event("Promoted")
    def _promoted(self, meta: dict, payload: dict) -> None:
        self.star = payload["to_star"]
        self.remember(meta, "star.promoted", self.version + 1)
