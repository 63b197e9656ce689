"""The voice bounded context: the employee opinion platform.

Departments publish their scope, contact and reply deadlines; employees raise
issues and suggestions (optionally anonymously) that are routed at once; the
department replies, the author accepts or rejects, leadership takes over what
is late or rejected. See ``lifecycle.py`` for the loop.
"""

from collections.abc import Mapping
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

from aerie_services.kit.access import (
    COMPANY,
    DEPARTMENT,
    EVERYONE,
    Placement,
    Rule,
    grants,
    only_oneself,
)
from aerie_services.kit.context import BoundedContext, Facts, Handles
from aerie_services.voice.application import Voice

ISSUE_DEPARTMENT = "issue.department"
"""Fact: the department an issue is with now (None for an unknown issue)."""

_DECIDED = {
    DEPARTMENT_PUBLISHED: {"version"},
    ISSUE_RAISED: {"department_version", "reply_due_at"},
    ISSUE_REASSIGNED: {"from_department", "priority", "department_version", "reply_due_at"},
    ISSUE_REPRIORITISED: {"reply_due_at"},
    ISSUE_REPLIED: {"department", "reply_number"},
    ISSUE_ACCEPTED: {"reply_number"},
    ISSUE_REJECTED: {"reply_number"},
    ISSUE_ESCALATED: {
        "breach_at",
        "from_department",
        "to_department",
        "priority",
        "reply_due_at",
        "escalation_number",
    },
}


RESPONDERS = grants(responder=DEPARTMENT, hr=COMPANY)
"""The department holding the issue, and leadership."""
LEADERSHIP = grants(hr=COMPANY)
FOLLOW_UP_KEY = "An anonymous issue's follow-up key; omit it for an issue raised by name."


def department_holding(inputs: Mapping[str, Any], facts: Facts) -> Placement:
    """Where a write about an issue lands: the department that holds the issue now."""
    department = facts.ask(ISSUE_DEPARTMENT, str(inputs.get("issue_id")))
    return Placement(department=department or None)


def _handles(
    kind: str,
    use_case: object,
    may: Rule,
    subject: str = "none",
    decided_too: frozenset[str] = frozenset(),
    **declared: Any,
) -> Handles:
    """Every issue event happens when the platform records it (unless the platform itself loads
    history): deadlines, breaches and the times to reply are decided from it."""
    return Handles(
        kind,
        use_case,  # type: ignore[arg-type]
        may=may,
        decided_by_domain=frozenset(_DECIDED.get(kind, ())) | decided_too,
        subject=subject,  # type: ignore[arg-type]
        event_time="source" if kind == DEPARTMENT_PUBLISHED else "platform",
        **declared,
    )


def _by_responders(kind: str, use_case: object, summary: str, **declared: Any) -> Handles:
    return _handles(
        kind, use_case, RESPONDERS, target=department_holding, summary=summary, **declared
    )


def _authors_follow_up(kind: str, use_case: object, summary: str) -> Handles:
    """The author's follow-up: by name, or anonymous (recorded as no one) with the key."""
    return _handles(
        kind,
        use_case,
        EVERYONE,
        summary=summary,
        decided_too=frozenset({"anonymous"}),
        notes={"follow_up_key": FOLLOW_UP_KEY},
    )


CONTEXT = BoundedContext(
    name="voice",
    application=Voice,
    handles=(
        _handles(
            DEPARTMENT_PUBLISHED,
            Voice.publish_department,
            LEADERSHIP,
            summary="a department's scope, contact and deadlines.",
            defaults={"leadership": False},
            notes={"reply_within": "Working minutes to the first reply, per priority."},
        ),
        _handles(
            ISSUE_RAISED,
            Voice.raise_issue,
            only_oneself(),
            subject="employee",
            summary="routed at once to its department, whose contact is emailed. Anonymous: "
            "the answer's followUpKey is the only way back to it; keep it.",
            defaults={"kind": "issue", "priority": "normal", "anonymous": False},
        ),
        _handles(
            ISSUE_HANDED_OVER,
            Voice.hand_over_issue,
            LEADERSHIP,
            subject="employee",
            mutation=False,
        ),
        _by_responders(ISSUE_REASSIGNED, Voice.reassign_issue, "to another department."),
        _by_responders(
            ISSUE_REPRIORITISED, Voice.reprioritise_issue, "the deadline moves with the priority."
        ),
        _by_responders(
            ISSUE_REPLIED,
            Voice.reply_to_issue,
            "privately or on the public board.",
            defaults={"visibility": "private"},
        ),
        _authors_follow_up(
            ISSUE_ACCEPTED, Voice.accept_reply, "the author accepts the latest reply."
        ),
        _authors_follow_up(
            ISSUE_REJECTED,
            Voice.reject_reply,
            "the reply is not good enough; leadership takes over.",
        ),
        _authors_follow_up(ISSUE_COMMENTED, Voice.comment_on_issue, "the author adds to it."),
        _handles(
            ISSUE_ESCALATED,
            Voice.escalate_issue,
            LEADERSHIP,
            summary="to leadership, past its deadline or rejected.",
        ),
        _by_responders(ISSUE_RESOLVED, Voice.resolve_issue, "once the author accepted the reply."),
        _by_responders(
            ISSUE_LINKED, Voice.link_issue, "a similar issue to the one that represents it."
        ),
        _by_responders(
            SUGGESTION_ADOPTED,
            Voice.adopt_suggestion,
            "on its author's growth path unless anonymous.",
        ),
    ),
    facts={ISSUE_DEPARTMENT: Voice.department_of},
)
