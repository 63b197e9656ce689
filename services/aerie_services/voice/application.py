"""Use cases of the opinion platform."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from typing import Any

from aerie_services.base import Command, ContextApplication, Outcome, to_the_hour
from aerie_services.context import Facts
from aerie_services.errors import UnknownIssue
from aerie_services.people import EMPLOYEE_SITE
from aerie_services.storage import stored_secret
from aerie_services.voice.domainmodel import Issue


class Voice(ContextApplication):
    """Issues raised to departments, and who follows each up."""

    _anonymous_key: bytes | None = None

    def raise_issue(self, command: Command, facts: Facts) -> Outcome:
        """Record an issue; an anonymous one keeps nothing that leads to its author.

        For an anonymous issue the platform assigns the issue id and keeps the
        caller's command id only as a keyed hash (a retry finds the same
        issue); the author is not its subject, actor or digest, its time is
        coarsened to the hour, and its free text is sealed with a key of the
        issue's own. The author is asked for once: to find their site. The
        relay publishes it only when its release window ends, with the other
        anonymous events of that window (``relay.Relay.release_due``).
        """
        site_id = facts.ask(EMPLOYEE_SITE, str(command.employee_id))
        if command.data["anonymous"]:
            command = self._anonymised(command)
            key_id = f"issue:{command.data['issue_id']}"
        else:
            key_id = None
        meta = command.meta(site_id=site_id, key_id=key_id)
        return self.create(
            Issue.id_for(command.data["issue_id"]),
            command,
            lambda existing: Issue.raise_issue(existing, meta, command.data),
        )

    def _anonymised(self, command: Command) -> Command:
        # Keyed by author and command id: two authors' clients may choose the same id.
        digest = self._keyed(f"{command.employee_id}\x00{command.command_id}")
        return replace(
            command,
            command_id=f"anonymous:{digest[:32]}",
            employee_id=None,
            actor={"kind": "employee", "id": "anonymous"},
            source={"system": command.source.get("system", "aerie")},  # no client, no person
            occurred_at=to_the_hour(command.occurred_at),
            correlation_id=None,
            causation_id=None,
            data={**command.data, "issue_id": f"ANON-{digest[32:52].upper()}"},
        )

    def _keyed(self, text: str) -> str:
        """HMAC-SHA256 of ``text`` under the platform's anonymous-ids key."""
        if self._anonymous_key is None:
            recorder: Any = self.recorder
            with recorder.datastore.get_connection() as conn:
                self._anonymous_key = stored_secret(conn, "anonymous-ids")
        return hmac.new(self._anonymous_key, text.encode(), hashlib.sha256).hexdigest()

    def hand_over_issue(self, command: Command, facts: Facts) -> Outcome:
        """Pass a named issue of ``employee_id`` (its holder) to ``to_employee_id``."""
        site_id = facts.ask(EMPLOYEE_SITE, command.data["to_employee_id"])

        def act(issue: Issue | None) -> Issue:
            if issue is None or issue.holder != command.employee_id:
                raise UnknownIssue(command.data["issue_id"], str(command.employee_id))
            issue.hand_over(command.meta(site_id=site_id), command.data)
            return issue

        return self.decide(Issue.id_for(command.data["issue_id"]), command, act)
