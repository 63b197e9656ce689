"""Mutations: each records one event through the write side's command path."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from aerie_services.base import Outcome
from aerie_services.errors import DomainError
from strawberry.scalars import JSON
from strawberry.types import Info

from aerie_gateway.errors import domain_error
from aerie_gateway.types import CommandResult

OCCURRED_AT = "When it happened at the source (ISO 8601 with zone); now if omitted."


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


@strawberry.input
class PassTrainingInput:
    command_id: str = strawberry.field(
        description="The LMS statement id: a retry records nothing new."
    )
    employee_id: str
    course_id: str
    course_title: str
    score: int
    pass_mark: int
    passed_on: str
    occurred_at: str | None = None


@strawberry.input
class PromoteStarInput:
    command_id: str
    employee_id: str
    to_star: int
    reason: str
    promoted_on: str
    occurred_at: str | None = None


@strawberry.input
class RaiseIssueInput:
    command_id: str
    employee_id: str
    issue_id: str
    department: str
    title: str
    description: str
    anonymous: bool = False
    occurred_at: str | None = None


@strawberry.input
class GrantCouponInput:
    command_id: str
    employee_id: str
    coupon_id: str
    customer_ref: str
    scenario: str
    amount: str = strawberry.field(description='Decimal amount, e.g. "30.00".')
    currency: str = "CNY"
    occurred_at: str | None = None


@strawberry.input
class AnswerSurveyInput:
    command_id: str
    employee_id: str
    survey_id: str
    overall: int
    drivers: JSON
    comment: str | None = None
    occurred_at: str | None = None


@strawberry.input(description="Any catalog event, as a site or integration publishes it.")
class PublishEventInput:
    type: str
    command_id: str
    employee_id: str
    payload: JSON
    site_id: str | None = strawberry.field(default=None, description="Only for employee.hired.")
    occurred_at: str | None = None


ENVELOPE_INPUTS = {"command_id", "employee_id", "site_id", "occurred_at"}


async def record(info: Info, kind: str, given: Any) -> CommandResult:
    values = {k: v for k, v in vars(given).items() if not (k == "comment" and v is None)}
    data = {k: v for k, v in values.items() if k not in ENVELOPE_INPUTS}
    envelope = {k: v for k, v in values.items() if k in ENVELOPE_INPUTS}
    return await _handle(info, kind, data=data, prefix="input", camel_case=True, **envelope)


async def _handle(
    info: Info, kind: str, *, prefix: str, camel_case: bool, **inputs: Any
) -> CommandResult:
    try:
        outcome: Outcome = await asyncio.to_thread(
            info.context.bus.handle, kind, channel="graphql", actor=info.context.actor, **inputs
        )
    except DomainError as error:
        raise domain_error(error, prefix=prefix, camel_case=camel_case) from None
    return CommandResult(
        event_id=strawberry.ID(str(outcome.event_id)),
        type=outcome.event_type,
        context=outcome.context,
        position=outcome.position,
        duplicate=outcome.duplicate,
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Record employee.hired.")
    async def hire_employee(self, info: Info, input: HireEmployeeInput) -> CommandResult:
        return await record(info, "employee.hired", input)

    @strawberry.mutation(description="Record employee.transferred.")
    async def transfer_employee(self, info: Info, input: TransferEmployeeInput) -> CommandResult:
        return await record(info, "employee.transferred", input)

    @strawberry.mutation(description="Record employee.left.")
    async def record_leaving(self, info: Info, input: RecordLeavingInput) -> CommandResult:
        return await record(info, "employee.left", input)

    @strawberry.mutation(description="Record training.passed.")
    async def pass_training(self, info: Info, input: PassTrainingInput) -> CommandResult:
        return await record(info, "training.passed", input)

    @strawberry.mutation(description="Record star.promoted (one star up).")
    async def promote_star(self, info: Info, input: PromoteStarInput) -> CommandResult:
        return await record(info, "star.promoted", input)

    @strawberry.mutation(description="Record issue.raised.")
    async def raise_issue(self, info: Info, input: RaiseIssueInput) -> CommandResult:
        return await record(info, "issue.raised", input)

    @strawberry.mutation(description="Record coupon.granted, within the agent's limit.")
    async def grant_coupon(self, info: Info, input: GrantCouponInput) -> CommandResult:
        return await record(info, "coupon.granted", input)

    @strawberry.mutation(description="Record survey.answered.")
    async def answer_survey(self, info: Info, input: AnswerSurveyInput) -> CommandResult:
        return await record(info, "survey.answered", input)

    @strawberry.mutation(
        description="Record any catalog event type; payload fields as in its JSON Schema."
    )
    async def publish_event(self, info: Info, input: PublishEventInput) -> CommandResult:
        return await _handle(
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
