"""GraphQL types of the opinion platform: departments, issues, the board and the figures.

No type has a field that could carry an anonymous issue's author: ``raisedBy``
is the subject of a named issue's events, and an anonymous issue's have none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry


@strawberry.type(description="Working minutes a department gives itself to reply, per priority.")
class ReplyWithin:
    urgent: int
    high: int
    normal: int
    low: int


@strawberry.type(description="A published department: what it answers, how fast, where mail goes.")
class VoiceDepartment:
    id: strawberry.ID
    name: str
    scope: str
    contact_email: str
    leadership: bool = strawberry.field(description="The company's leadership takes escalations.")
    version: int
    reply_within: ReplyWithin

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VoiceDepartment:
        return cls(
            id=strawberry.ID(row["department_id"]),
            name=row["name"],
            scope=row["scope"],
            contact_email=row["contact_email"],
            leadership=row["leadership"],
            version=row["version"],
            reply_within=ReplyWithin(**row["reply_within"]),
        )


@strawberry.type(description="A reply of the department (or of leadership) to an issue.")
class IssueReply:
    number: int
    department: str
    visibility: str = strawberry.field(description="public: on the board for every employee.")
    text: str | None = strawberry.field(description="Null once the data was erased.")
    replied_at: dt.datetime
    outcome: str | None = strawberry.field(description="accepted or rejected by the author.")
    outcome_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> IssueReply:
        return cls(
            number=row["reply_number"],
            department=row["department"],
            visibility=row["visibility"],
            text=row["body"],
            replied_at=row["replied_at"],
            outcome=row["outcome"],
            outcome_at=row["outcome_at"],
        )


@strawberry.type(description="What the author added to their issue.")
class IssueComment:
    text: str | None
    commented_at: dt.datetime


@strawberry.type(description="An issue or suggestion, where it is in its loop, and its replies.")
class VoiceIssue:
    id: strawberry.ID
    kind: str = strawberry.field(description="issue or suggestion.")
    department: str = strawberry.field(description="The department that holds it now.")
    first_department: str
    priority: str
    status: str = strawberry.field(
        description="routed, replied, accepted, rejected, escalated or resolved."
    )
    anonymous: bool
    raised_by: str | None = strawberry.field(description="The author of a named issue; else null.")
    title: str | None
    description: str | None
    raised_at: dt.datetime
    reply_due_at: dt.datetime | None = strawberry.field(
        description="When the current reply is due (the site's working hours)."
    )
    first_reply_at: dt.datetime | None
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    escalated_at: dt.datetime | None
    breach_at: dt.datetime | None = strawberry.field(
        description="The deadline missed, or when a reply was rejected (its last escalation)."
    )
    escalation_reason: str | None
    escalations: int
    representative_issue_id: str | None
    adopted_on: dt.date | None
    replies: list[IssueReply]
    comments: list[IssueComment]

    @strawberry.field(description="Hours since it was raised.")
    def age_hours(self) -> float:
        return round((dt.datetime.now(dt.UTC) - self.raised_at).total_seconds() / 3600, 2)

    @strawberry.field(description="Hours past its reply deadline while it awaits a reply; else 0.")
    def overdue_hours(self) -> float:
        if self.status not in ("routed", "escalated") or self.reply_due_at is None:
            return 0.0
        late = (dt.datetime.now(dt.UTC) - self.reply_due_at).total_seconds() / 3600
        return round(max(late, 0.0), 2)

    @classmethod
    def from_row(
        cls, row: dict[str, Any], replies: list[dict[str, Any]], comments: list[dict[str, Any]]
    ) -> VoiceIssue:
        return cls(
            id=strawberry.ID(row["issue_id"]),
            kind=row["kind"],
            department=row["department"],
            first_department=row["first_department"],
            priority=row["priority"],
            status=row["status"],
            anonymous=row["anonymous"],
            raised_by=None if row["anonymous"] else row["author_id"],
            title=row["title"],
            description=row["description"],
            raised_at=row["raised_at"],
            reply_due_at=row["reply_due_at"],
            first_reply_at=row["first_reply_at"],
            accepted_at=row["accepted_at"],
            resolved_at=row["resolved_at"],
            escalated_at=row["escalated_at"],
            breach_at=row["breach_at"],
            escalation_reason=row["escalation_reason"],
            escalations=row["escalations"],
            representative_issue_id=row["representative_id"],
            adopted_on=row["adopted_on"],
            replies=[IssueReply.from_row(r) for r in replies],
            comments=[
                IssueComment(text=c["body"], commented_at=c["commented_at"]) for c in comments
            ],
        )


@strawberry.type(description="A page of issues, by id.")
class IssuePage:
    issues: list[VoiceIssue]
    next_cursor: str | None


@strawberry.type(description="A representative issue on the public board, with its public replies.")
class BoardEntry:
    issue_id: str
    kind: str
    department: str
    title: str | None
    status: str
    raised_at: dt.datetime
    linked_issues: int = strawberry.field(description="Similar issues linked to it.")
    replies: list[IssueReply]


@strawberry.type(description="A page of the public board.")
class BoardPage:
    entries: list[BoardEntry]
    next_cursor: str | None


WITHHELD = (
    "True when fewer issues than the anonymity threshold stand behind it: its figures are then "
    "null for a reader who may not read the issues themselves (analysts)."
)


@strawberry.type(description="One department's figures over the period.")
class DepartmentFigures:
    department: str
    withheld: bool = strawberry.field(description=WITHHELD)
    issues: int | None = strawberry.field(
        description="The issues behind these figures: routed to it, with it, breached by it "
        "or answered by it in the period."
    )
    open: int | None
    overdue: int | None = strawberry.field(description="Awaiting its reply past the deadline, now.")
    breached: int | None = strawberry.field(
        description="Deadlines it missed (escalated as overdue)."
    )
    escalated: int | None = strawberry.field(description="Its issues that went to leadership.")
    hours_to_first_reply: float | None
    hours_to_resolution: float | None
    accepted_replies: int | None
    answered_replies: int | None = strawberry.field(description="Its replies the authors answered.")

    @strawberry.field(description="accepted / answered replies; null before any answer.")
    def acceptance_rate(self) -> float | None:
        if not self.answered_replies or self.accepted_replies is None:
            return None
        return round(self.accepted_replies / self.answered_replies, 3)


@strawberry.type(description="One week (Monday, UTC) of issues raised, and how they fared.")
class WeeklyTrend:
    week: dt.date
    withheld: bool = strawberry.field(description=WITHHELD)
    raised: int | None
    suggestions: int | None
    replied_in_time: int | None = strawberry.field(
        description="First replies by the deadline then in force, of issues never breached."
    )
    escalated: int | None
    resolved: int | None
    adopted: int | None


@strawberry.type(description="The opinion platform in numbers: no issue, no person.")
class VoiceFigures:
    since: dt.date
    anonymity_threshold: int = strawberry.field(
        description="Departments and weeks with fewer issues are withheld from analysts."
    )
    departments: list[DepartmentFigures]
    weeks: list[WeeklyTrend]


@strawberry.type(description="What raising an issue recorded, and how its author follows it up.")
class IssueReceipt:
    event_id: strawberry.ID
    type: str
    context: str
    position: int | None
    duplicate: bool
    issue_id: str = strawberry.field(description="An anonymous issue's id is the platform's.")
    follow_up_key: str | None = strawberry.field(
        description=(
            "An anonymous issue's key, shown to its author only here: keep it to follow the "
            "issue up, accept or reject its reply. Null for a named issue."
        )
    )


def _float(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def is_withheld(issues: int, threshold: int | None) -> bool:
    """Whether a group of ``issues`` is too small to show (None: the reader sees every issue)."""
    return threshold is not None and 0 < issues < threshold


def figures_of(row: dict[str, Any], threshold: int | None) -> DepartmentFigures:
    """A department's figures, all null when fewer issues than ``threshold`` stand behind them."""
    if is_withheld(row["issues"], threshold):
        return DepartmentFigures(
            department=row["department"],
            withheld=True,
            issues=None,
            open=None,
            overdue=None,
            breached=None,
            escalated=None,
            hours_to_first_reply=None,
            hours_to_resolution=None,
            accepted_replies=None,
            answered_replies=None,
        )
    return DepartmentFigures(
        department=row["department"],
        withheld=False,
        issues=row["issues"],
        open=row["open"],
        overdue=row["overdue"],
        breached=row["breached"],
        escalated=row["escalated"],
        hours_to_first_reply=_float(row["hours_to_first_reply"]),
        hours_to_resolution=_float(row["hours_to_resolution"]),
        accepted_replies=row["accepted"],
        answered_replies=row["answered"],
    )


