"""Writes of the opinion platform: each mutation records one event through the command path.

An issue's events happen when the platform records them: the inputs take no
``occurredAt`` (deadlines, breaches and reply times are decided from it).

Departments' responders act on the issues their department holds (the write
side says which department that is, so a responder cannot reach another's).
The author's follow-ups (accept, reject, comment) are checked by the write
side: by name, the caller must be the issue's holder; with a follow-up key,
the key must open the issue, and the event records no one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import strawberry
from aerie_events.catalog.voice import (
    DEPARTMENT_PUBLISHED,
    ISSUE_ACCEPTED,
    ISSUE_COMMENTED,
    ISSUE_ESCALATED,
    ISSUE_LINKED,
    ISSUE_RAISED,
    ISSUE_REASSIGNED,
    ISSUE_REJECTED,
    ISSUE_REPLIED,
    ISSUE_REPRIORITISED,
    ISSUE_RESOLVED,
    SUGGESTION_ADOPTED,
)
from aerie_services.voice import ISSUE_DEPARTMENT
from strawberry.types import Info

from aerie_gateway.permissions import Placement, write_target
from aerie_gateway.recording import CommandResult, MayRecord, WriteServices, handle, record
from aerie_gateway.voice.types import IssueReceipt


@strawberry.input
class ReplyWithinInput:
    urgent: int
    high: int
    normal: int
    low: int


@strawberry.input
class PublishDepartmentInput:
    command_id: str
    department_id: str
    name: str
    scope: str
    contact_email: str
    reply_within: ReplyWithinInput = strawberry.field(
        description="Working minutes to the first reply, per priority."
    )
    leadership: bool = False
    occurred_at: str | None = None


@strawberry.input
class RaiseIssueInput:
    command_id: str
    employee_id: str
    issue_id: str
    department: str = strawberry.field(description="A published department's id.")
    title: str
    description: str
    kind: str = strawberry.field(default="issue", description="issue or suggestion.")
    priority: str = strawberry.field(default="normal", description="urgent, high, normal, low.")
    anonymous: bool = False


@strawberry.input
class ReassignIssueInput:
    command_id: str
    issue_id: str
    to_department: str
    reason: str


@strawberry.input
class ReprioritiseIssueInput:
    command_id: str
    issue_id: str
    priority: str
    reason: str


@strawberry.input
class ReplyToIssueInput:
    command_id: str
    issue_id: str
    text: str
    visibility: str = strawberry.field(
        default="private", description="private, or public: on the board every employee reads."
    )


@strawberry.input
class EscalateIssueInput:
    command_id: str
    issue_id: str
    reason: str = strawberry.field(description="overdue (past its deadline) or rejected.")


@strawberry.input
class ResolveIssueInput:
    command_id: str
    issue_id: str
    note: str | None = None


@strawberry.input
class LinkIssueInput:
    command_id: str
    issue_id: str
    representative_issue_id: str


@strawberry.input
class AdoptSuggestionInput:
    command_id: str
    issue_id: str
    adopted_on: str
    note: str | None = None


FOLLOW_UP_KEY = "An anonymous issue's follow-up key; omit it for an issue raised by name."


@strawberry.input
class AcceptReplyInput:
    command_id: str
    issue_id: str
    comment: str | None = None
    follow_up_key: str | None = strawberry.field(default=None, description=FOLLOW_UP_KEY)


@strawberry.input
class RejectReplyInput:
    command_id: str
    issue_id: str
    reason: str
    follow_up_key: str | None = strawberry.field(default=None, description=FOLLOW_UP_KEY)


@strawberry.input
class CommentOnIssueInput:
    command_id: str
    issue_id: str
    text: str
    follow_up_key: str | None = strawberry.field(default=None, description=FOLLOW_UP_KEY)


async def follow_up(info: Info, kind: str, given: Any) -> CommandResult:
    """The author's follow-up: anonymous (and recorded as no one) when a key is given."""
    values = {k: v for k, v in vars(given).items() if v is not None}
    command_id = values.pop("command_id")
    data = {**values, "anonymous": "follow_up_key" in values}
    return await handle(
        info, kind, data=data, prefix="input", camel_case=True, command_id=command_id
    )


