"""The employee opinion platform in GraphQL: issues raised to departments."""

import strawberry
from strawberry.types import Info

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.permissions import COMPANY, SELF, for_people, grants
from aerie_gateway.recording import CommandResult, MayRecord, record


@strawberry.input
class RaiseIssueInput:
    command_id: str
    employee_id: str
    issue_id: str
    department: str
    title: str
    description: str
    anonymous: bool = False
    occurred_at: str | None = None


@strawberry.type
class VoiceMutations:
    @strawberry.mutation(permission_classes=[MayRecord], description="Record issue.raised.")
    async def raise_issue(self, info: Info, input: RaiseIssueInput) -> CommandResult:
        return await record(info, "issue.raised", input)


DOMAIN = GatewayDomain(
    name="voice",
    mutation=VoiceMutations,
    writes={"issue.raised": for_people(SELF), "issue.handed_over": grants(hr=COMPANY)},
    mutations={"raiseIssue": "issue.raised"},
)
