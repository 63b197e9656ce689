"""The write path every mutation shares: may the caller record it, then the command path.

Each mutation records one kind of command (``MUTATIONS``; ``publishEvent`` the kind it is
given). ``MayRecord`` asks the write side whether the caller may (``Aerie.authorize``, the
command's own declaration) before the command path is called, so a write refused to the
caller stores nothing, not even a dead letter; an event type the catalog does not know is
kept as a dead letter, like any refused input. ``record`` sends the command as the caller
(the event's actor and source come from the token) and answers a ``CommandResult``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from aerie_events.catalog import CATALOG, UnknownEventType, key_of
from aerie_projections.profile import queries as profile_queries
from aerie_services.kit.access import Forbidden
from aerie_services.kit.base import Outcome
from aerie_services.kit.context import Handles
from aerie_services.kit.errors import DomainError, InvalidInput
from strawberry.permission import BasePermission
from strawberry.types import Info

from aerie_gateway.errors import domain_error
from aerie_gateway.permissions import Allowed, Placement, forbidden, target
from graphql import GraphQLError

if TYPE_CHECKING:
    from aerie_gateway.employees.types import ViewAfterWrite

EMPLOYEES = "aerie_gateway.employees.types"
"""The unified view's module, imported lazily: it is built on this one's mutations' results."""

OCCURRED_AT = "When it happened at the source (ISO 8601 with zone); now if omitted."
ENVELOPE_INPUTS = {"command_id", "employee_id", "occurred_at"}
"""Inputs that are the command's, not the event's payload (``site_id`` too, for a hire)."""
MAX_WAIT_MS = 5000


MUTATIONS: dict[str, str | None] = {}
"""The command kind each mutation records (None: ``publishEvent``, the kind it is given);
filled when the schema is built."""


def command_of(given: Any) -> dict[str, Any]:
    """``publishEvent``'s input as the command path takes it: its payload as ``data``."""
    values = {k: v for k, v in vars(given).items() if v is not None and k != "type"}
    return {**values, "data": values.pop("payload", None)}


def flat_inputs(given: Any) -> dict[str, Any]:
    """A mutation's input as flat snake-case fields (``publishEvent``'s payload spread out)."""
    values = plain(given)
    payload = values.pop("payload", None)
    values.pop("type", None)
    return {**(payload if isinstance(payload, dict) else {}), **values}


class MayRecord(BasePermission):
    """A mutation records one kind of command; its declaration says who may, for whom."""

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
        try:
            await asyncio.to_thread(
                info.context.bus.authorize, info.context.identity, kind, flat_inputs(given)
            )
        except Forbidden as refused:
            raise forbidden(refused) from None
        except DomainError as error:
            raise domain_error(error, prefix="input") from None
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


def plain(value: Any) -> Any:
    """An input's value as the command path takes it: records and lists of them as dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


async def record(info: Info, handles: Handles, given: Any) -> CommandResult:
    """Record ``handles.kind`` from its typed mutation input (fields as the command's)."""
    values = {k: v for k, v in plain(given).items() if v is not None}  # None: not given
    commands = ENVELOPE_INPUTS | ({"site_id"} if handles.takes_site else set())
    data = {k: v for k, v in values.items() if k not in commands}
    envelope = {k: v for k, v in values.items() if k in commands}
    return await handle(info, handles.kind, data=data, prefix="input", camel_case=True, **envelope)


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
    given = inputs.get("data")
    data: dict[str, Any] = given if isinstance(given, dict) else {}
    names_no_one = info.context.bus.names_no_one(kind)  # a survey answer: no view, no key
    by_key = data.get("follow_up_key") is not None  # an anonymous author's follow-up
    anonymous = data.get("anonymous") is True or by_key or names_no_one
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
