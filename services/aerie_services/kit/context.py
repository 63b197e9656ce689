"""How a bounded context plugs into the platform: it declares itself once.

A context's package ends with one ``CONTEXT = BoundedContext(...)``: its name
(also its topic and its event table), its Application class, the command
kinds it handles and the use case that handles each, and the facts it answers
for other contexts (is this employee on the roster, at which star). The
command path, the relay's sources, the topics and the event-store migrations
are built from the registry of these declarations (``registry.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aerie_events.catalog import CATALOG, event_type
from aerie_events.fields import Field

from aerie_services.kit.access import MANAGERS_ONLY, Rule, WriteTarget
from aerie_services.kit.base import Command, ContextApplication, Outcome

UseCase = Callable[[Any, Command, "Facts"], Outcome]
"""``(application, command, facts) -> Outcome``: load, act, save."""

FactLookup = Callable[[Any, str], Any]
"""``(application, key) -> value``: a fact a context answers for the others."""


Subject = Literal["employee", "none"]
EventTime = Literal["source", "platform"]


@dataclass(frozen=True)
class Handles:
    """A command's one declaration: its kind, its use case, who may record it, what it takes.

    Everything a caller meets is derived from it and the catalog's fields: the command
    path's checks, the permission every channel applies (``access.authorize``), the
    GraphQL mutation and its input type, the Kafka door's and the CLI's inputs.

    ``kind`` is the catalog event type the command records. ``may`` says who may
    record it (roles and their scopes); ``target`` where a write lands when that is
    not simply the employee it is about (a department holding an issue, a site, a
    transfer's origin and destination). ``decided_by_domain`` are payload fields the
    caller may not give (the domain fills them: a transfer's origin, a coupon's limit);
    ``takes`` are inputs of the command that are not payload fields (the use case reads
    them: the teams a regrouping may use). ``takes_site`` marks a command that names
    its site (a hire). ``subject`` says whether the command names the employee it is
    about (``employee``), or names none (``none``: a site's calendar, a survey, a reply
    to an issue), in which case the use case names the event's subject and site with
    ``command.meta(site_id=..., employee_id=...)``. ``event_time`` says who says when it
    happened: the source (``occurredAt``, as an LMS says when a course was passed), or
    the platform (``platform``: the rules decide from the time, as a reply deadline does,
    so a command from outside happens when it is recorded; only the platform's own
    loaders and managers state a time).

    ``mutation``: whether GraphQL offers it as a mutation of its own, named after the
    use case (``reply_to_issue`` -> ``replyToIssue``; the platform's managers' decisions
    have none). ``summary`` adds to the mutation's description; ``defaults`` are input
    defaults; ``notes`` replace an input's description; ``input_type`` names the input
    type when two commands share one shape.
    """

    kind: str
    use_case: UseCase
    may: Rule = MANAGERS_ONLY
    target: WriteTarget | None = None
    decided_by_domain: frozenset[str] = frozenset()
    takes: Mapping[str, Field] = field(default_factory=dict)
    takes_site: bool = False
    subject: Subject = "employee"
    event_time: EventTime = "source"
    mutation: bool = True
    summary: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    input_type: str | None = None

    @property
    def name(self) -> str:
        """The command's name, from its use case (``reply_to_issue``)."""
        return str(getattr(self.use_case, "__name__", self.kind.replace(".", "_")))

    @property
    def about_employee(self) -> bool:
        return self.subject == "employee"

    @property
    def states_time(self) -> bool:
        """Whether a caller from outside may say when it happened."""
        return self.event_time == "source"

    def payload_fields(self) -> dict[str, Field]:
        """The fields a caller gives: the event's, less the domain's, and the command's own."""
        fields = event_type(self.kind).fields
        given = {n: spec for n, spec in fields.items() if n not in self.decided_by_domain}
        return {**given, **self.takes}


@dataclass(frozen=True)
class BoundedContext:
    """A bounded context's one declaration."""

    name: str
    application: type[ContextApplication]
    handles: tuple[Handles, ...]
    facts: Mapping[str, FactLookup] = field(default_factory=dict)
    reads: tuple[str, ...] = ()
    """Facts its use cases ask of read models (a regrouping's candidates): answered by what
    the composition root provides (``Facts.provide``), never by a context."""

    @property
    def event_types(self) -> tuple[str, ...]:
        """The catalog types this context records."""
        return tuple(h.kind for h in self.handles)


class RegistryError(Exception):
    """The registered contexts contradict each other or the catalog (raised at start)."""


class ContextRegistry:
    """Every bounded context of the platform, checked against the catalog at start."""

    def __init__(self, contexts: Iterable[BoundedContext]) -> None:
        self.contexts: dict[str, BoundedContext] = {}
        self.handlers: dict[str, tuple[BoundedContext, Handles]] = {}
        self.facts: dict[str, tuple[BoundedContext, FactLookup]] = {}
        for context in contexts:
            self._add(context)
        self._check_catalog_is_covered()

    def _add(self, context: BoundedContext) -> None:
        if context.name in self.contexts:
            raise RegistryError(f"context {context.name!r} is registered twice")
        self.contexts[context.name] = context
        for handles in context.handles:
            self._add_handler(context, handles)
        for name, lookup in context.facts.items():
            if name in self.facts:
                raise RegistryError(
                    f"fact {name!r} is answered by both {self.facts[name][0].name!r} "
                    f"and {context.name!r}"
                )
            self.facts[name] = (context, lookup)

    def _add_handler(self, context: BoundedContext, handles: Handles) -> None:
        event_type = CATALOG.get(handles.kind)
        if event_type is None:
            raise RegistryError(
                f"context {context.name!r} handles {handles.kind!r}, which the event catalog "
                "does not define: add it to events/aerie_events/catalog.py"
            )
        if event_type.context != context.name:
            raise RegistryError(
                f"{handles.kind!r} belongs to context {event_type.context!r} in the catalog, "
                f"not to {context.name!r}"
            )
        if handles.kind in self.handlers:
            raise RegistryError(f"command kind {handles.kind!r} is handled twice")
        unknown = handles.decided_by_domain - set(event_type.fields)
        if unknown:
            raise RegistryError(
                f"{handles.kind!r}: decided_by_domain names fields it does not have: "
                + ", ".join(sorted(unknown))
            )
        clash = set(handles.takes) & set(event_type.fields)
        if clash:
            raise RegistryError(
                f"{handles.kind!r}: takes names payload fields (declare them in the catalog "
                "only): " + ", ".join(sorted(clash))
            )
        unknown_inputs = (
            (set(handles.defaults) | set(handles.notes))
            - set(handles.payload_fields())
            - {"command_id", "employee_id", "site_id", "occurred_at"}
        )
        if unknown_inputs:
            raise RegistryError(
                f"{handles.kind!r}: defaults or notes name inputs it does not take: "
                + ", ".join(sorted(unknown_inputs))
            )
        self.handlers[handles.kind] = (context, handles)

    def _check_catalog_is_covered(self) -> None:
        orphans = sorted(name for name in CATALOG if name not in self.handlers)
        if orphans:
            raise RegistryError(
                "catalog event types no registered context handles: " + ", ".join(orphans)
            )

    def names(self) -> list[str]:
        return list(self.contexts)


class UnknownFact(RegistryError):
    """A use case asked for a fact no context answers."""


class Facts:
    """What a use case may ask of other contexts, answered once per key within a batch."""

    def __init__(self, registry: ContextRegistry, apps: Mapping[str, ContextApplication]) -> None:
        self.registry = registry
        self.apps = apps
        self._memo: dict[tuple[str, Any], Any] | None = None
        self._provided: dict[str, Callable[[Any], Any]] = {}

    def provide(self, fact: str, lookup: Callable[[Any], Any]) -> None:
        """Answer ``fact`` with ``lookup(key)``: a read model's answer the composition wires."""
        if fact in self.registry.facts:
            raise RegistryError(f"fact {fact!r} is already answered by a context")
        self._provided[fact] = lookup

    @contextlib.contextmanager
    def answering(self, fact: str, lookup: Callable[[Any], Any]) -> Iterator[None]:
        """Answer ``fact`` with ``lookup`` for a while (an import that brings its own roster),
        then as before."""
        before = self._provided.get(fact)
        self.provide(fact, lookup)
        try:
            yield
        finally:
            if before is None:
                self._provided.pop(fact, None)
            else:
                self._provided[fact] = before

    def ask(self, fact: str, key: Any) -> Any:
        """The answer to ``fact`` for ``key`` (e.g. ``ask("employee.site", "N-0001")``)."""
        if self._memo is not None and (fact, key) in self._memo:
            return self._memo[(fact, key)]
        answer = self._provided[fact](key) if fact in self._provided else self._answer(fact, key)
        if self._memo is not None:
            self._memo[(fact, key)] = answer
        return answer

    def _answer(self, fact: str, key: Any) -> Any:
        try:
            context, lookup = self.registry.facts[fact]
        except KeyError:
            needed = [c.name for c in self.registry.contexts.values() if fact in c.reads]
            if needed:
                raise UnknownFact(
                    f"{fact!r} is a read model's answer the composition root provides "
                    f"(Facts.provide), and none was: {', '.join(needed)} needs it"
                ) from None
            raise UnknownFact(
                f"no context answers {fact!r}; known: {', '.join(self.registry.facts)}"
            ) from None
        return lookup(self.apps[context.name], key)

    def remember_answers(self) -> None:
        """From now on answer each (fact, key) once (for a bulk load)."""
        self._memo = {}

    def forget_answers(self) -> None:
        self._memo = None

    def changed(self, context: str, keys: Iterable[Any]) -> None:
        """``context`` recorded something about ``keys``: its remembered answers may be stale."""
        if self._memo is None:
            return
        for fact, (answering, _lookup) in self.registry.facts.items():
            if answering.name == context:
                for key in keys:
                    self._memo.pop((fact, key), None)
