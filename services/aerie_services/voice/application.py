"""Use cases of the opinion platform."""

from __future__ import annotations

from dataclasses import replace

from aerie_services.base import Command, ContextApplication, Decision, Outcome
from aerie_services.voice.domainmodel import Issue


class Voice(ContextApplication):
    context = "voice"

    def raise_issue(self, command: Command, site_id: str) -> Outcome:
        return self.decide(*self.issue_decision(command, site_id))

    @staticmethod
    def issue_decision(command: Command, site_id: str) -> tuple[object, Command, Decision]:
        """An anonymous issue is stored without its author: not as subject, actor or digest."""
        stored = command
        if command.data["anonymous"]:
            stored = replace(
                command, employee_id=None, actor={"kind": "employee", "id": "anonymous"}
            )
        meta = stored.meta(site_id=site_id)
        return (
            Issue.id_for(command.data["issue_id"]),
            stored,
            lambda existing: Issue.raise_issue(existing, meta, command.data),
        )
