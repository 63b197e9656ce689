"""The opinion platform's events: departments, issues and suggestions, their lifecycle."""

from __future__ import annotations

from typing import Any

from aerie_events.catalog.kit import EventType, Upcasters, define
from aerie_events.fields import Field

CONTEXT = "voice"

DEPARTMENT_PUBLISHED = "department.published"
ISSUE_RAISED = "issue.raised"
ISSUE_HANDED_OVER = "issue.handed_over"
ISSUE_REASSIGNED = "issue.reassigned"
ISSUE_REPRIORITISED = "issue.reprioritised"
ISSUE_REPLIED = "issue.replied"
ISSUE_ACCEPTED = "issue.accepted"
ISSUE_REJECTED = "issue.rejected"
ISSUE_COMMENTED = "issue.commented"
ISSUE_ESCALATED = "issue.escalated"
ISSUE_RESOLVED = "issue.resolved"
ISSUE_LINKED = "issue.linked"
SUGGESTION_ADOPTED = "suggestion.adopted"

DEPARTMENTS = ("hr", "it", "scheduling", "facilities", "training", "quality", "leadership")
"""The departments of version 1 of ``issue.raised`` (now published as data, version 2 on)."""
ISSUE_KINDS = ("issue", "suggestion")
PRIORITIES = ("urgent", "high", "normal", "low")
"""From the most to the least urgent: a deadline never grows with urgency."""
VISIBILITIES = ("private", "public")
ESCALATION_REASONS = ("overdue", "rejected")
MAX_REPLY_MINUTES = 60 * 24 * 30
"""The longest reply deadline a department may publish, in working minutes."""

