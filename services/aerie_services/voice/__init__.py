"""The voice bounded context: the employee opinion platform.

Departments publish their scope, contact and reply deadlines; employees raise
issues and suggestions (optionally anonymously) that are routed at once; the
department replies, the author accepts or rejects, leadership takes over what
is late or rejected. See ``lifecycle.py`` for the loop.
"""

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

from aerie_services.kit.context import BoundedContext, Handles
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


def _handles(kind: str, use_case: object, subject: str = "none") -> Handles:
    """Every issue event happens when the platform records it (unless the platform itself loads
    history): deadlines, breaches and the times to reply are decided from it."""
    return Handles(
        kind,
        use_case,  # type: ignore[arg-type]
        decided_by_domain=frozenset(_DECIDED.get(kind, ())),
        subject=subject,  # type: ignore[arg-type]
        event_time="source" if kind == DEPARTMENT_PUBLISHED else "platform",
    )


CONTEXT = BoundedContext(
    name="voice",
    application=Voice,
    handles=(
        _handles(DEPARTMENT_PUBLISHED, Voice.publish_department),
        _handles(ISSUE_RAISED, Voice.raise_issue, subject="employee"),
        _handles(ISSUE_HANDED_OVER, Voice.hand_over_issue, subject="employee"),
        _handles(ISSUE_REASSIGNED, Voice.reassign_issue),
        _handles(ISSUE_REPRIORITISED, Voice.reprioritise_issue),
        _handles(ISSUE_REPLIED, Voice.reply_to_issue),
        _handles(ISSUE_ACCEPTED, Voice.accept_reply),
        _handles(ISSUE_REJECTED, Voice.reject_reply),
        _handles(ISSUE_COMMENTED, Voice.comment_on_issue),
        _handles(ISSUE_ESCALATED, Voice.escalate_issue),
        _handles(ISSUE_RESOLVED, Voice.resolve_issue),
        _handles(ISSUE_LINKED, Voice.link_issue),
        _handles(SUGGESTION_ADOPTED, Voice.adopt_suggestion),
    ),
    facts={ISSUE_DEPARTMENT: Voice.department_of},
)
