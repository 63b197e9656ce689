"""The write path every mutation shares: may the caller record it, then the command path.

A mutation records one event type (``permissions.MUTATIONS``); ``MayRecord``
checks the caller against that type's rule in ``permissions.WRITES`` before
the command path is called, so a write refused to the caller stores nothing,
not even a dead letter; an event type the catalog does not know is kept as a
dead letter, like any refused input. ``record`` sends the command as the caller (the event's actor
and source come from the token) and answers a ``CommandResult``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from aerie_events.catalog import CATALOG, UnknownEventType, key_of
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_TRANSFERRED
from aerie_projections.profile import queries as profile_queries
from aerie_services.kit.base import Outcome
from aerie_services.kit.bus import Aerie
from aerie_services.kit.errors import DomainError, InvalidInput
from aerie_services.people import EMPLOYEE_PLACEMENT
from psycopg_pool import AsyncConnectionPool
from strawberry.permission import BasePermission
from strawberry.types import Info

from aerie_gateway.errors import domain_error
from aerie_gateway.identity import Identity
from aerie_gateway.permissions import (
    COMPANY,
    MUTATIONS,
    SELF,
    WRITE_TARGETS,
    WRITES,
    Allowed,
    Placement,
    require,
    target,
)
from graphql import GraphQLError

if TYPE_CHECKING:
    from aerie_gateway.employees.types import ViewAfterWrite

EMPLOYEES = "aerie_gateway.employees.types"
"""The unified view's module, imported lazily: it is built on this one's mutations' results."""

OCCURRED_AT = "When it happened at the source (ISO 8601 with zone); now if omitted."
ENVELOPE_INPUTS = {"command_id", "employee_id", "occurred_at"}
"""Inputs that are the command's, not the event's payload (``site_id`` too, for a hire)."""
MAX_WAIT_MS = 5000


@dataclass(frozen=True)
class WriteServices:
    """What a write's target finder may use: the command path's facts, and the read models."""

    bus: Aerie
    pool: AsyncConnectionPool


async def authorize_write(
    identity: Identity, kind: str, inputs: Mapping[str, Any], services: WriteServices
) -> None:
    """Raise ``FORBIDDEN`` unless ``identity`` may record ``kind`` with these ``inputs``.

    ``inputs`` are the write's fields, flat and in snake case. The target is
    where the event lands: the employee it is about, placed by the write side
    (a hire by the site and team it names), or what ``@write_target`` says
    for a kind that names no employee.
    """
    rule, what = WRITES[kind], f"recording {kind}"
    scope = rule.scope_of(identity.role)
    if scope is None or scope is COMPANY:
        require(identity, rule, what, None)
        return
    finder = WRITE_TARGETS.get(kind)
    if finder is not None:
        require(identity, rule, what, await finder(inputs, services))
        return
    employee_id = str(inputs.get("employee_id"))
    if scope is SELF:
        require(identity, rule, what, Placement(employee_id=employee_id))
        return
    now = await asyncio.to_thread(services.bus.facts.ask, EMPLOYEE_PLACEMENT, employee_id)
    if kind == EMPLOYEE_HIRED:
        # an id already on another site's roster is refused like any other out-of-scope write
        if now is not None:
            require(identity, rule, what, Placement(employee_id, *now))
        now = (inputs.get("site_id"), inputs.get("team_id"))
    require(identity, rule, what, Placement(employee_id, *now) if now else None)
    if kind == EMPLOYEE_TRANSFERRED:  # and it stays within the caller's scope
        to = Placement(employee_id, inputs.get("to_site_id"), inputs.get("to_team_id"))
        require(identity, rule, what, to)


def command_of(given: Any) -> dict[str, Any]:
    """``publishEvent``'s input as the command path takes it: its payload as ``data``."""
    values = {k: v for k, v in vars(given).items() if v is not None and k != "type"}
    return {**values, "data": values.pop("payload", None)}


def flat_inputs(given: Any) -> dict[str, Any]:
    """A mutation's input as flat snake-case fields (``publishEvent``'s payload spread out)."""
    values = dict(vars(given))
    payload = values.pop("payload", None)
    values.pop("type", None)
    return {**(payload if isinstance(payload, dict) else {}), **values}


