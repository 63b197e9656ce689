"""GraphQL types of the unified employee view, a site's roster and a site in numbers.

``Employee`` is the unified view: each capability adds its fields to it here,
typed lazily (``strawberry.lazy``) so that this module imports none of them,
with resolvers that call into the capability's own module.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from aerie_projections.profile import queries as profile_queries
from psycopg_pool import AsyncConnectionPool
from strawberry.types import Info

from aerie_gateway.permissions import Allowed, Placement, target

if TYPE_CHECKING:
    from aerie_gateway.growth.types import GrowthPath, Readiness


@strawberry.type(description="A course assessment the employee passed.")
class TrainingPassed:
    course_id: str
    course_title: str
    score: int
    passed_on: dt.date


@strawberry.type(description="An issue the employee raised by name (anonymous ones are not shown).")
class Issue:
    issue_id: str
    department: str
    title: str | None = strawberry.field(description="Null once its author's data was erased.")
    status: str
    raised_at: dt.datetime
    holder_id: str | None = strawberry.field(
        description="Who follows it up: its author, or whom it was handed over to."
    )


@strawberry.type(description="Coupons the agent granted customers.")
class CouponSummary:
    count: int
    total_amount: Decimal


@strawberry.type(description="One employee across every context: roster, growth, learning, voice.")
class Employee:
    id: strawberry.ID
    site_id: str | None
    team_id: str | None
    display_name: str | None
    role: str | None
    status: str | None
    hired_on: dt.date | None
    left_on: dt.date | None
    star_level: int
    trainings_passed_count: int
    open_issue_count: int
    coupons_granted: CouponSummary
    updated_at: dt.datetime

    known_trainings: strawberry.Private[list[dict[str, Any]] | None] = None
    known_open_issues: strawberry.Private[list[dict[str, Any]] | None] = None

    @strawberry.field(description="Courses passed, oldest first.")
    async def trainings_passed(self, info: Info) -> list[TrainingPassed]:
        if self.known_trainings is not None:
            return [
                TrainingPassed(**{**t, "passed_on": dt.date.fromisoformat(t["passed_on"])})
                for t in self.known_trainings
            ]
        return await info.context.loaders.of(trainings_of).load(str(self.id))

    @strawberry.field(
        permission_classes=[Allowed],
        description="Issues raised by name and still open, oldest first (the employee and HR).",
    )
    async def open_issues(self, info: Info) -> list[Issue] | None:
        if self.known_open_issues is not None:
            return [
                Issue(**{**i, "raised_at": dt.datetime.fromisoformat(i["raised_at"])})
                for i in self.known_open_issues
            ]
        return await info.context.loaders.of(open_issues_of).load(str(self.id))

    # growth paths (aerie_gateway.growth)

    @strawberry.field(
        permission_classes=[Allowed],
        description="The eagle ladder: stage, star, track, history and progress to the next step.",
    )
    async def growth_path(
        self, info: Info
    ) -> Annotated[GrowthPath, strawberry.lazy("aerie_gateway.growth.types")] | None:
        from aerie_gateway.growth.types import growth_path_of

        return await growth_path_of(info, str(self.id))

    @strawberry.field(
        permission_classes=[Allowed],
        description="Whether the employee is ready for calls today, and every reason not.",
    )
    async def readiness(
        self, info: Info
    ) -> Annotated[Readiness, strawberry.lazy("aerie_gateway.growth.types")] | None:
        from aerie_gateway.growth.types import readiness_of

        return await readiness_of(info, str(self.id))

    @property
    def placement(self) -> Placement:
        return Placement(str(self.id), self.site_id, self.team_id)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Employee:
        return cls(
            id=strawberry.ID(row["employee_id"]),
            site_id=row["site_id"],
            team_id=row["team_id"],
            display_name=row["display_name"],
            role=row["role"],
            status=row["status"],
            hired_on=row["hired_on"],
            left_on=row["left_on"],
            star_level=row["star_level"],
            trainings_passed_count=row["trainings_passed"],
            open_issue_count=row["open_issues"],
            coupons_granted=CouponSummary(
                count=row["coupons_granted"], total_amount=row["coupon_total"]
            ),
            updated_at=row["updated_at"],
            known_trainings=row.get("trainings_list"),
            known_open_issues=row.get("open_issues_list"),
        )


@strawberry.type
class EmployeeEdge:
    cursor: str
    node: Employee


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="A page of employees, ordered by id.")
class EmployeeConnection:
    edges: list[EmployeeEdge]
    page_info: PageInfo


@strawberry.enum(description="Whether the view already shows the write.")
class ViewStatus(Enum):
    APPLIED = "applied"
    PENDING = "pending"


@strawberry.type(description="The employee's view once it shows the write, or PENDING.")
class ViewAfterWrite:
    status: ViewStatus
    employee: Employee | None = strawberry.field(
        description="The unified view (as it stands when PENDING: without the write)."
    )


@target("Employee.openIssues")
def the_employee(source: Employee, _info: Info, _arguments: dict[str, Any]) -> Placement:
    """The target of a field of the unified view: the employee it shows (for ``@target``)."""
    return source.placement


@strawberry.type(description="Who the bearer token says you are.")
class Me:
    subject: str
    role: str
    site: str | None
    team: str | None
    department: str | None
    client: str | None


@strawberry.type(description="Active employees at one star level.")
class StarCount:
    star_level: int
    headcount: int


@strawberry.type(description="One team's figures; averages are null below the anonymity threshold.")
class TeamSummary:
    team_id: str | None
    headcount: int
    average_star: float | None
    survey_answers: int | None = strawberry.field(
        description="How many answered the site's latest closed survey (surveyId) in this team; "
        "null when the survey's results withhold the team (it would tell who did)."
    )
    average_survey: float | None = strawberry.field(
        description="Their mean overall satisfaction, on that survey's overall scale; null when "
        "withheld."
    )


@strawberry.type(description="A site in numbers: no field names an employee.")
class SiteSummary:
    site_id: str
    headcount: int
    by_star: list[StarCount]
    teams: list[TeamSummary]
    anonymity_threshold: int = strawberry.field(
        description="Average stars over fewer people than this are not shown (the platform's "
        "AERIE_ANONYMITY_THRESHOLD; survey figures follow surveyAnonymityThreshold)."
    )
    survey_id: str | None = strawberry.field(
        default=None,
        description="The site's latest closed survey, which the teams' survey figures come from.",
    )
    survey_anonymity_threshold: int | None = strawberry.field(
        default=None,
        description="The threshold that survey was published under: its figures are withheld "
        "for fewer respondents (and where subtracting shown groups would isolate fewer).",
    )


async def profile_rows(pool: AsyncConnectionPool, keys: list[str]) -> list[dict[str, Any] | None]:
    """The profile row of each employee id (None for an unknown one)."""
    async with pool.connection() as conn:
        rows = await profile_queries.employees(conn, keys)
    return [rows.get(k) for k in keys]


async def trainings_of(pool: AsyncConnectionPool, keys: list[str]) -> list[list[TrainingPassed]]:
    async with pool.connection() as conn:
        rows = await profile_queries.trainings_of(conn, keys)
    return [[TrainingPassed(**r) for r in rows.get(k, [])] for k in keys]


async def open_issues_of(pool: AsyncConnectionPool, keys: list[str]) -> list[list[Issue]]:
    async with pool.connection() as conn:
        rows = await profile_queries.open_issues_of(conn, keys)
    return [[Issue(**r) for r in rows.get(k, [])] for k in keys]
