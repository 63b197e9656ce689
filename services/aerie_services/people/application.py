"""Use cases of the roster."""

from __future__ import annotations

from aerie_services.base import Command, ContextApplication, Outcome
from aerie_services.errors import EmployeeHasLeft, UnknownEmployee
from aerie_services.people.domainmodel import Employee


class People(ContextApplication):
    context = "people"

    def hire(self, command: Command, site_id: str) -> Outcome:
        employee_id = str(command.employee_id)
        meta = command.meta(site_id=site_id)
        return self.decide(
            Employee.id_for(employee_id),
            command,
            lambda existing: Employee.hire(existing, employee_id, site_id, meta, command.data),
        )

    def transfer(self, command: Command) -> Outcome:
        def act(employee: Employee | None) -> Employee:
            employee = self._known(employee, command)
            employee.transfer(command.meta(site_id=command.data["to_site_id"]), command.data)
            return employee

        return self.decide(Employee.id_for(str(command.employee_id)), command, act)

    def record_leaving(self, command: Command) -> Outcome:
        def act(employee: Employee | None) -> Employee:
            employee = self._known(employee, command)
            employee.leave(command.meta(site_id=employee.site_id), command.data)
            return employee

        return self.decide(Employee.id_for(str(command.employee_id)), command, act)

    def active_employee(self, employee_id: str | None) -> Employee:
        """The employee, who must be hired and not have left; else a named error."""
        if not employee_id:
            raise UnknownEmployee(str(employee_id))
        employee = self.find(Employee.id_for(employee_id))
        if employee is None:
            raise UnknownEmployee(employee_id)
        if not employee.active:
            raise EmployeeHasLeft(employee_id)
        return employee

    @staticmethod
    def _known(employee: Employee | None, command: Command) -> Employee:
        if employee is None:
            raise UnknownEmployee(str(command.employee_id))
        return employee
