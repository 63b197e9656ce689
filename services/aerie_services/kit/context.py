"""How a bounded context plugs into the platform: it declares itself once.

A context's package ends with one ``CONTEXT = BoundedContext(...)``: its name
(also its topic and its event table), its Application class, the command
kinds it handles and the use case that handles each, and the facts it answers
for other contexts (is this employee on the roster, at which star). The
command path, the relay's sources, the topics and the event-store migrations
are built from the registry of these declarations (``registry.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aerie_events.catalog import CATALOG

from aerie_services.kit.base import Command, ContextApplication, Outcome

UseCase = Callable[[Any, Command, "Facts"], Outcome]
"""``(application, command, facts) -> Outcome``: load, act, save."""

FactLookup = Callable[[Any, str], Any]
"""``(application, key) -> value``: a fact a context answers for the others."""


Subject = Literal["employee", "none"]
EventTime = Literal["source", "platform"]


@dataclass(frozen=True)
class Handles:
    """One command kind (a catalog event type) and the use case that records it.

    ``decided_by_domain`` are payload fields the caller may not give (the
    domain fills them: a transfer's origin, a coupon's limit); ``takes_site``
    marks the one kind whose command names the site (a hire). ``subject``
    says whether the command names the employee it is about (``employee``),
    or names none (``none``: a site's calendar, a survey, a reply to an
    issue), in which case the use case names the event's subject and site
    with ``command.meta(site_id=..., employee_id=...)``. ``event_time`` says
    who says when it happened: the source (``occurredAt``, as an LMS says when
    a course was passed), or the platform (``platform``: the rules decide from
    the time, as a reply deadline does, so a command from outside happens when
    it is recorded; only the platform's own loaders and managers state a time).
    """

    kind: str
    use_case: UseCase
    decided_by_domain: frozenset[str] = frozenset()
    takes_site: bool = False
    subject: Subject = "employee"
    event_time: EventTime = "source"


@dataclass(frozen=True)
class BoundedContext:
    """A bounded context's one declaration."""

    name: str
    application: type[ContextApplication]
    handles: tuple[Handles, ...]
    facts: Mapping[str, FactLookup] = field(default_factory=dict)

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
        self._memo: dict[tuple[str, str], Any] | None = None

    def ask(self, fact: str, key: str) -> Any:
        """The answer to ``fact`` for ``key`` (e.g. ``ask("employee.site", "N-0001")``)."""
        if self._memo is not None and (fact, key) in self._memo:
            return self._memo[(fact, key)]
        try:
            context, lookup = self.registry.facts[fact]
        except KeyError:
            raise UnknownFact(
                f"no context answers {fact!r}; known: {', '.join(self.registry.facts)}"
            ) from None
        answer = lookup(self.apps[context.name], key)
        if self._memo is not None:
            self._memo[(fact, key)] = answer
        return answer

    def remember_answers(self) -> None:
        """From now on answer each (fact, key) once (for a bulk load)."""
        self._memo = {}

    def forget_answers(self) -> None:
        self._memo = None

    def changed(self, context: str, keys: Iterable[str | None]) -> None:
        """``context`` recorded something about ``keys``: its remembered answers may be stale."""
        if self._memo is None:
            return
        for fact, (answering, _lookup) in self.registry.facts.items():
            if answering.name == context:
                for key in keys:
                    self._memo.pop((fact, key), None)
