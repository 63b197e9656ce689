"""The mutations that record commands, derived from the commands' declarations.

Each command a context declares (``Handles``) with ``mutation=True`` becomes one
mutation named after its use case (``reply_to_issue`` -> ``replyToIssue``) whose
input type is built from the catalog's fields: the command id, the employee it
is about (unless it names none), the site (for a kind that names its site), the
payload fields the caller gives (less those the domain decides, plus the
command's own), and when it happened at the source (unless the platform decides
that). Each input's description is the catalog's (or the declaration's note),
with what it allows; the declaration's defaults are the input's defaults.

Who may call it is the declaration's ``may`` and ``target``: ``MayRecord``
asks the write side (``Aerie.authorize``), as every channel does. A gateway
domain may give a kind a richer answer than ``CommandResult`` (``Answer``): an
anonymous issue's receipt, a regrouping's proposal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import strawberry
from aerie_events.catalog import event_type
from aerie_events.fields import Field
from aerie_services.kit.context import ContextRegistry, Handles
from strawberry.scalars import JSON
from strawberry.tools import create_type
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from aerie_gateway.errors import camel
from aerie_gateway.recording import OCCURRED_AT, CommandResult, MayRecord, record

COMMAND_ID = "Your id for this command: a retry with the same id records nothing new."
EMPLOYEE_ID = "The employee it is about."
SITE_ID = "The site it decides."
TEXT_KINDS = frozenset({"id", "text", "date", "datetime", "time", "zone", "enum", "decimal"})
"""Field kinds a GraphQL input carries as a ``String`` (checked by the catalog, not GraphQL)."""


@dataclass(frozen=True)
class Answer:
    """A mutation's answer richer than ``CommandResult``: its type, and how it is made from
    the input and the command's result."""

    type: type
    make: Callable[[Info, Any, CommandResult], Awaitable[Any]]


def pascal(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


class InputTypes:
    """The input types of every mutation, each record type built once by its name."""

    def __init__(self) -> None:
        self.records: dict[str, type] = {}

    def of(self, handles: Handles) -> type:
        """The input type of ``handles``'s mutation (``ReplyToIssueInput``)."""
        name = handles.input_type or f"{pascal(handles.name)}Input"
        annotations: dict[str, Any] = {}
        namespace: dict[str, Any] = {}
        for field_name, spec in self._inputs(handles):
            note = handles.notes.get(field_name)
            default = handles.defaults.get(field_name, dataclasses.MISSING)
            annotations[field_name], namespace[field_name] = self._field(
                field_name, spec, note, default
            )
        namespace["__annotations__"] = annotations
        summary = event_type(handles.kind).description
        return strawberry.input(type(name, (), namespace), description=summary)

    @staticmethod
    def _inputs(handles: Handles) -> Iterable[tuple[str, Field]]:
        yield "command_id", Field("id", COMMAND_ID)
        if handles.about_employee:
            yield "employee_id", Field("id", EMPLOYEE_ID)
        if handles.takes_site:
            yield "site_id", Field("id", SITE_ID)
        yield from handles.payload_fields().items()
        if handles.states_time:
            yield "occurred_at", Field("datetime", OCCURRED_AT, required=False)

    def _field(
        self, name: str, spec: Field, note: str | None, default: Any
    ) -> tuple[Any, StrawberryField]:
        python_type = self._type(name, spec)
        description = describe(spec, note)
        if default is not dataclasses.MISSING:
            if isinstance(default, list):
                value = list(default)
                return python_type, strawberry.field(
                    default_factory=lambda: list(value), description=description
                )
            return python_type, strawberry.field(default=default, description=description)
        if spec.required:  # null where the catalog allows it (an erased field) is no input
            return python_type, strawberry.field(description=description)
        return python_type | None, strawberry.field(default=None, description=description)

    def _type(self, name: str, spec: Field) -> Any:
        if spec.kind in TEXT_KINDS:
            return str
        if spec.kind == "int":
            return int
        if spec.kind == "bool":
            return bool
        if spec.kind == "scores":
            return JSON
        if spec.kind == "list":
            assert spec.item is not None
            return list[self._type(name, spec.item)]  # type: ignore[misc]
        if spec.kind == "record":
            return self._record(spec.name or pascal(name), spec)
        raise AssertionError(f"no GraphQL input for field kind {spec.kind!r}")

    def _record(self, name: str, spec: Field) -> type:
        if name in self.records:
            return self.records[name]
        assert spec.fields is not None
        annotations: dict[str, Any] = {}
        namespace: dict[str, Any] = {}
        for field_name, inner in spec.fields.items():
            annotations[field_name], namespace[field_name] = self._field(
                field_name, inner, None, dataclasses.MISSING
            )
        namespace["__annotations__"] = annotations
        built = strawberry.input(type(f"{name}Input", (), namespace), description=spec.description)
        self.records[name] = built
        return built


def describe(spec: Field, note: str | None = None) -> str:
    """An input's description: the catalog's words (or the note), and what it allows."""
    text = note or spec.description
    if spec.kind == "enum":
        return f"{text} One of: {', '.join(spec.choices)}."
    if spec.kind == "decimal":
        return f'{text} A decimal as text, e.g. "4.35".'
    if spec.kind == "date":
        return f"{text} (YYYY-MM-DD)"
    return text


def mutation_of(handles: Handles, input_type: type, answer: Answer | None) -> StrawberryField:
    """The mutation of one declared command."""

    async def resolve(root: Any, info: Info, input: Any) -> Any:
        result = await record(info, handles, input)
        return result if answer is None else await answer.make(info, input, result)

    resolve.__annotations__ = {
        "root": Any,
        "info": Info,
        "input": input_type,
        "return": CommandResult if answer is None else answer.type,
    }
    summary = handles.summary or event_type(handles.kind).description
    return strawberry.mutation(
        resolver=resolve,
        name=camel(handles.name),
        permission_classes=[MayRecord],
        description=f"Record {handles.kind}: {summary}",
    )


def command_mutations(
    registry: ContextRegistry, answers: Mapping[str, Answer]
) -> tuple[type, dict[str, str]]:
    """The ``Mutation`` part of every declared command, and each mutation's kind."""
    types = InputTypes()
    fields: list[StrawberryField] = []
    kinds: dict[str, str] = {}
    for _context, handles in registry.handlers.values():
        if not handles.mutation:
            continue
        field = mutation_of(handles, types.of(handles), answers.get(handles.kind))
        field.python_name = handles.name
        fields.append(field)
        kinds[camel(handles.name)] = handles.kind
    return create_type("CommandMutations", fields), kinds
