"""The command path: every write, from any channel, goes through ``Aerie.handle``.

GraphQL mutations, site feeds, integrations, process managers and the demo
loader all call it. It checks the input against the catalog, finds the
context that handles the kind in the registry, and calls that context's use
case with the facts it may ask of other contexts. Rejected input is kept as a
dead letter with its reason, then the named error is raised.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aerie_events.catalog import UnknownEventType, key_of
from aerie_events.fields import PayloadInvalid

from aerie_services.kit.access import Identity, authorize
from aerie_services.kit.base import Command, ContextApplication, Deferred, Outcome
from aerie_services.kit.context import ContextRegistry, Facts, Handles
from aerie_services.kit.errors import DomainError, InvalidInput
from aerie_services.kit.inputs import build_command
from aerie_services.platform.storage import CommandAnswer, DeadLetters, command_answers


class Aerie:
    """The platform's one entry point for writes."""

    def __init__(
        self,
        registry: ContextRegistry,
        apps: Mapping[str, ContextApplication],
        dead_letters: DeadLetters | None = None,
    ) -> None:
        self.registry = registry
        self.apps = dict(apps)
        self.dead_letters = dead_letters
        self.facts = Facts(registry, self.apps)

    def handles_of(self, kind: str) -> Handles:
        """The declaration of ``kind``'s command (``UnknownEventType`` for a kind none handles)."""
        try:
            return self.registry.handlers[kind][1]
        except KeyError:
            raise UnknownEventType(kind) from None

    def authorize(self, identity: Identity, kind: str, inputs: Mapping[str, Any]) -> None:
        """Raise ``Forbidden`` unless ``identity`` may record ``kind`` with these inputs.

        Every channel checks a caller here before ``handle``, with the inputs flat and in
        snake case (``employee_id``, ``site_id`` and the payload's fields): see
        ``access.authorize``. An unknown kind raises ``InvalidInput``.
        """
        try:
            handles = self.handles_of(kind)
        except UnknownEventType as unknown:
            raise InvalidInput(unknown) from None
        authorize(identity, handles, inputs, self.facts)

    def handle(
        self, kind: Any, *, channel: str = "api", trusted_time: bool = False, **inputs: Any
    ) -> Outcome:
        """Check and record one command; raise a ``DomainError`` a person can act on.

        ``channel`` names where the command came from (kept with a dead letter).
        ``trusted_time``: the caller is the platform itself (its demo loader, a
        process manager), which may say when an event happened even for a kind
        whose rules decide from the time (``Handles.event_time``); from anyone
        else such a command happens when it is recorded.
        """
        try:
            command, handles, app = self._prepare(kind, inputs, trusted_time)
            return handles.use_case(app, command, self.facts)
        except DomainError as error:
            self.dead_letter(channel, kind, inputs, error)
            raise

    def handle_many(
        self,
        requests: Iterable[tuple[str, dict[str, Any]]],
        *,
        channel: str,
        trusted_time: bool = False,
    ) -> list[Outcome]:
        """Record many commands; creations are saved 1,000 to a transaction per context.

        Each request is ``(kind, inputs)`` as for ``handle``. A refused request
        raises its ``DomainError``; a batch is for trusted bulk loads.
        """
        answers: list[Any] = []
        self.facts.remember_answers()
        try:
            with contextlib.ExitStack() as batches:
                for app in self.apps.values():
                    batches.enter_context(app.batch())
                for kind, inputs in requests:
                    command, handles, app = self._prepare(kind, inputs, trusted_time)
                    answers.append(handles.use_case(app, command, self.facts))
                    key = key_of(command.kind, command.data, command.employee_id)
                    self.facts.changed(app.context, {key, command.employee_id})
        finally:
            self.facts.forget_answers()
        return [_outcome_of(a) for a in answers]

    def _prepare(
        self, kind: Any, inputs: dict[str, Any], trusted_time: bool
    ) -> tuple[Command, Handles, ContextApplication]:
        entry = self.registry.handlers.get(kind) if isinstance(kind, str) else None
        if entry is None:
            raise InvalidInput(UnknownEventType(kind))
        context, handles = entry
        try:
            command = build_command(
                kind,
                decided_by_domain=handles.decided_by_domain,
                takes=handles.takes,
                takes_site=handles.takes_site,
                about_employee=handles.about_employee,
                states_time=trusted_time or handles.states_time,
                **inputs,
            )
        except PayloadInvalid as invalid:
            raise InvalidInput(invalid) from None
        return command, handles, self.apps[context.name]

    def close(self) -> None:
        for app in self.apps.values():
            app.close()

    def dead_letter(
        self, channel: str, kind: Any, inputs: dict[str, Any], error: DomainError
    ) -> None:
        """Keep refused input with its reason (an anonymous command's without its author)."""
        if self.dead_letters is None:
            return
        if _anonymous(inputs) or error.conceals_input or self.names_no_one(kind):
            inputs, reason = _without_author(inputs, error)
        else:
            reason = error.message
        self.dead_letters.record(
            source=channel,
            kind=kind if isinstance(kind, str) else repr(kind),
            data=inputs,
            code=error.code,
            reason=reason,
        )

    def answers_to(self, command_ids: Sequence[str]) -> dict[str, CommandAnswer]:
        """What became of these commands so far (recorded, or refused with the reason): for a
        caller who waits on what a process manager records on its behalf."""
        if self.dead_letters is None:
            return {}
        return command_answers(self.dead_letters.database_url, command_ids)

    def names_no_one(self, kind: Any) -> bool:
        """A kind whose events never name the employee its command names (the domain sets
        ``anonymous`` of a command about an employee: survey answers)."""
        entry = self.registry.handlers.get(kind) if isinstance(kind, str) else None
        if entry is None:
            return False
        handles = entry[1]
        return handles.about_employee and "anonymous" in handles.decided_by_domain


def _outcome_of(answer: Outcome | Deferred) -> Outcome:
    """A command's outcome, once its batch was saved (a deferred creation is answered then)."""
    if not isinstance(answer, Deferred):
        return answer
    if answer.outcome is None:
        raise RuntimeError("a deferred creation was not answered: its batch was not saved")
    return answer.outcome


def _anonymous(inputs: dict[str, Any]) -> bool:
    data = inputs.get("data")
    if not isinstance(data, dict):
        return False
    return data.get("anonymous") is True or data.get("follow_up_key") is not None


def _without_author(inputs: dict[str, Any], error: DomainError) -> tuple[dict[str, Any], str]:
    """What a refused anonymous command's dead letter may keep: field names and codes only.

    Not the author, not the command id the author's client chose, not the text:
    each of those could lead back to the person.
    """
    data = inputs.get("data") or {}
    kept = {"anonymous": True, "fields": sorted(str(name) for name in data)}
    fields = sorted({problem.field for problem in error.problems})
    return kept, f"{error.code}" + (f" on {', '.join(fields)}" if fields else "")
