"""The command path: every write, from any channel, goes through ``Aerie.handle``.

GraphQL mutations, site feeds, integrations and the demo loader all call it.
It checks the input, finds the facts a decision needs in other contexts (is
the employee on the roster, at which site, at which star), routes the command
to its context's application and returns the ``Outcome``. Rejected input is
kept as a dead letter with its reason, then the named error is raised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aerie_events.fields import PayloadInvalid

from aerie_services.base import Command, Outcome
from aerie_services.commands import build_command
from aerie_services.coupons.application import Coupons
from aerie_services.errors import DomainError, InvalidInput
from aerie_services.learning.application import Learning
from aerie_services.people.application import People
from aerie_services.performance.application import Performance
from aerie_services.storage import DeadLetters
from aerie_services.surveys.application import Surveys
from aerie_services.voice.application import Voice


@dataclass
class Applications:
    people: People
    learning: Learning
    performance: Performance
    voice: Voice
    coupons: Coupons
    surveys: Surveys

    def by_context(self) -> dict[str, Any]:
        return {app.context: app for app in vars(self).values()}

    def close(self) -> None:
        for app in vars(self).values():
            app.close()


class Aerie:
    """The platform's one entry point for writes."""

    def __init__(self, apps: Applications, dead_letters: DeadLetters | None = None) -> None:
        self.apps = apps
        self.dead_letters = dead_letters
        self._sites: dict[str, str] | None = None

    def handle(self, kind: Any, *, source: str = "api", **inputs: Any) -> Outcome:
        """Check and record one command; raise a ``DomainError`` a person can act on."""
        try:
            return self._route(self._build(kind, inputs))
        except DomainError as error:
            self._dead_letter(source, kind, inputs, error)
            raise

    def handle_many(
        self, requests: Iterable[tuple[str, dict[str, Any]]], *, source: str
    ) -> list[Outcome]:
        """Record many commands, creations in one transaction per context.

        Each request is ``(kind, inputs)`` as for ``handle``. A refused request
        raises its ``DomainError``; a batch is for trusted bulk loads.
        """
        outcomes: list[Outcome] = []
        batches: dict[str, list[Any]] = defaultdict(list)
        self._sites = {}
        for kind, inputs in requests:
            command = self._build(kind, inputs)
            decision = self._creation_decision(command)
            if decision is None:
                outcomes.append(self._route(command))
            else:
                context, item = decision
                batches[context].append(item)
        self._sites = None
        for context, decisions in batches.items():
            outcomes += self.apps.by_context()[context].create_many(decisions)
        return outcomes

    def _build(self, kind: Any, inputs: dict[str, Any]) -> Command:
        try:
            return build_command(kind, **inputs)
        except PayloadInvalid as invalid:
            raise InvalidInput(invalid) from None

    def _route(self, command: Command) -> Outcome:
        apps = self.apps
        match command.kind:
            case "employee.hired":
                return apps.people.hire(command, str(command.site_id))
            case "employee.transferred":
                return apps.people.transfer(command)
            case "employee.left":
                return apps.people.record_leaving(command)
            case "star.promoted":
                site = self._site_of(command)
                return apps.performance.promote_star(command, site)
        decision = self._creation_decision(command)
        assert decision is not None, command.kind
        context, item = decision
        return apps.by_context()[context].create(*item)

    def _creation_decision(self, command: Command) -> tuple[str, Any] | None:
        """For kinds that create an aggregate: (context, decision); else ``None``."""
        apps = self.apps
        match command.kind:
            case "training.passed":
                return "learning", apps.learning.passage_decision(command, self._site_of(command))
            case "issue.raised":
                return "voice", apps.voice.issue_decision(command, self._site_of(command))
            case "coupon.granted":
                site = self._site_of(command)
                star = apps.performance.star_of(str(command.employee_id))
                return "coupons", apps.coupons.grant_decision(command, site, star)
            case "survey.answered":
                return "surveys", apps.surveys.answer_decision(command, self._site_of(command))
        return None

    def _site_of(self, command: Command) -> str:
        """The site of the command's employee, who must be on the roster.

        Within one ``handle_many`` call each employee is looked up once.
        """
        employee_id = str(command.employee_id)
        if self._sites is not None and employee_id in self._sites:
            return self._sites[employee_id]
        site = self.apps.people.active_employee(command.employee_id).site_id
        if self._sites is not None:
            self._sites[employee_id] = site
        return site

    def _dead_letter(
        self, source: str, kind: Any, inputs: dict[str, Any], error: DomainError
    ) -> None:
        if self.dead_letters is None:
            return
        self.dead_letters.record(
            source=source,
            kind=kind if isinstance(kind, str) else repr(kind),
            data=inputs,
            code=error.code,
            reason=error.message,
        )
