"""GraphQL types of the employee-experience view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from aerie_projections.profile import queries as profile_queries
from strawberry.scalars import JSON
from strawberry.types import Info

from aerie_gateway.permissions import Allowed, Placement, target
from graphql import GraphQLError


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


@strawberry.type(description="The employee's most recent survey answer.")
class SurveyAnswer:
    survey_id: str
    overall: int
    answered_at: dt.datetime


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
    last_survey: SurveyAnswer | None = strawberry.field(
        permission_classes=[Allowed],
        description="Seen only by the employee and HR: answers are not their manager's to read.",
    )
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
        return await info.context.loaders.trainings.load(str(self.id))

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
        return await info.context.loaders.open_issues.load(str(self.id))

    @property
    def placement(self) -> Placement:
        return Placement(str(self.id), self.site_id, self.team_id)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Employee:
        survey = None
        if row["last_survey_id"]:
            survey = SurveyAnswer(
                survey_id=row["last_survey_id"],
                overall=row["last_survey_overall"],
                answered_at=row["last_survey_at"],
            )
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
            last_survey=survey,
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


MAX_WAIT_MS = 5000


@strawberry.type(description="What a command recorded (or had recorded, when retried).")
class CommandResult:
    event_id: strawberry.ID
    type: str
    context: str
    position: int | None
    duplicate: bool
    employee_id: strawberry.Private[str | None] = None
    partition_key: strawberry.Private[str | None] = None

    @strawberry.field(
        permission_classes=[Allowed],
        description=(
            "The employee's unified view once it shows this write: the answer waits up to "
            f"waitMs (at most {MAX_WAIT_MS}) for the projection, then says PENDING. "
            "No need to poll."
        ),
    )
    async def view(self, info: Info, wait_ms: int = 2000) -> ViewAfterWrite | None:
        if not 0 <= wait_ms <= MAX_WAIT_MS:
            raise GraphQLError(
                f"waitMs: {wait_ms} is out of range (allowed: 0 to {MAX_WAIT_MS})",
                extensions={"code": "INVALID_ARGUMENT", "field": "waitMs"},
            )
        applied = await info.context.freshness.applied(
            "profile", self.context, self.partition_key, self.position, wait_ms / 1000
        )
        async with info.context.pool.connection() as conn:  # read afresh, after the wait
            rows = await profile_queries.employees(conn, [str(self.employee_id)])
        row = rows.get(str(self.employee_id))
        return ViewAfterWrite(
            status=ViewStatus.APPLIED if applied else ViewStatus.PENDING,
            employee=Employee.from_row(row) if row else None,
        )


@target("CommandResult.view")
async def _written_about(
    source: CommandResult, info: Info, _arguments: dict[str, Any]
) -> Placement:
    row = await info.context.loaders.profiles.load(str(source.employee_id))
    if row is None:  # not projected yet: only its own employee is known to reach it
        return Placement(employee_id=source.employee_id)
    return Placement(row["employee_id"], row["site_id"], row["team_id"])


@target("Employee.lastSurvey")
@target("Employee.openIssues")
def _the_employee(source: Employee, _info: Info, _arguments: dict[str, Any]) -> Placement:
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
        description="How many answered; null below the threshold (it would tell who did)."
    )
    average_survey: float | None


@strawberry.type(description="A site in numbers: no field names an employee.")
class SiteSummary:
    site_id: str
    headcount: int
    by_star: list[StarCount]
    teams: list[TeamSummary]
    anonymity_threshold: int = strawberry.field(
        description="Averages over fewer people than this are not shown."
    )


@strawberry.type(description="One recorded event about an employee: what, when, who, how.")
class AuditEntry:
    event_id: strawberry.ID
    type: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    position: int
    context: str
    site_id: str | None
    actor: JSON = strawberry.field(description="Who did it: kind, id, role, client.")
    source: JSON = strawberry.field(description="Through what: the system and the client.")
    policy_version: str | None


@strawberry.type(description="A page of an employee's audit trail, oldest first.")
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on the last one."
    )
