"""The employee opinion platform: departments, and issues raised to them, in a closed loop."""

from __future__ import annotations

import copy
import hmac
from typing import Any

from aerie_events.catalog.voice import (
    DEPARTMENT_PUBLISHED,
    ISSUE_ACCEPTED,
    ISSUE_COMMENTED,
    ISSUE_ESCALATED,
    ISSUE_HANDED_OVER,
    ISSUE_LINKED,
    ISSUE_RAISED,
    ISSUE_REASSIGNED,
    ISSUE_REJECTED,
    ISSUE_REPLIED,
    ISSUE_REPRIORITISED,
    ISSUE_RESOLVED,
    SUGGESTION_ADOPTED,
)
from aerie_events.rules.escalation import instant
from eventsourcing.domain import event

from aerie_services.kit.base import AerieAggregate, stable_id
from aerie_services.kit.errors import AlreadyRecorded
from aerie_services.voice.departments import Department, Directory
from aerie_services.voice.errors import (
    CannotHandOver,
    InvalidLink,
    NotASuggestion,
    NotYetDue,
    TransitionNotAllowed,
)
from aerie_services.voice.followup import key_matches
from aerie_services.voice.lifecycle import (
    OPEN,
    Status,
    after,
    allowed_actions,
    escalation_reason,
)


class DepartmentDirectory(AerieAggregate):
    """The company's published departments (one aggregate: versions and leadership are checked
    against all of them at once)."""

    @staticmethod
    def id_for() -> Any:
        return stable_id("voice", "department-directory")

    @staticmethod
    def create_id() -> Any:
        return DepartmentDirectory.id_for()

    @event("Opened")
    def __init__(self) -> None:
        self.departments: dict[str, dict[str, Any]] = {}

    def directory(self) -> Directory:
        return Directory({k: _department(v) for k, v in self.departments.items()})

    def publish(self, meta: dict[str, Any], data: dict[str, Any]) -> Department:
        department = self.directory().publish(data["department_id"], data)
        self._published(meta=meta, payload={**data, "version": department.version})
        return department

    @event("Published")
    def _published(self, meta: dict[str, Any], payload: dict[str, Any]) -> None:
        self.departments[payload["department_id"]] = dict(payload)
        self.remember(meta, DEPARTMENT_PUBLISHED, self.version + 1)


def _department(payload: dict[str, Any]) -> Department:
    return Department(
        department_id=payload["department_id"],
        name=payload["name"],
        scope=payload["scope"],
        contact_email=payload["contact_email"],
        reply_within=dict(payload["reply_within"]),
        leadership=payload["leadership"],
        version=payload["version"],
    )


