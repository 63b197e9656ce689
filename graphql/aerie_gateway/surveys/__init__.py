"""Satisfaction surveys in GraphQL: employees answer them."""

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.permissions import SELF, for_people
from aerie_gateway.recording import CommandResult, MayRecord, record


@strawberry.input
class AnswerSurveyInput:
    command_id: str
    employee_id: str
    survey_id: str
    overall: int
    drivers: JSON
    comment: str | None = None
    occurred_at: str | None = None


@strawberry.type
class SurveyMutations:
    @strawberry.mutation(permission_classes=[MayRecord], description="Record survey.answered.")
    async def answer_survey(self, info: Info, input: AnswerSurveyInput) -> CommandResult:
        return await record(info, "survey.answered", input)


DOMAIN = GatewayDomain(
    name="surveys",
    mutation=SurveyMutations,
    writes={"survey.answered": for_people(SELF)},
    mutations={"answerSurvey": "survey.answered"},
)
