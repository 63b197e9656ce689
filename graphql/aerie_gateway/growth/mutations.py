"""Writes of the growth paths: each records one event through the command path."""

from __future__ import annotations

import strawberry
from aerie_events.catalog.learning import (
    ACCEPTANCE_TEST_FAILED,
    ACCEPTANCE_TEST_PASSED,
    MAKEUP_EXAM_FAILED,
    MAKEUP_EXAM_PASSED,
    QUIZ_SCORED,
    STUDY_LOGGED,
    STUDY_PLAN_ENDED,
    STUDY_PLAN_STARTED,
    TRAINING_ASSIGNED,
    TRAINING_FAILED,
    TRAINING_PASSED,
)
from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    KPI_RECORDED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)
from strawberry.types import Info

from aerie_gateway.growth.regrouping import (
    AcceptRegroupingInput,
    ProposalAccepted,
    ProposalRecorded,
    ProposeRegroupingInput,
    accept,
    propose,
)
from aerie_gateway.recording import OCCURRED_AT, CommandResult, MayRecord, record

DECIMAL = 'A decimal as text, e.g. "4.35".'


@strawberry.input(description="A site's KPI facts of one agent for one local day.")
class RecordKpiInput:
    command_id: str
    employee_id: str
    day: str = strawberry.field(description="The site's local date the facts are of (YYYY-MM-DD).")
    calls_answered: int
    average_handling_seconds: int
    first_contact_resolution: str = strawberry.field(description=f"0 to 100 (%). {DECIMAL}")
    customer_satisfaction: str = strawberry.field(description=f"1 to 5. {DECIMAL}")
    qa_score: str = strawberry.field(description=f"0 to 100. {DECIMAL}")
    attendance: str = strawberry.field(description=f"0 to 100 (%). {DECIMAL}")
    occurred_at: str | None = strawberry.field(default=None, description=OCCURRED_AT)


@strawberry.input
class GraduateChickInput:
    command_id: str
    employee_id: str
    graduated_on: str
    reason: str
    occurred_at: str | None = None


@strawberry.input
class PromoteStarInput:
    command_id: str
    employee_id: str
    to_star: int
    reason: str
    promoted_on: str
    occurred_at: str | None = None


@strawberry.input
class DemoteStarInput:
    command_id: str
    employee_id: str
    to_star: int
    reason: str
    demoted_on: str
    occurred_at: str | None = None


@strawberry.input
class ChangeTrackInput:
    command_id: str
    employee_id: str
    to_track: str = strawberry.field(
        description="agent, team_lead, group_leader, specialist, trainer or qa."
    )
    reason: str
    changed_on: str
    occurred_at: str | None = None


@strawberry.input
class AssignTrainingInput:
    command_id: str
    employee_id: str
    course_id: str
    course_title: str
    assigned_on: str
    reason: str
    due_on: str | None = None
    occurred_at: str | None = None


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
    retake: bool | None = strawberry.field(
        default=None, description="True for a second pass of a course passed before."
    )
    occurred_at: str | None = None


@strawberry.input
class FailTrainingInput:
    command_id: str
    employee_id: str
    course_id: str
    course_title: str
    score: int
    pass_mark: int
    failed_on: str
    occurred_at: str | None = None


@strawberry.input
class StartStudyPlanInput:
    command_id: str
    employee_id: str
    first_day: str
    last_day: str
    required_minutes: int
    reason: str
    occurred_at: str | None = None


@strawberry.input
class EndStudyPlanInput:
    command_id: str
    employee_id: str
    ended_on: str
    reason: str
    occurred_at: str | None = None


@strawberry.input
class LogStudyInput:
    command_id: str
    employee_id: str
    day: str
    minutes: int
    course_id: str
    occurred_at: str | None = None


@strawberry.input
class ScoreQuizInput:
    command_id: str
    employee_id: str
    quiz_id: str
    course_id: str
    day: str
    score: int
    occurred_at: str | None = None


@strawberry.input
class MakeupExamInput:
    command_id: str
    employee_id: str
    score: int
    pass_mark: int
    taken_on: str
    occurred_at: str | None = None


@strawberry.input
class AcceptanceTestInput:
    command_id: str
    employee_id: str
    order_id: str = strawberry.field(description="The off-post training order the test closes.")
    score: int
    pass_mark: int
    taken_on: str
    occurred_at: str | None = None


def _records(kind: str, text: str) -> dict[str, object]:
    return {"permission_classes": [MayRecord], "description": f"Record {kind}: {text}"}