class Issue(AerieAggregate):
    """An issue (or suggestion) raised by an employee. An anonymous issue never stores its author.

    A named issue has a holder, who follows it up: its author, until it is
    handed over (for example when the author leaves). An anonymous issue is
    followed up by whoever holds its follow-up key, kept only as a keyed hash.
    Every action is checked against the lifecycle (``lifecycle.TRANSITIONS``).
    """

    @staticmethod
    def id_for(issue_id: str) -> Any:
        return stable_id("issue", issue_id)

    @staticmethod
    def create_id(payload: dict) -> Any:
        return Issue.id_for(payload["issue_id"])

    @event("Raised")
    def __init__(self, meta: dict, payload: dict) -> None:
        self.issue_id = payload["issue_id"]
        self.kind = payload.get("kind") or "issue"
        self.department = payload["department"]
        self.priority = payload.get("priority") or "normal"
        self.reply_due_at = payload.get("reply_due_at")
        self.status = Status.ROUTED.value
        self.site_id = meta.get("site_id")
        self.author = meta["employee_id"]  # None for an anonymous issue
        self.holder = meta["employee_id"]
        self.routed_at = meta.get("routed_at") or meta["occurred_at"]  # anonymous: its release
        self.escalations = 0
        self.follow_up_digest = meta.get("follow_up_digest")
        self.replies = 0
        self.representative = None
        self.adopted_on = None
        self.rejected_at = None
        self.remember(meta, ISSUE_RAISED, 1)

    @classmethod
    def raise_issue(cls, existing: Issue | None, meta: dict, payload: dict) -> Issue:
        if existing is not None:
            raise AlreadyRecorded(f"issue {payload['issue_id']!r}", "issueId")
        return cls(meta=meta, payload=payload)

    # -- who may follow it up --------------------------------------------------------------

    @property
    def anonymous(self) -> bool:
        return self.author is None

    @property
    def key_id(self) -> str:
        """Whose key seals the personal fields of this issue's events: its author's, or its own."""
        return self.author or f"issue:{self.issue_id}"

    # -- the loop --------------------------------------------------------------------------

    @property
    def current(self) -> Status:
        return Status.ROUTED if self.status == "open" else Status(self.status)  # v1: "open"

    def _check(self, action: str) -> Status:
        return after(self.issue_id, self.current, action)

    def reassign(self, meta: dict, payload: dict) -> None:
        self._check("reassign")
        if payload["to_department"] == self.department:
            raise TransitionNotAllowed(
                self.issue_id,
                "reassign",
                self.status,
                self.allowed(),
                why=f"it is already with {self.department}",
            )
        self._keep_the_breach("reassign", meta["occurred_at"])
        self._reassigned(meta=meta, payload=payload)

    def reprioritise(self, meta: dict, payload: dict) -> None:
        self._check("reprioritise")
        self._keep_the_breach("reprioritise", meta["occurred_at"])
        self._reprioritised(meta=meta, payload=payload)

    def _keep_the_breach(self, action: str, moment: str) -> None:
        """A routed issue past its deadline goes to leadership as it is: moving its deadline
        (another department, another priority) would undo a breach that happened."""
        if self.current is Status.ROUTED and self._past_due(moment):
            raise TransitionNotAllowed(
                self.issue_id,
                action,
                self.status,
                [a for a in self.allowed() if a not in ("reassign", "reprioritise")],
                why=f"its reply was due at {self.reply_due_at}: the breach stands",
            )

    def reply(self, meta: dict, payload: dict) -> None:
        self._check("reply")
        self._replied(meta=meta, payload=payload)

    def accept(self, meta: dict, payload: dict) -> None:
        self._check("accept")
        self._accepted(meta=meta, payload=payload)

    def reject(self, meta: dict, payload: dict) -> None:
        self._check("reject")
        self._rejected(meta=meta, payload=payload)

    def comment(self, meta: dict, payload: dict) -> None:
        self._check("comment")
        self._commented(meta=meta, payload=payload)

    def escalate(self, meta: dict, payload: dict) -> None:
        """Escalate to leadership: ``overdue`` only past the deadline, ``rejected`` after a
        rejection; the breach time is the deadline, or when the reply was rejected."""
        self._check("escalate")
        reason = escalation_reason(self.current)
        if payload["reason"] != reason:
            raise TransitionNotAllowed(
                self.issue_id,
                "escalate",
                self.status,
                self.allowed(),
                why=f"an issue {self.status} is escalated as {reason}, not {payload['reason']}",
            )
        if reason == "overdue" and not self._past_due(meta["occurred_at"]):
            raise NotYetDue(self.issue_id, str(self.reply_due_at))
        breach = self.reply_due_at if reason == "overdue" else self.rejected_at
        decided = {
            "breach_at": instant(str(breach)).isoformat(),
            "from_department": self.department,
            "escalation_number": self.escalations + 1,
        }
        self._escalated(meta=meta, payload={**payload, **decided})

    def _past_due(self, moment: str) -> bool:
        return self.reply_due_at is not None and instant(moment) >= instant(self.reply_due_at)

    def resolve(self, meta: dict, payload: dict) -> None:
        self._check("resolve")
        self._resolved(meta=meta, payload=payload)

    def link(self, meta: dict, payload: dict, representative: Issue | None) -> None:
        self._check("link")
        wanted = payload["representative_issue_id"]
        if wanted == self.issue_id:
            raise InvalidLink("an issue cannot represent itself")
        if representative is None:
            raise InvalidLink(f"no issue {wanted!r} exists")
        if representative.representative is not None:
            raise InvalidLink(f"{wanted!r} is itself linked to {representative.representative!r}")
        self._linked(meta=meta, payload=payload)

    def adopt(self, meta: dict, payload: dict) -> None:
        if self.kind != "suggestion":
            raise NotASuggestion(self.issue_id)
        self._check("adopt")
        if self.adopted_on is not None:
            raise AlreadyRecorded(f"the adoption of {self.issue_id!r}", "issueId")
        self._adopted(meta=meta, payload=payload)

    def hand_over(self, meta: dict, data: dict) -> None:
        if self.holder is None:
            raise CannotHandOver(self.issue_id, "it is anonymous: no one may follow it up by name")
        if self.current not in OPEN:
            raise CannotHandOver(self.issue_id, f"it is {self.status}")
        if data["to_employee_id"] == self.holder:
            raise CannotHandOver(self.issue_id, f"{self.holder!r} already holds it")
        self._handed_over(meta=meta, payload=data)

    @event("HandedOver")
    def _handed_over(self, meta: dict, payload: dict) -> None:
        self.holder = payload["to_employee_id"]
        self.remember(meta, ISSUE_HANDED_OVER, self.version + 1)

    # -- what the events change --------------------------------------------------------------

    def allowed(self) -> list[str]:
        return allowed_actions(self.current)

    @event("Reassigned")
    def _reassigned(self, meta: dict, payload: dict) -> None:
        self.department = payload["to_department"]
        self.reply_due_at = payload["reply_due_at"]
        self.routed_at = meta["occurred_at"]
        self.remember(meta, ISSUE_REASSIGNED, self.version + 1)

    @event("Reprioritised")
    def _reprioritised(self, meta: dict, payload: dict) -> None:
        self.priority = payload["priority"]
        self.reply_due_at = payload["reply_due_at"]
        self.remember(meta, ISSUE_REPRIORITISED, self.version + 1)

    @event("Replied")
    def _replied(self, meta: dict, payload: dict) -> None:
        self.status = Status.REPLIED.value
        self.replies = payload["reply_number"]
        self.remember(meta, ISSUE_REPLIED, self.version + 1)

    @event("Accepted")
    def _accepted(self, meta: dict, payload: dict) -> None:
        self.status = Status.ACCEPTED.value
        self.remember(meta, ISSUE_ACCEPTED, self.version + 1)

    @event("Rejected")
    def _rejected(self, meta: dict, payload: dict) -> None:
        self.status = Status.REJECTED.value
        self.rejected_at = meta["occurred_at"]
        self.remember(meta, ISSUE_REJECTED, self.version + 1)

    @event("Commented")
    def _commented(self, meta: dict, payload: dict) -> None:
        self.remember(meta, ISSUE_COMMENTED, self.version + 1)

    @event("Escalated")
    def _escalated(self, meta: dict, payload: dict) -> None:
        self.status = Status.ESCALATED.value
        self.department = payload["to_department"]
        self.reply_due_at = payload.get("reply_due_at")
        self.routed_at = meta["occurred_at"]
        self.escalations = payload["escalation_number"]
        self.remember(meta, ISSUE_ESCALATED, self.version + 1)

    @event("Resolved")
    def _resolved(self, meta: dict, payload: dict) -> None:
        self.status = Status.RESOLVED.value
        self.remember(meta, ISSUE_RESOLVED, self.version + 1)

    @event("Linked")
    def _linked(self, meta: dict, payload: dict) -> None:
        self.representative = payload["representative_issue_id"]
        self.remember(meta, ISSUE_LINKED, self.version + 1)

    @event("Adopted")
    def _adopted(self, meta: dict, payload: dict) -> None:
        self.adopted_on = payload["adopted_on"]
        self.remember(meta, SUGGESTION_ADOPTED, self.version + 1)


