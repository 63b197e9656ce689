"""Use cases of the roster."""

from __future__ import annotations

from typing import Any

from aerie_services.kit.base import Command, ContextApplication, Outcome
from aerie_services.people.domainmodel import Employee
from aerie_services.people.errors import EmployeeHasLeft, UnknownEmployee


class People(ContextApplication):
    """Who works where: hires, transfers, leavers."""

    def hire_employee(self, command: Command, _facts: Any) -> Outcome:
        employee_id = str(command.employee_id)
        site_id = str(command.site_id)
        meta = command.meta(site_id=site_id)
        return self.decide(
            Employee.id_for(employee_id),
            command,
            lambda existing: Employee.hire(existing, employee_id, site_id, meta, command.data),
        )

    def transfer_employee(self, command: Command, _facts: Any) -> Outcome:
        def act(employee: Employee | None) -> Employee:
            employee = self._known(employee, command)
            employee.transfer(command.meta(site_id=command.data["to_site_id"]), command.data)
            return employee

        return self.decide(Employee.id_for(str(command.employee_id)), command, act)

    def record_leaving(self, command: Command, _facts: Any) -> Outcome:
        def act(employee: Employee | None) -> Employee:
            employee = self._known(employee, command)
            employee.leave(command.meta(site_id=employee.site_id), command.data)
            return employee

        return self.decide(Employee.id_for(str(command.employee_id)), command, act)

    def site_of_active(self, employee_id: str | None) -> str:
        """The site of an employee who is hired and has not left; else a named error."""
        if not employee_id:
            raise UnknownEmployee(str(employee_id))
        employee = self.find(Employee.id_for(employee_id))
        if employee is None:
            raise UnknownEmployee(employee_id)
        if not employee.active:
            raise EmployeeHasLeft(employee_id)
        return str(employee.site_id)

    def placement_of(self, employee_id: str | None) -> tuple[str, str] | None:
        """``(site, team)`` of an employee on the roster, or None for an unknown or departed one."""
        employee = self.find(Employee.id_for(employee_id)) if employee_id else None
        if employee is None or not employee.active:
            return None
        return str(employee.site_id), str(employee.team_id)

    def hired_on_of(self, employee_id: str | None) -> str | None:
        """The employee's first working day (ISO date), or None for one never hired."""
        employee = self.find(Employee.id_for(employee_id)) if employee_id else None
        return getattr(employee, "hired_on", None) if employee is not None else None

    @staticmethod
    def _known(employee: Employee | None, command: Command) -> Employee:
        if employee is None:
            raise UnknownEmployee(str(command.employee_id))
        return employee
