"""Use cases of the opinion platform."""

from __future__ import annotations

from dataclasses import replace

from aerie_services.base import Command, ContextApplication, Outcome
from aerie_services.context import Facts
from aerie_services.errors import UnknownIssue
from aerie_services.people import EMPLOYEE_SITE
from aerie_services.voice.domainmodel import Issue


class Voice(ContextApplication):
    """Issues raised to departments, and who follows each up."""

    def raise_issue(self, command: Command, facts: Facts) -> Outcome:
        """An anonymous issue is stored without its author: not as subject, actor or digest.

        Its free text is sealed with a key of the issue's own, not the author's.
        """
        site_id = facts.ask(EMPLOYEE_SITE, str(command.employee_id))
        issue_id = command.data["issue_id"]
        stored, key_id = command, None
        if command.data["anonymous"]:
            stored = replace(
                command, employee_id=None, actor={"kind": "employee", "id": "anonymous"}
            )
            key_id = f"issue:{issue_id}"
        meta = stored.meta(site_id=site_id, key_id=key_id)
        return self.create(
            Issue.id_for(issue_id),
            stored,
            lambda existing: Issue.raise_issue(existing, meta, command.data),
        )

    def hand_over_issue(self, command: Command, facts: Facts) -> Outcome:
        """Pass a named issue of ``employee_id`` (its holder) to ``to_employee_id``."""
        site_id = facts.ask(EMPLOYEE_SITE, command.data["to_employee_id"])

        def act(issue: Issue | None) -> Issue:
            if issue is None or issue.holder != command.employee_id:
                raise UnknownIssue(command.data["issue_id"], str(command.employee_id))
            issue.hand_over(command.meta(site_id=site_id), command.data)
            return issue

        return self.decide(Issue.id_for(command.data["issue_id"]), command, act)
