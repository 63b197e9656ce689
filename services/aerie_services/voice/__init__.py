"""The voice bounded context: the employee opinion platform.

Departments publish their scope, contact and reply deadlines; employees raise
issues and suggestions (optionally anonymously) that are routed at once; the
department replies, the author accepts or rejects, leadership takes over what
is late or rejected. See ``lifecycle.py`` for the loop.
"""

from aerie_services.context import BoundedContext, Handles
from aerie_services.voice.application import Voice

ISSUE_DEPARTMENT = "issue.department"
"""Fact: the department an issue is with now (None for an unknown issue)."""

_DECIDED = {
    "department.published": {"version"},
    "issue.raised": {"department_version", "reply_due_at"},
    "issue.reassigned": {"from_department", "priority", "department_version", "reply_due_at"},
    "issue.reprioritised": {"reply_due_at"},
    "issue.replied": {"department", "reply_number"},
    "issue.accepted": {"reply_number"},
    "issue.rejected": {"reply_number"},
    "issue.escalated": {
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
        event_time="source" if kind == "department.published" else "platform",
    )


CONTEXT = BoundedContext(
    name="voice",
    application=Voice,
    handles=(
        _handles("department.published", Voice.publish_department),
        _handles("issue.raised", Voice.raise_issue, subject="employee"),
        _handles("issue.handed_over", Voice.hand_over_issue, subject="employee"),
        _handles("issue.reassigned", Voice.reassign_issue),
        _handles("issue.reprioritised", Voice.reprioritise_issue),
        _handles("issue.replied", Voice.reply_to_issue),
        _handles("issue.accepted", Voice.accept_reply),
        _handles("issue.rejected", Voice.reject_reply),
        _handles("issue.commented", Voice.comment_on_issue),
        _handles("issue.escalated", Voice.escalate_issue),
        _handles("issue.resolved", Voice.resolve_issue),
        _handles("issue.linked", Voice.link_issue),
        _handles("suggestion.adopted", Voice.adopt_suggestion),
    ),
    facts={ISSUE_DEPARTMENT: Voice.department_of},
)