def may_follow_up(
    issue: Issue | None, follower: str | None, key: str | None, secret: bytes
) -> bool:
    """Whether a caller may follow ``issue`` up (accept or reject its reply, comment, read it by
    its key): by name (``key`` None) only the holder of a named issue, by key only the key of
    an anonymous one.

    The same work whatever the answer, for an unknown issue (None) too: the key's keyed hash
    is computed and compared in constant time even when there is no key or no digest, and the
    follower is compared with the holder even when there is none. So neither the answer nor
    the time it takes tells an unknown issue from an anonymous one or from someone else's.
    """
    digest = issue.follow_up_digest if issue is not None else None
    holder = issue.holder if issue is not None else None
    opens = key_matches(secret, key or "", digest)
    holds = hmac.compare_digest((follower or "").encode(), (holder or "").encode())
    if key is not None:
        return opens
    return digest is None and holder is not None and holds


def _no_ones_issue() -> Issue:
    """A routed and replied issue of no one, with no follow-up key: it admits no follower."""
    meta = {
        "type": ISSUE_RAISED,
        "command_id": "",
        "digest": "",
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "site_id": None,
        "employee_id": None,
    }
    payload = {
        "issue_id": "",
        "department": "",
        "priority": "normal",
        "reply_due_at": "2026-01-01T00:00:00+00:00",
    }
    issue = Issue(meta=meta, payload=payload)
    issue.reply({**meta, "type": ISSUE_REPLIED}, {"reply_number": 1})
    issue.collect_events()
    return issue


NO_ONES_ISSUE = _no_ones_issue()


def as_found(issue: Issue | None) -> Issue:
    """``issue``, or in place of an unknown one a copy of an issue that admits no follower, made
    as the aggregate cache copies a found issue: a follow-up of an unknown id is checked on it,
    so it takes the work a found issue takes and is refused as an issue of someone else's."""
    return issue if issue is not None else copy.deepcopy(NO_ONES_ISSUE)