TYPES: tuple[EventType, ...] = (
    define(
        DEPARTMENT_PUBLISHED,
        CONTEXT,
        "A department's scope, contact and reply deadlines were published (a new version).",
        keyed_by="department_id",
        department_id=Field("id", "The department."),
        name=Field("text", "The department's name.", max_length=120),
        scope=Field("text", "What employees may raise with it.", max_length=1000),
        contact_email=Field(
            "text", "Where routing and escalation emails go (a desk's address).", max_length=254
        ),
        reply_within=Field(
            "record",
            "Working minutes to the first reply, per priority.",
            fields={
                p: Field(
                    "int", f"Working minutes for a {p} issue.", minimum=1, maximum=MAX_REPLY_MINUTES
                )
                for p in PRIORITIES
            },
        ),
        leadership=Field("bool", "True for the company's leadership, which takes escalations."),
        version=Field(
            "int", "This version of the department (decided by the platform).", minimum=1
        ),
    ),
    define(
        ISSUE_RAISED,
        CONTEXT,
        "An employee raised an issue (or a suggestion) for a department; it is routed at once.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue's identifier."),
        kind=Field("enum", "An issue, or a suggestion.", choices=ISSUE_KINDS, required=False),
        department=Field("id", "The published department responsible."),
        priority=Field("enum", "How urgent it is.", choices=PRIORITIES, required=False),
        title=Field("text", "Short summary.", max_length=200, personal=True),
        description=Field("text", "What the issue is.", max_length=4000, personal=True),
        anonymous=Field("bool", "True when the author chose not to be named."),
        department_version=Field(
            "int", "The department's version it was routed by.", nullable=True, required=False
        ),
        reply_due_at=Field(
            "datetime",
            "When the department's first reply is due (working time of the site).",
            nullable=True,
            required=False,
        ),
        schema_version=2,
    ),
    define(
        ISSUE_HANDED_OVER,
        CONTEXT,
        "A named issue passed to another employee to follow up (e.g. its author left).",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        to_employee_id=Field("id", "Who follows the issue up from now on."),
        reason=Field("text", "Why it was handed over.", max_length=500),
    ),
    define(
        ISSUE_REASSIGNED,
        CONTEXT,
        "A responder passed an issue to another department, with the reason.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        to_department=Field("id", "The published department that answers it now."),
        reason=Field("text", "Why it belongs there.", max_length=500),
        from_department=Field("id", "The department it came from."),
        priority=Field("enum", "Its priority.", choices=PRIORITIES),
        department_version=Field("int", "The new department's version it was routed by."),
        reply_due_at=Field("datetime", "When the new department's first reply is due."),
    ),
    define(
        ISSUE_REPRIORITISED,
        CONTEXT,
        "An issue's priority changed, and with it its reply deadline.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        priority=Field("enum", "The new priority.", choices=PRIORITIES),
        reason=Field("text", "Why.", max_length=500),
        reply_due_at=Field("datetime", "When the reply is due now.", nullable=True),
    ),
    define(
        ISSUE_REPLIED,
        CONTEXT,
        "The department (or, once escalated, leadership) replied, privately or on the board.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        text=Field("text", "The reply.", max_length=4000, personal=True),
        visibility=Field(
            "enum", "public: on the board every employee reads.", choices=VISIBILITIES
        ),
        department=Field("id", "The department that replied."),
        reply_number=Field("int", "1 for the first reply, and so on.", minimum=1),
    ),
    define(
        ISSUE_ACCEPTED,
        CONTEXT,
        "The author accepted the latest reply.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        anonymous=Field("bool", "True when the anonymous author accepted it (by its key)."),
        comment=Field(
            "text", "The author's words.", max_length=2000, required=False, personal=True
        ),
        follow_up_key=Field(
            "text",
            "An anonymous issue's follow-up key: checked, never stored.",
            max_length=64,
            required=False,
        ),
        reply_number=Field("int", "The reply accepted.", minimum=1),
    ),
    define(
        ISSUE_REJECTED,
        CONTEXT,
        "The author rejected the latest reply as not good enough: leadership takes the issue over.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        anonymous=Field("bool", "True when the anonymous author rejected it (by its key)."),
        reason=Field("text", "What is still wrong.", max_length=2000, personal=True),
        follow_up_key=Field(
            "text",
            "An anonymous issue's follow-up key: checked, never stored.",
            max_length=64,
            required=False,
        ),
        reply_number=Field("int", "The reply rejected.", minimum=1),
    ),
    define(
        ISSUE_COMMENTED,
        CONTEXT,
        "The author added to an open issue.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        anonymous=Field("bool", "True when the anonymous author wrote it (by its key)."),
        text=Field("text", "What the author adds.", max_length=4000, personal=True),
        follow_up_key=Field(
            "text",
            "An anonymous issue's follow-up key: checked, never stored.",
            max_length=64,
            required=False,
        ),
    ),
    define(
        ISSUE_ESCALATED,
        CONTEXT,
        "An issue went to leadership: its reply was late (the breach is the deadline) or rejected.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        reason=Field("enum", "overdue or rejected.", choices=ESCALATION_REASONS),
        breach_at=Field("datetime", "The deadline missed, or when the reply was rejected."),
        from_department=Field("id", "The department that held it."),
        to_department=Field("id", "The leadership department."),
        priority=Field("enum", "Its priority.", choices=PRIORITIES),
        reply_due_at=Field("datetime", "When leadership's reply is due.", nullable=True),
        escalation_number=Field("int", "1 for the first escalation, and so on.", minimum=1),
    ),
    define(
        ISSUE_RESOLVED,
        CONTEXT,
        "The issue's department closed it after the author accepted the reply.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        note=Field("text", "What was done.", max_length=2000, required=False, personal=True),
    ),
    define(
        ISSUE_LINKED,
        CONTEXT,
        "A similar issue was linked to a representative issue (answered once on the board).",
        keyed_by="issue_id",
        issue_id=Field("id", "The similar issue."),
        representative_issue_id=Field("id", "The issue that represents it."),
    ),
    define(
        SUGGESTION_ADOPTED,
        CONTEXT,
        "A suggestion was adopted; it shows on its author's growth path unless it was anonymous.",
        keyed_by="issue_id",
        issue_id=Field("id", "The suggestion."),
        adopted_on=Field("date", "The day it was adopted."),
        note=Field("text", "How it is put to use.", max_length=2000, required=False),
    ),
)


def _issue_raised_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 1 named a department from a fixed list, with no kind, priority or deadline.

    Those departments keep their ids as published departments; a version-1
    issue is an issue of normal priority routed before deadlines were kept.
    """
    return {
        **payload,
        "kind": "issue",
        "priority": "normal",
        "department_version": None,
        "reply_due_at": None,
    }


UPCASTERS: Upcasters = {
    (ISSUE_RAISED, 1): _issue_raised_1_to_2,
}
