"""The roster's refusals."""

from __future__ import annotations

from aerie_services.kit.errors import DomainError


class UnknownEmployee(DomainError):
    code = "UNKNOWN_EMPLOYEE"

    def __init__(self, employee_id: str) -> None:
        super().__init__(
            f"no employee {employee_id!r} has been hired",
            field="employeeId",
            allowed="the id of a hired employee",
        )


class EmployeeAlreadyHired(DomainError):
    code = "EMPLOYEE_ALREADY_HIRED"

    def __init__(self, employee_id: str) -> None:
        super().__init__(
            f"employee {employee_id!r} is already on the roster",
            field="employeeId",
            allowed="an id no one else has",
        )


class EmployeeHasLeft(DomainError):
    code = "EMPLOYEE_HAS_LEFT"

    def __init__(self, employee_id: str) -> None:
        super().__init__(
            f"employee {employee_id!r} has left the company",
            field="employeeId",
            allowed="an employee who is still on the roster",
        )


class NotATransfer(DomainError):
    code = "NOT_A_TRANSFER"

    def __init__(self) -> None:
        super().__init__(
            "the employee is already in that team",
            field="toTeamId",
            allowed="a team other than the current one",
        )