@strawberry.type
class GrowthMutations:
    @strawberry.mutation(**_records(KPI_RECORDED, "a day's KPI facts of an agent."))
    async def record_kpi(self, info: Info, input: RecordKpiInput) -> CommandResult:
        return await record(info, KPI_RECORDED, input)

    @strawberry.mutation(**_records(CHICK_GRADUATED, "checked against the ladder policy."))
    async def graduate_chick(self, info: Info, input: GraduateChickInput) -> CommandResult:
        return await record(info, CHICK_GRADUATED, input)

    @strawberry.mutation(
        **_records(STAR_PROMOTED, "one star up, checked against the ladder policy.")
    )
    async def promote_star(self, info: Info, input: PromoteStarInput) -> CommandResult:
        return await record(info, STAR_PROMOTED, input)

    @strawberry.mutation(
        **_records(STAR_DEMOTED, "one star down, checked against the ladder policy.")
    )
    async def demote_star(self, info: Info, input: DemoteStarInput) -> CommandResult:
        return await record(info, STAR_DEMOTED, input)

    @strawberry.mutation(**_records(TRACK_CHANGED, "checked against the ladder policy."))
    async def change_track(self, info: Info, input: ChangeTrackInput) -> CommandResult:
        return await record(info, TRACK_CHANGED, input)

    @strawberry.mutation(**_records(TRAINING_ASSIGNED, "a course to take."))
    async def assign_training(self, info: Info, input: AssignTrainingInput) -> CommandResult:
        return await record(info, TRAINING_ASSIGNED, input)

    @strawberry.mutation(**_records(TRAINING_PASSED, "a second pass is a retake."))
    async def pass_training(self, info: Info, input: PassTrainingInput) -> CommandResult:
        return await record(info, TRAINING_PASSED, input)

    @strawberry.mutation(**_records(TRAINING_FAILED, "a score under the pass mark."))
    async def fail_training(self, info: Info, input: FailTrainingInput) -> CommandResult:
        return await record(info, TRAINING_FAILED, input)

    @strawberry.mutation(**_records(STUDY_PLAN_STARTED, "daily required study from home."))
    async def start_study_plan(self, info: Info, input: StartStudyPlanInput) -> CommandResult:
        return await record(info, STUDY_PLAN_STARTED, input)

    @strawberry.mutation(**_records(STUDY_PLAN_ENDED, "the plan's last day moves earlier."))
    async def end_study_plan(self, info: Info, input: EndStudyPlanInput) -> CommandResult:
        return await record(info, STUDY_PLAN_ENDED, input)

    @strawberry.mutation(**_records(STUDY_LOGGED, "minutes of e-learning on a day."))
    async def log_study(self, info: Info, input: LogStudyInput) -> CommandResult:
        return await record(info, STUDY_LOGGED, input)

    @strawberry.mutation(**_records(QUIZ_SCORED, "a post-class quiz."))
    async def score_quiz(self, info: Info, input: ScoreQuizInput) -> CommandResult:
        return await record(info, QUIZ_SCORED, input)

    @strawberry.mutation(**_records(MAKEUP_EXAM_PASSED, "ready for calls again."))
    async def pass_makeup_exam(self, info: Info, input: MakeupExamInput) -> CommandResult:
        return await record(info, MAKEUP_EXAM_PASSED, input)

    @strawberry.mutation(**_records(MAKEUP_EXAM_FAILED, "still not ready for calls."))
    async def fail_makeup_exam(self, info: Info, input: MakeupExamInput) -> CommandResult:
        return await record(info, MAKEUP_EXAM_FAILED, input)

    @strawberry.mutation(**_records(ACCEPTANCE_TEST_PASSED, "after off-post training."))
    async def pass_acceptance_test(self, info: Info, input: AcceptanceTestInput) -> CommandResult:
        return await record(info, ACCEPTANCE_TEST_PASSED, input)

    @strawberry.mutation(**_records(ACCEPTANCE_TEST_FAILED, "re-positioning follows."))
    async def fail_acceptance_test(self, info: Info, input: AcceptanceTestInput) -> CommandResult:
        return await record(info, ACCEPTANCE_TEST_FAILED, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Propose balanced teams for a site's available agents (CP-SAT) and record "
        "regrouping.proposed with the balance reached.",
    )
    async def propose_regrouping(
        self, info: Info, input: ProposeRegroupingInput
    ) -> ProposalRecorded:
        return await propose(info, input)

    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record regrouping.accepted, then each agent's employee.transferred, each answered.",
    )
    async def accept_regrouping(self, info: Info, input: AcceptRegroupingInput) -> ProposalAccepted:
        return await accept(info, input)
