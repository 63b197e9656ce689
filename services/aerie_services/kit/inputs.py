"""What a caller may ask for, and how its input is checked.

A command's fields are its event type's payload fields less those the domain
decides (a transfer's origin, a promotion's starting star, a coupon's limit), as
the context's registry entry declares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aerie_events.catalog import event_type
from aerie_events.fields import ID_PATTERN, Field, FieldProblem, PayloadInvalid, clean_payload

from aerie_services.kit.base import Command, utc_now_iso

_COMMAND_ID = {
    "command_id": Field("id", "Idempotency key: a retry with the same id records nothing new."),
}
_EMPLOYEE = {"employee_id": Field("id", "The employee the event is about.")}
_OCCURRED_AT = {
    "occurred_at": Field("datetime", "When it happened at the source.", required=False),
}
_SITE = {"site_id": Field("id", "The site the command decides (a hire's).")}


def command_fields(
    kind: str,
    decided_by_domain: frozenset[str] = frozenset(),
    takes: Mapping[str, Field] | None = None,
) -> dict[str, Field]:
    """The data fields a command of ``kind`` takes (raises for an unknown kind): its event's
    payload fields less those the domain decides, and the command's own (``takes``)."""
    fields = event_type(kind).fields
    given = {name: spec for name, spec in fields.items() if name not in decided_by_domain}
    return {**given, **(takes or {})}


def build_command(
    kind: str,
    *,
    command_id: Any,
    data: Any,
    employee_id: Any = None,
    occurred_at: Any = None,
    site_id: Any = None,
    actor: dict[str, str] | None = None,
    source: dict[str, str] | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    decided_by_domain: frozenset[str] = frozenset(),
    takes: Mapping[str, Field] | None = None,
    takes_site: bool = False,
    about_employee: bool = True,
    states_time: bool = True,
) -> Command:
    """Check every input at once; return the command.

    ``about_employee`` False: the kind names no employee, and one given is
    refused (the domain decides whom such an event is about, if anyone).
    ``states_time`` False: the caller may not say when it happened (the rules
    decide from the time): an ``occurred_at`` given is refused, and the
    command happens now.
    Raises ``PayloadInvalid`` (or ``UnknownEventType``) listing every problem.
    """
    fields = command_fields(kind, decided_by_domain, takes)
    problems: list[FieldProblem] = []
    envelope_fields = {
        **_COMMAND_ID,
        **(_EMPLOYEE if about_employee else {}),
        **_OCCURRED_AT,
        **(_SITE if takes_site else {}),
    }
    envelope_input = {
        "command_id": command_id,
        **({"employee_id": employee_id} if about_employee else {}),
        "occurred_at": occurred_at,
        **({"site_id": site_id} if takes_site else {}),
    }
    if not about_employee and employee_id is not None:
        problems.append(
            FieldProblem(
                "employee_id",
                f"is not taken by {kind}: the platform decides whom it is about",
                "no employeeId",
            )
        )
    if not states_time and occurred_at is not None:
        problems.append(
            FieldProblem(
                "occurred_at",
                f"is not taken by {kind}: its rules decide from when the platform records it",
                "no occurredAt",
            )
        )
    envelope: dict[str, Any] = {}
    try:
        envelope = clean_payload(envelope_fields, envelope_input)
    except PayloadInvalid as invalid:
        problems += invalid.problems
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_payload(fields, data)
    except PayloadInvalid as invalid:
        problems += invalid.problems
    if problems:
        raise PayloadInvalid(problems)
    return Command(
        kind=kind,
        command_id=envelope["command_id"],
        employee_id=envelope.get("employee_id"),
        data=cleaned,
        occurred_at=envelope.get("occurred_at") or utc_now_iso(),
        actor=actor or {"kind": "system", "id": "aerie"},
        source=source or {"system": "aerie"},
        correlation_id=correlation_id,
        causation_id=causation_id,
        site_id=envelope.get("site_id"),
    )


__all__ = ["ID_PATTERN", "build_command", "command_fields"]
