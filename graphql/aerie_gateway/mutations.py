"""Mutations: each records one event through the write side's command path."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from aerie_events.catalog import CATALOG, UnknownEventType
from aerie_services.base import Outcome
from aerie_services.errors import DomainError, InvalidInput
from aerie_services.people import EMPLOYEE_PLACEMENT
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.types import Info

from aerie_gateway.errors import domain_error
from aerie_gateway.identity import Identity
from aerie_gateway.permissions import COMPANY, MUTATIONS, SELF, WRITES, Placement, require
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


class MayRecord(BasePermission):
    """A mutation records one event type; ``WRITES`` says who may, for whom.

    The target is the employee the event is about, placed by the write side
    (a hire by the site and team it names). The check comes before the
    command path, so a refused write stores nothing, not even a dead letter.
    """

    message = "forbidden"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        given = kwargs["input"]
        kind = MUTATIONS[info.field_name] or given.type
        if kind not in CATALOG:
            raise domain_error(InvalidInput(UnknownEventType(kind)), prefix="input")
        identity: Identity = info.context.identity
        rule, what = WRITES[kind], f"recording {kind}"
        scope = rule.scope_of(identity.role)
        if scope is None or scope is COMPANY:
            require(identity, rule, what, None)
            return True
        employee_id = str(given.employee_id)
        if scope is SELF:
            require(identity, rule, what, Placement(employee_id=employee_id))
            return True
        now = await asyncio.to_thread(info.context.bus.facts.ask, EMPLOYEE_PLACEMENT, employee_id)
        if kind == "employee.hired":
            # an id already on another site's roster is refused like any other out-of-scope write
            if now is not None:
                require(identity, rule, what, Placement(employee_id, *now))
            now = (given.site_id, _given(given, "team_id"))
        require(identity, rule, what, Placement(employee_id, *now) if now else None)
        if kind == "employee.transferred":  # and it stays within the caller's scope
            to = Placement(employee_id, _given(given, "to_site_id"), _given(given, "to_team_id"))
            require(identity, rule, what, to)
        return True


def event_key(data: dict[str, Any], employee_id: Any) -> str | None:
    """The recorded event's Kafka key, as ``Envelope.key`` makes it (None: not known here)."""
    key = data.get("issue_id") or employee_id
    return str(key) if key else None


def _given(given: Any, name: str) -> Any:
    """A field of a typed input, or of ``publishEvent``'s payload."""
    if hasattr(given, name):
        return getattr(given, name)
    payload = getattr(given, "payload", None)
    return payload.get(name) if isinstance(payload, dict) else None


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
            info.context.bus.handle,
            kind,
            channel="graphql",
            actor=info.context.identity.actor,
            source=info.context.identity.source,
            **inputs,
        )
    except DomainError as error:
        raise domain_error(error, prefix=prefix, camel_case=camel_case) from None
    data = inputs.get("data") if isinstance(inputs.get("data"), dict) else {}
    anonymous = data.get("anonymous") is True
    employee_id = inputs.get("employee_id")
    return CommandResult(
        event_id=strawberry.ID(str(outcome.event_id)),
        type=outcome.event_type,
        context=outcome.context,
        position=outcome.position,
        duplicate=outcome.duplicate,
        employee_id=str(employee_id) if employee_id else None,
        partition_key=None if anonymous else event_key(data, employee_id),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[MayRecord], description="Record employee.hired.")
    async def hire_employee(self, info: Info, input: HireEmployeeInput) -> CommandResult:
        return await record(info, "employee.hired", input)

    @strawberry.mutation(permission_classes=[MayRecord], description="Record employee.transferred.")
    async def transfer_employee(self, info: Info, input: TransferEmployeeInput) -> CommandResult:
        return await record(info, "employee.transferred", input)

    @strawberry.mutation(permission_classes=[MayRecord], description="Record employee.left.")
    async def record_leaving(self, info: Info, input: RecordLeavingInput) -> CommandResult:
        return await record(info, "employee.left", input)

    @strawberry.mutation(permission_classes=[MayRecord], description="Record training.passed.")
    async def pass_training(self, info: Info, input: PassTrainingInput) -> CommandResult:
        return await record(info, "training.passed", input)

    @strawberry.mutation(
        permission_classes=[MayRecord], description="Record star.promoted (one star up)."
    )
    async def promote_star(self, info: Info, input: PromoteStarInput) -> CommandResult:
        return await record(info, "star.promoted", input)

    @strawberry.mutation(permission_classes=[MayRecord], description="Record issue.raised.")
    async def raise_issue(self, info: Info, input: RaiseIssueInput) -> CommandResult:
        return await record(info, "issue.raised", input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record coupon.granted, within the agent's limit.",
    )
    async def grant_coupon(self, info: Info, input: GrantCouponInput) -> CommandResult:
        return await record(info, "coupon.granted", input)

    @strawberry.mutation(permission_classes=[MayRecord], description="Record survey.answered.")
    async def answer_survey(self, info: Info, input: AnswerSurveyInput) -> CommandResult:
        return await record(info, "survey.answered", input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record any catalog event type; payload fields as in its JSON Schema.",
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