class MayRecord(BasePermission):
    """A mutation records one event type; ``WRITES`` says who may, for whom."""

    message = "forbidden"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        given = kwargs["input"]
        kind = MUTATIONS[info.field_name] or given.type
        if kind not in CATALOG:  # kept as a dead letter, like any refused input
            refused = InvalidInput(UnknownEventType(kind))
            await asyncio.to_thread(
                info.context.bus.dead_letter, "graphql", kind, command_of(given), refused
            )
            raise domain_error(refused, prefix="input")
        services = WriteServices(info.context.bus, info.context.pool)
        await authorize_write(info.context.identity, kind, flat_inputs(given), services)
        return True


@strawberry.type(description="What a command recorded (or had recorded, when retried).")
class CommandResult:
    event_id: strawberry.ID
    type: str
    context: str
    position: int | None
    duplicate: bool
    employee_id: strawberry.Private[str | None] = None
    partition_key: strawberry.Private[str | None] = None

    @strawberry.field(
        permission_classes=[Allowed],
        description=(
            "The employee's unified view once it shows this write: the answer waits up to "
            f"waitMs (at most {MAX_WAIT_MS}) for the projection, then says PENDING. "
            "No need to poll. Null for a write about no employee."
        ),
    )
    async def view(
        self, info: Info, wait_ms: int = 2000
    ) -> Annotated[ViewAfterWrite, strawberry.lazy(EMPLOYEES)] | None:
        from aerie_gateway.employees.types import Employee, ViewAfterWrite, ViewStatus

        if not 0 <= wait_ms <= MAX_WAIT_MS:
            raise GraphQLError(
                f"waitMs: {wait_ms} is out of range (allowed: 0 to {MAX_WAIT_MS})",
                extensions={"code": "INVALID_ARGUMENT", "field": "waitMs"},
            )
        if self.employee_id is None:
            return None
        applied = await info.context.freshness.applied(
            "profile", self.context, self.partition_key, self.position, wait_ms / 1000
        )
        async with info.context.pool.connection() as conn:  # read afresh, after the wait
            rows = await profile_queries.employees(conn, [self.employee_id])
        row = rows.get(self.employee_id)
        return ViewAfterWrite(
            status=ViewStatus.APPLIED if applied else ViewStatus.PENDING,
            employee=Employee.from_row(row) if row else None,
        )


@target("CommandResult.view")
async def _written_about(
    source: CommandResult, info: Info, _arguments: dict[str, Any]
) -> Placement | None:
    if source.employee_id is None:  # no view to guard (it is null): the caller's own to read
        return Placement(employee_id=info.context.identity.subject)
    row = (await profile_rows_of(info, [source.employee_id]))[0]
    if row is None:  # not projected yet: only its own employee is known to reach it
        return Placement(employee_id=source.employee_id)
    return Placement(row["employee_id"], row["site_id"], row["team_id"])


async def profile_rows_of(info: Info, employee_ids: list[str]) -> list[dict[str, Any] | None]:
    from aerie_gateway.employees.types import profile_rows

    return await info.context.loaders.of(profile_rows).load_many(employee_ids)


async def record(info: Info, kind: str, given: Any) -> CommandResult:
    """Record ``kind`` from a typed mutation input (its fields as the event's, in snake case)."""
    values = {k: v for k, v in vars(given).items() if v is not None}  # None: not given
    _context, handles = info.context.bus.registry.handlers[kind]
    commands = ENVELOPE_INPUTS | ({"site_id"} if handles.takes_site else set())
    data = {k: v for k, v in values.items() if k not in commands}
    envelope = {k: v for k, v in values.items() if k in commands}
    return await handle(info, kind, data=data, prefix="input", camel_case=True, **envelope)


async def handle(
    info: Info, kind: str, *, prefix: str, camel_case: bool, **inputs: Any
) -> CommandResult:
    """Send one command as the caller; a domain error becomes a coded GraphQL error."""
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
    names_no_one = info.context.bus.names_no_one(kind)  # a survey answer: no view, no key
    anonymous = data.get("anonymous") is True or names_no_one
    employee_id = None if names_no_one else inputs.get("employee_id")
    return CommandResult(
        event_id=strawberry.ID(str(outcome.event_id)),
        type=outcome.event_type,
        context=outcome.context,
        position=outcome.position,
        duplicate=outcome.duplicate,
        employee_id=str(employee_id) if employee_id else None,
        partition_key=None if anonymous else key_of(kind, data, employee_id),
    )
