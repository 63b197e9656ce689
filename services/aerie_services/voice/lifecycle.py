"""The closed loop of an issue, as data: which action each status allows, and where it leads.

An issue is routed the moment it is raised. Its department replies (privately
or on the public board); the author accepts the reply, and the department
resolves the issue, or the author rejects it and leadership takes the issue
over. An issue not replied to by its deadline is escalated to leadership too.
Leadership's reply is accepted or rejected like any other ("and so on").

::

    routed --reply--> replied --accept--> accepted --resolve--> resolved
      |                  |
      |               reject
      |                  v
      +--escalate--> escalated <--escalate-- rejected
                         |
                         +--reply--> replied ...
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aerie_services.voice.errors import TransitionNotAllowed


class Status(StrEnum):
    ROUTED = "routed"
    REPLIED = "replied"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


OPEN = frozenset(Status) - {Status.RESOLVED}
"""Every status an issue can still move from (its department or leadership owes it something)."""

AWAITING_REPLY = frozenset({Status.ROUTED, Status.ESCALATED})
"""Statuses in which a reply deadline runs."""


@dataclass(frozen=True)
class Transition:
    """An action: the statuses it is allowed in, and the status it leads to (None: unchanged)."""

    allowed_in: frozenset[Status]
    leads_to: Status | None = None


TRANSITIONS: dict[str, Transition] = {
    "reply": Transition(AWAITING_REPLY, Status.REPLIED),
    "accept": Transition(frozenset({Status.REPLIED}), Status.ACCEPTED),
    "reject": Transition(frozenset({Status.REPLIED}), Status.REJECTED),
    "escalate": Transition(frozenset({Status.ROUTED, Status.REJECTED}), Status.ESCALATED),
    "resolve": Transition(frozenset({Status.ACCEPTED}), Status.RESOLVED),
    "reassign": Transition(frozenset({Status.ROUTED})),
    "reprioritise": Transition(AWAITING_REPLY),
    "comment": Transition(OPEN),
    "hand_over": Transition(OPEN),
    "link": Transition(frozenset(Status)),
    "adopt": Transition(frozenset({Status.REPLIED, Status.ACCEPTED, Status.RESOLVED})),
}
"""Every action on an issue. Changing a rule here changes it everywhere (and in the errors)."""


def allowed_actions(status: Status) -> list[str]:
    """The actions an issue in ``status`` allows, by name."""
    return sorted(name for name, t in TRANSITIONS.items() if status in t.allowed_in)


def after(issue_id: str, status: Status, action: str) -> Status:
    """The status ``action`` leads to from ``status``; refused with the allowed actions listed."""
    transition = TRANSITIONS[action]
    if status not in transition.allowed_in:
        raise TransitionNotAllowed(issue_id, action, status.value, allowed_actions(status))
    return transition.leads_to or status


def escalation_reason(status: Status) -> str:
    """Why an issue in ``status`` would be escalated: late, or its reply was not good enough."""
    return "rejected" if status is Status.REJECTED else "overdue"
