"""The roster: who works where, in which team, in which post."""

from __future__ import annotations

from typing import Any

from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from eventsourcing.domain import event

from aerie_services.kit.base import AerieAggregate, stable_id
from aerie_services.people.errors import EmployeeAlreadyHired, EmployeeHasLeft, NotATransfer


class Employee(AerieAggregate):
    """An employee's place on the roster: site, team, post, and whether they left."""

    @staticmethod
    def id_for(employee_id: str) -> Any:
        return stable_id("employee", employee_id)

    @staticmethod
    def create_id(employee_id: str) -> Any:
        return Employee.id_for(employee_id)

    @event("Hired")
    def __init__(self, employee_id: str, site_id: str, meta: dict, payload: dict) -> None:
        self.employee_id = employee_id
        self.site_id = site_id
        self.team_id = payload["team_id"]
        self.role = payload["role"]
        self.hired_on = payload["hired_on"]
        self.active = True
        self.remember(meta, EMPLOYEE_HIRED, 1)

    @classmethod
    def hire(
        cls, existing: Employee | None, employee_id: str, site_id: str, meta: dict, payload: dict
    ) -> Employee:
        if existing is not None:
            raise EmployeeAlreadyHired(employee_id)
        return cls(employee_id=employee_id, site_id=site_id, meta=meta, payload=payload)

    def transfer(self, meta: dict, data: dict) -> None:
        self._require_active()
        if (data["to_site_id"], data["to_team_id"]) == (self.site_id, self.team_id):
            raise NotATransfer()
        payload = {"from_site_id": self.site_id, "from_team_id": self.team_id, **data}
        self._transferred(meta=meta, payload=payload)

    @event("Transferred")
    def _transferred(self, meta: dict, payload: dict) -> None:
        self.site_id = payload["to_site_id"]
        self.team_id = payload["to_team_id"]
        self.remember(meta, EMPLOYEE_TRANSFERRED, self.version + 1)

    def leave(self, meta: dict, payload: dict) -> None:
        self._require_active()
        self._left(meta=meta, payload=payload)

    @event("Left")
    def _left(self, meta: dict, payload: dict) -> None:
        self.active = False
        self.remember(meta, EMPLOYEE_LEFT, self.version + 1)

    def _require_active(self) -> None:
        if not self.active:
            raise EmployeeHasLeft(self.employee_id)