@strawberry.type
class VoiceMutations:
    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record department.published: a department's scope, contact and deadlines.",
    )
    async def publish_department(self, info: Info, input: PublishDepartmentInput) -> CommandResult:
        values = dict(vars(input))
        values["reply_within"] = dict(vars(input.reply_within))
        return await handle(
            info,
            DEPARTMENT_PUBLISHED,
            data={k: v for k, v in values.items() if k not in ("command_id", "occurred_at")},
            prefix="input",
            camel_case=True,
            command_id=input.command_id,
            occurred_at=input.occurred_at,
        )

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description=(
            "Record issue.raised: routed at once to its department, whose contact is emailed. "
            "Anonymous: the answer's followUpKey is the only way back to it; keep it."
        ),
    )
    async def raise_issue(self, info: Info, input: RaiseIssueInput) -> IssueReceipt:
        result = await record(info, ISSUE_RAISED, input)
        issue_id, key = input.issue_id, None
        if input.anonymous:
            app = info.context.bus.apps["voice"]
            issue_id, key = await asyncio.to_thread(
                app.anonymous_receipt, input.employee_id, input.command_id
            )
        return IssueReceipt(
            event_id=result.event_id,
            type=result.type,
            context=result.context,
            position=result.position,
            duplicate=result.duplicate,
            issue_id=issue_id,
            follow_up_key=key,
        )

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record issue.reassigned: to another department, with a reason.",
    )
    async def reassign_issue(self, info: Info, input: ReassignIssueInput) -> CommandResult:
        return await record(info, ISSUE_REASSIGNED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record issue.reprioritised: the deadline moves with the priority.",
    )
    async def reprioritise_issue(self, info: Info, input: ReprioritiseIssueInput) -> CommandResult:
        return await record(info, ISSUE_REPRIORITISED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record issue.replied, privately or on the public board.",
    )
    async def reply_to_issue(self, info: Info, input: ReplyToIssueInput) -> CommandResult:
        return await record(info, ISSUE_REPLIED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record issue.escalated: to leadership, past its deadline or rejected.",
    )
    async def escalate_issue(self, info: Info, input: EscalateIssueInput) -> CommandResult:
        return await record(info, ISSUE_ESCALATED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record issue.resolved, once the author accepted the reply.",
    )
    async def resolve_issue(self, info: Info, input: ResolveIssueInput) -> CommandResult:
        return await record(info, ISSUE_RESOLVED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record issue.linked: a similar issue to the one that represents it.",
    )
    async def link_issue(self, info: Info, input: LinkIssueInput) -> CommandResult:
        return await record(info, ISSUE_LINKED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record suggestion.adopted (on its author's growth path unless anonymous).",
    )
    async def adopt_suggestion(self, info: Info, input: AdoptSuggestionInput) -> CommandResult:
        return await record(info, SUGGESTION_ADOPTED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record issue.accepted: the author accepts the latest reply.",
    )
    async def accept_reply(self, info: Info, input: AcceptReplyInput) -> CommandResult:
        return await follow_up(info, ISSUE_ACCEPTED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record issue.rejected: the reply is not good enough; leadership takes over.",
    )
    async def reject_reply(self, info: Info, input: RejectReplyInput) -> CommandResult:
        return await follow_up(info, ISSUE_REJECTED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord], description="Record issue.commented: the author adds to it."
    )
    async def comment_on_issue(self, info: Info, input: CommentOnIssueInput) -> CommandResult:
        return await follow_up(info, ISSUE_COMMENTED, input)


async def _department_holding(inputs: Mapping[str, Any], services: WriteServices) -> Placement:
    """Where a write about an issue lands: the department that holds the issue now."""
    issue_id = str(inputs.get("issue_id"))
    department = await asyncio.to_thread(services.bus.facts.ask, ISSUE_DEPARTMENT, issue_id)
    return Placement(department=department or None)


for _kind in (
    ISSUE_REASSIGNED,
    ISSUE_REPRIORITISED,
    ISSUE_REPLIED,
    ISSUE_RESOLVED,
    ISSUE_LINKED,
    SUGGESTION_ADOPTED,
):
    write_target(_kind)(_department_holding)
