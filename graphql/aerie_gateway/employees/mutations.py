"""Roster mutations (hires, transfers, leavers) and ``publishEvent`` for any catalog type."""

from __future__ import annotations

import strawberry
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from strawberry.scalars import JSON
from strawberry.types import Info

from aerie_gateway.recording import OCCURRED_AT, CommandResult, MayRecord, handle, record


@strawberry.input
class HireEmployeeInput:
    command_id: str
    employee_id: str
    site_id: str
    team_id: str
    display_name: str
    role: str = "agent"
    hired_on: str
    occurred_at: str | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input
class TransferEmployeeInput:
    command_id: str
    employee_id: str
    to_site_id: str
    to_team_id: str
    transferred_on: str
    occurred_at: str | None = None


@strawberry.input
class RecordLeavingInput:
    command_id: str
    employee_id: str
    left_on: str
    reason: str
    occurred_at: str | None = None


@strawberry.input(description="Any catalog event, as a site or integration publishes it.")
class PublishEventInput:
    type: str
    command_id: str
    payload: JSON
    employee_id: str | None = strawberry.field(
        default=None, description="The employee it is about; none for a type about no employee."
    )
    site_id: str | None = strawberry.field(default=None, description="Only for employee.hired.")
    occurred_at: str | None = None


@strawberry.type
class EmployeeMutations:
    @strawberry.mutation(permission_classes=[MayRecord], description="Record employee.hired.")
    async def hire_employee(self, info: Info, input: HireEmployeeInput) -> CommandResult:
        return await record(info, EMPLOYEE_HIRED, input)

    @strawberry.mutation(permission_classes=[MayRecord], description="Record employee.transferred.")
    async def transfer_employee(self, info: Info, input: TransferEmployeeInput) -> CommandResult:
        return await record(info, EMPLOYEE_TRANSFERRED, input)

    @strawberry.mutation(permission_classes=[MayRecord], description="Record employee.left.")
    async def record_leaving(self, info: Info, input: RecordLeavingInput) -> CommandResult:
        return await record(info, EMPLOYEE_LEFT, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record any catalog event type; payload fields as in its JSON Schema.",
    )
    async def publish_event(self, info: Info, input: PublishEventInput) -> CommandResult:
        return await handle(
            info,
            input.type,
            prefix="input.payload",
            camel_case=False,
            command_id=input.command_id,
            employee_id=input.employee_id,
            site_id=input.site_id,
            occurred_at=input.occurred_at,
            data=input.payload,
        )
