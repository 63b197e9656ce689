"""``publishEvent``: any catalog type, as a site or integration publishes it.

The roster's own mutations (hires, transfers, leavers) are the people context's
declared commands.
"""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from aerie_gateway.recording import CommandResult, MayRecord, handle


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
