"""The growth path in GraphQL: trainings passed, stars earned."""

import strawberry
from strawberry.types import Info

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.permissions import COMPANY, SITE, grants
from aerie_gateway.recording import CommandResult, MayRecord, record


@strawberry.input
class PassTrainingInput:
    command_id: str = strawberry.field(
        description="The LMS statement id: a retry records nothing new."
    )
    employee_id: str
    course_id: str
    course_title: str
    score: int
    pass_mark: int
    passed_on: str
    occurred_at: str | None = None


@strawberry.input
class PromoteStarInput:
    command_id: str
    employee_id: str
    to_star: int
    reason: str
    promoted_on: str
    occurred_at: str | None = None


@strawberry.type
class GrowthMutations:
    @strawberry.mutation(permission_classes=[MayRecord], description="Record training.passed.")
    async def pass_training(self, info: Info, input: PassTrainingInput) -> CommandResult:
        return await record(info, "training.passed", input)

    @strawberry.mutation(
        permission_classes=[MayRecord], description="Record star.promoted (one star up)."
    )
    async def promote_star(self, info: Info, input: PromoteStarInput) -> CommandResult:
        return await record(info, "star.promoted", input)


DOMAIN = GatewayDomain(
    name="growth",
    mutation=GrowthMutations,
    writes={
        "training.passed": grants(lms=COMPANY, site_publisher=SITE),
        "star.promoted": grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
    },
    mutations={"passTraining": "training.passed", "promoteStar": "star.promoted"},
)
