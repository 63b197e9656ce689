"""Survey mutations: publish a survey, answer (or correct) it as yourself, close it early.

None takes an ``occurredAt``: a survey's dates are judged at the moment the platform
receives the command, whoever sends it (``Handles.event_time``: ``platform``).
"""

from __future__ import annotations

import strawberry
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from strawberry.scalars import JSON
from strawberry.types import Info

from aerie_gateway.recording import CommandResult, MayRecord, handle, record


@strawberry.input(description="A scale question: overall (one), enps (one, 0-10) or driver.")
class SurveyQuestionInput:
    question_id: str = strawberry.field(description="Keep it across waves to compare them.")
    text: str
    scale: str = strawberry.field(description="1-5 or 0-10.")
    role: str = strawberry.field(description="overall, enps or driver.")


@strawberry.input
class PublishSurveyInput:
    command_id: str
    survey_id: str
    series_id: str
    title: str
    questions: list[SurveyQuestionInput]
    opens_on: str = strawberry.field(description="YYYY-MM-DD, each site's local date.")
    closes_on: str = strawberry.field(description="YYYY-MM-DD, each site's local date.")
    comment_prompt: str | None = strawberry.field(default=None, description="The free text asked.")
    sites: list[str] | None = strawberry.field(
        default=None, description="Sites asked (with teams; neither: everyone)."
    )
    teams: list[str] | None = None
    anonymity_threshold: int | None = strawberry.field(
        default=None, description="A stricter threshold than the policy's, if wanted."
    )


@strawberry.input
class AnswerSurveyInput:
    command_id: str
    employee_id: str = strawberry.field(
        description="Yourself: answers are recorded under a pseudonym, never your id."
    )
    survey_id: str
    overall: int
    enps: int
    drivers: JSON = strawberry.field(description="Each driver question's answer, by question id.")
    comment: str | None = None


@strawberry.input
class CloseSurveyInput:
    command_id: str
    survey_id: str


@strawberry.type
class SurveyMutations:
    @strawberry.mutation(permission_classes=[MayRecord], description="Record survey.published.")
    async def publish_survey(self, info: Info, input: PublishSurveyInput) -> CommandResult:
        given = {k: v for k, v in vars(input).items() if v is not None}
        given["questions"] = [vars(q) for q in input.questions]
        command_id = given.pop("command_id")
        return await handle(
            info,
            SURVEY_PUBLISHED,
            data=given,
            prefix="input",
            camel_case=True,
            command_id=command_id,
        )

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record survey.answered as yourself: a first answer, or a correction until "
        "the survey closes (the same answers again record nothing). It names no one: the result "
        "has no view and no position, and its event id is a receipt only the platform can make.",
    )
    async def answer_survey(self, info: Info, input: AnswerSurveyInput) -> CommandResult:
        result = await record(info, SURVEY_ANSWERED, input)
        return CommandResult(
            event_id=result.event_id,
            type=result.type,
            context=result.context,
            position=result.position,
            duplicate=result.duplicate,
        )

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record survey.closed early: no answer is taken after it; results show.",
    )
    async def close_survey(self, info: Info, input: CloseSurveyInput) -> CommandResult:
        data = {"survey_id": input.survey_id, "reason": "early"}
        return await handle(
            info,
            SURVEY_CLOSED,
            data=data,
            prefix="input",
            camel_case=True,
            command_id=input.command_id,
        )
