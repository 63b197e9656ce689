"""The learning bounded context: courses, daily required study, make-up and acceptance tests."""

from aerie_services.context import BoundedContext, Handles
from aerie_services.learning.application import Learning

EMPLOYEE_COURSES = "employee.courses_passed"
"""Fact: the courses an employee passed, course id -> the day first passed (ISO date)."""

CONTEXT = BoundedContext(
    name="learning",
    application=Learning,
    handles=(
        Handles("training.assigned", Learning.assign_training),
        Handles("training.passed", Learning.pass_training),
        Handles("training.failed", Learning.fail_training),
        Handles(
            "study_plan.started",
            Learning.start_study_plan,
            decided_by_domain=frozenset({"time_zone"}),
        ),
        Handles("study_plan.ended", Learning.end_study_plan),
        Handles("study.logged", Learning.log_study),
        Handles("quiz.scored", Learning.score_quiz),
        Handles(
            "study.missed",
            Learning.miss_study,
            decided_by_domain=frozenset(
                {"required_minutes", "logged_minutes", "best_quiz_score", "reason"}
            ),
        ),
        Handles("makeup_exam.passed", Learning.pass_makeup_exam),
        Handles("makeup_exam.failed", Learning.fail_makeup_exam),
        Handles("acceptance_test.passed", Learning.pass_acceptance_test),
        Handles("acceptance_test.failed", Learning.fail_acceptance_test),
    ),
    facts={EMPLOYEE_COURSES: Learning.courses_passed_of},
)
