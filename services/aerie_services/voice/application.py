"""Use cases of the opinion platform."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aerie_events.catalog.voice import ISSUE_ACCEPTED, ISSUE_REJECTED

from aerie_services.kit.base import (
    Command,
    ContextApplication,
    Outcome,
    require_oneself,
    to_the_hour,
)
from aerie_services.kit.context import Facts
from aerie_services.organisation import SITE_CALENDAR
from aerie_services.people import EMPLOYEE_SITE
from aerie_services.platform.storage import stored_secret
from aerie_services.voice.deadlines import anonymous_routing, reply_due
from aerie_services.voice.departments import Directory
from aerie_services.voice.domainmodel import DepartmentDirectory, Issue, as_found, may_follow_up
from aerie_services.voice.errors import UnknownIssue, follow_up_refused
from aerie_services.voice.followup import follow_up_digest, follow_up_key

ANONYMOUS_ACTOR = {"kind": "employee", "id": "anonymous"}
RELEASE_SETTING = "ANONYMOUS_RELEASE_SECONDS"
"""The relay's release window for anonymous events, in seconds (given by the platform)."""
DEFAULT_RELEASE_SECONDS = 3600


class Voice(ContextApplication):
    """Departments, and the issues and suggestions raised to them, in a closed loop."""

    _anonymous_key: bytes | None = None

    # -- departments ---------------------------------------------------------------------

    def publish_department(self, command: Command, _facts: Facts) -> Outcome:
        """Publish a department's next version (checked against the whole directory)."""

        def act(directory: DepartmentDirectory | None) -> DepartmentDirectory:
            directory = directory or DepartmentDirectory()
            department = directory.directory().publish(command.data["department_id"], command.data)
            directory.publish(
                command.meta(site_id=None, policy_version=department.policy_version), command.data
            )
            return directory

        return self.decide(DepartmentDirectory.id_for(), command, act)

    def directory(self) -> Directory:
        found = self.find(DepartmentDirectory.id_for())
        return found.directory() if found is not None else Directory()

    # -- raising -------------------------------------------------------------------------

    def raise_issue(self, command: Command, facts: Facts) -> Outcome:
        """Record an issue, routed at once: its department's version and reply deadline.

        An anonymous one keeps nothing that leads to its author: the platform
        assigns the issue id and keeps the caller's command id only as a keyed
        hash (a retry finds the same issue), the author is not its subject,
        actor or digest, its time is coarsened to the hour, its free text is
        sealed with a key of the issue's own, and its follow-up key is kept
        only as a keyed hash. The author is asked for once: to find their site.
        The relay publishes it only when its release window ends, so its
        deadline counts from then (``deadlines.anonymous_routing``). Only its
        author records it: no one raises an issue in another's name.
        """
        require_oneself(command, "an issue is raised by its author")
        site_id = facts.ask(EMPLOYEE_SITE, str(command.employee_id))
        department = self.directory().route(command.data["department"])
        extra: dict[str, Any] = {}
        routed_at = command.occurred_at
        if command.data["anonymous"]:
            key = self.follow_up_key_of(str(command.employee_id), command.command_id)
            extra["follow_up_digest"] = follow_up_digest(self._secret(), key)
            routed_at = anonymous_routing(routed_at, self._release_seconds()).isoformat()
            extra["routed_at"] = routed_at  # its deadline counts from its release
            command = self._anonymised(command)
            key_id: str | None = f"issue:{command.data['issue_id']}"
        else:
            key_id = None
        priority = command.data.get("priority") or "normal"
        due = reply_due(routed_at, department, priority, facts.ask(SITE_CALENDAR, site_id))
        payload = {
            **command.data,
            "kind": command.data.get("kind") or "issue",
            "priority": priority,
            "department_version": department.version,
            "reply_due_at": due.isoformat(),
        }
        meta = {
            **command.meta(
                site_id=site_id, key_id=key_id, policy_version=department.policy_version
            ),
            **extra,
        }
        return self.decide(  # not deferred in a bulk load: its reply may follow at once
            Issue.id_for(payload["issue_id"]),
            command,
            lambda existing: Issue.raise_issue(existing, meta, payload),
        )

    def anonymous_receipt(self, author: str, command_id: str) -> tuple[str, str]:
        """What the anonymous author of ``command_id`` is shown once: the issue's id and key."""
        return self._anonymous_issue_id(author, command_id), self.follow_up_key_of(
            author, command_id
        )

    def follow_up_key_of(self, author: str, command_id: str) -> str:
        return follow_up_key(self._secret(), author, command_id)

    def _anonymous_issue_id(self, author: str, command_id: str) -> str:
        # Keyed by author and command id: two authors' clients may choose the same id.
        return f"ANON-{self._keyed(f'{author}{chr(0)}{command_id}')[32:52].upper()}"

    def _anonymised(self, command: Command) -> Command:
        issue_id = self._anonymous_issue_id(str(command.employee_id), command.command_id)
        data = {**command.data, "issue_id": issue_id}
        return self._as_no_one(command, str(command.employee_id), data)

    def _as_no_one(self, command: Command, caller: str, data: dict[str, Any]) -> Command:
        """``command`` recorded as no one: no subject, actor or client, its time to the hour, its
        command id a keyed hash of what identifies the caller (the author, or the follow-up key
        they hold) and the id their client chose, so a retry still finds its first outcome."""
        return replace(
            command,
            command_id=f"anonymous:{self._keyed(f'{caller}{chr(0)}{command.command_id}')[:32]}",
            employee_id=None,
            actor=ANONYMOUS_ACTOR,
            source={"system": command.source.get("system", "aerie")},  # no client, no person
            occurred_at=to_the_hour(command.occurred_at),
            correlation_id=None,
            causation_id=None,
            data=data,
        )

    def _release_seconds(self) -> int:
        value = self.env.get(RELEASE_SETTING)
        return int(value) if value else DEFAULT_RELEASE_SECONDS

    def _secret(self) -> bytes:
        if self._anonymous_key is None:
            recorder: Any = self.recorder
            with recorder.datastore.get_connection() as conn:
                self._anonymous_key = stored_secret(conn, "anonymous-ids")
        return self._anonymous_key

    def _keyed(self, text: str) -> str:
        """HMAC-SHA256 of ``text`` under the platform's anonymous-ids key."""
        return hmac.new(self._secret(), text.encode(), hashlib.sha256).hexdigest()

    # -- the department's side -------------------------------------------------------------

    def reassign_issue(self, command: Command, facts: Facts) -> Outcome:
        def act(issue: Issue) -> None:
            department = self.directory().route(command.data["to_department"])
            calendar = facts.ask(SITE_CALENDAR, issue.site_id)
            due = reply_due(command.occurred_at, department, issue.priority, calendar)
            payload = {
                **command.data,
                "from_department": issue.department,
                "priority": issue.priority,
                "department_version": department.version,
                "reply_due_at": due.isoformat(),
            }
            issue.reassign(self._about(issue, command, department.policy_version), payload)

        return self._on_issue(command, act)

    def reprioritise_issue(self, command: Command, facts: Facts) -> Outcome:
        def act(issue: Issue) -> None:
            department = self.directory().route(issue.department)
            calendar = facts.ask(SITE_CALENDAR, issue.site_id)
            due = reply_due(issue.routed_at, department, command.data["priority"], calendar)
            payload = {**command.data, "reply_due_at": due.isoformat()}
            issue.reprioritise(self._about(issue, command, department.policy_version), payload)

        return self._on_issue(command, act)

    def reply_to_issue(self, command: Command, _facts: Facts) -> Outcome:
        def act(issue: Issue) -> None:
            payload = {
                **command.data,
                "department": issue.department,
                "reply_number": issue.replies + 1,
            }
            issue.reply(self._about(issue, command), payload)

        return self._on_issue(command, act)

    def escalate_issue(self, command: Command, facts: Facts) -> Outcome:
        """Hand an issue to leadership: late (past its deadline) or its reply rejected."""

        def act(issue: Issue) -> None:
            leadership = self.directory().leadership()
            calendar = facts.ask(SITE_CALENDAR, issue.site_id)
            due = reply_due(command.occurred_at, leadership, issue.priority, calendar)
            payload = {
                **command.data,
                "to_department": leadership.department_id,
                "priority": issue.priority,
                "reply_due_at": due.isoformat(),
            }
            issue.escalate(self._about(issue, command, leadership.policy_version), payload)

        return self._on_issue(command, act)

    def resolve_issue(self, command: Command, _facts: Facts) -> Outcome:
        return self._on_issue(command, lambda i: i.resolve(self._about(i, command), command.data))

    def link_issue(self, command: Command, _facts: Facts) -> Outcome:
        def act(issue: Issue) -> None:
            representative = self.find(Issue.id_for(command.data["representative_issue_id"]))
            issue.link(self._about(issue, command), command.data, representative)

        return self._on_issue(command, act)

    def adopt_suggestion(self, command: Command, _facts: Facts) -> Outcome:
        """Adopt a suggestion; the event is about its author (no one when it was anonymous)."""
        return self._on_issue(command, lambda i: i.adopt(self._about(i, command), command.data))

    # -- the author's side -----------------------------------------------------------------

    def accept_reply(self, command: Command, _facts: Facts) -> Outcome:
        return self._by_author(command, lambda i, meta, data: i.accept(meta, data))

    def reject_reply(self, command: Command, _facts: Facts) -> Outcome:
        return self._by_author(command, lambda i, meta, data: i.reject(meta, data))

    def comment_on_issue(self, command: Command, _facts: Facts) -> Outcome:
        return self._by_author(command, lambda i, meta, data: i.comment(meta, data))

    def _by_author(
        self, command: Command, action: Callable[[Issue, dict[str, Any], dict[str, Any]], None]
    ) -> Outcome:
        """An action only the author may take: by name, or anonymously through the follow-up key.

        The key is checked and dropped: the event keeps neither it nor who
        presented it. An anonymous author's action is recorded as the raise
        was: no subject, no actor, its time to the hour, its command id a keyed
        hash (of the key and the command id their client chose).

        Whoever may not follow the issue up is refused before anything else
        (a retry's earlier outcome included), with one refusal per way of
        asking (by key, by name) whatever the issue: an unknown id, an
        anonymous issue with another key and someone else's named issue are
        answered alike, after the same work (``may_follow_up``).
        """
        given = command.data.get("follow_up_key")
        by_key = given is not None  # the key, not the caller, says it is anonymous
        key = str(given) if by_key else None
        data = {k: v for k, v in command.data.items() if k != "follow_up_key"}
        data["anonymous"] = by_key
        issue_id = data["issue_id"]
        if by_key:
            command = self._as_no_one(command, str(key), data)
        else:
            command = replace(command, data=data)
        follower = None if by_key else command.actor.get("id")
        secret = self._secret()

        def admit(issue: Issue | None) -> None:
            if not may_follow_up(as_found(issue), follower, key, secret):
                raise follow_up_refused(issue_id, by_key)

        def act(issue: Issue) -> Issue:
            payload = {**data}
            if command.kind in (ISSUE_ACCEPTED, ISSUE_REJECTED):
                payload["reply_number"] = issue.replies
            action(issue, self._about(issue, command), payload)
            return issue

        return self.decide(Issue.id_for(issue_id), command, act, admit=admit)

    # -- shared --------------------------------------------------------------------------

    def _on_issue(self, command: Command, act: Callable[[Issue], None]) -> Outcome:
        issue_id = command.data["issue_id"]

        def decide(issue: Issue | None) -> Issue:
            if issue is None:
                raise UnknownIssue(issue_id)
            act(issue)
            return issue

        return self.decide(Issue.id_for(issue_id), command, decide)

    @staticmethod
    def _about(issue: Issue, command: Command, policy_version: str | None = None) -> dict:
        """The envelope of an event about ``issue``: its author's (none if anonymous), its site."""
        return command.meta(
            site_id=issue.site_id,
            employee_id=issue.author,
            key_id=issue.key_id,
            policy_version=policy_version,
        )

    def check_follow_up_key(self, issue_id: str, key: str) -> None:
        """Refuse unless ``key`` opens the anonymous issue ``issue_id``; the same refusal, after
        the same work, when there is no such issue or it was raised by name, so the answer tells
        nothing about other issues."""
        issue = as_found(self.find(Issue.id_for(issue_id)))
        if not may_follow_up(issue, None, key or "", self._secret()):
            raise follow_up_refused(issue_id, by_key=True)

    def department_of(self, issue_id: str) -> str | None:
        """Fact: the department an issue is with now (None: no such issue)."""
        issue = self.find(Issue.id_for(issue_id)) if issue_id else None
        return issue.department if issue is not None else None

    def hand_over_issue(self, command: Command, facts: Facts) -> Outcome:
        """Pass a named issue of ``employee_id`` (its holder) to ``to_employee_id``."""
        site_id = facts.ask(EMPLOYEE_SITE, command.data["to_employee_id"])

        def act(issue: Issue | None) -> Issue:
            if issue is None or issue.holder != command.employee_id:
                raise UnknownIssue(command.data["issue_id"], str(command.employee_id))
            issue.hand_over(command.meta(site_id=site_id), command.data)
            return issue

        return self.decide(Issue.id_for(command.data["issue_id"]), command, act)