TREND_FIGURES = ("raised", "suggestions", "replied_in_time", "escalated", "resolved", "adopted")


def trend_of(row: dict[str, Any], threshold: int | None) -> WeeklyTrend:
    """A week's figures, all null when fewer issues than ``threshold`` were raised in it."""
    withheld = is_withheld(row["raised"], threshold)
    figures = {name: None if withheld else row[name] for name in TREND_FIGURES}
    return WeeklyTrend(week=row["week"], withheld=withheld, **figures)


AS_PARENT = {
    "ReplyWithin": "urgent high normal low",
    "VoiceDepartment": "id name scope contactEmail leadership version replyWithin",
    "IssueReply": "number department visibility text repliedAt outcome outcomeAt",
    "IssueComment": "text commentedAt",
    "VoiceIssue": (
        "id kind department firstDepartment priority status anonymous raisedBy title "
        "description raisedAt replyDueAt firstReplyAt acceptedAt resolvedAt escalatedAt "
        "breachAt escalationReason escalations representativeIssueId adoptedOn replies "
        "comments ageHours overdueHours"
    ),
    "IssuePage": "issues nextCursor",
    "BoardEntry": "issueId kind department title status raisedAt linkedIssues replies",
    "BoardPage": "entries nextCursor",
    "DepartmentFigures": (
        "department withheld issues open overdue breached escalated hoursToFirstReply "
        "hoursToResolution acceptedReplies answeredReplies acceptanceRate"
    ),
    "WeeklyTrend": "week withheld raised suggestions repliedInTime escalated resolved adopted",
    "VoiceFigures": "since anonymityThreshold departments weeks",
    "IssueReceipt": "eventId type context position duplicate issueId followUpKey",
}
"""Fields whoever may read their object may read."""
