"""The learning bounded context: courses, daily required study, make-up and acceptance tests."""

from aerie_events.catalog.learning import (
    ACCEPTANCE_TEST_FAILED,
    ACCEPTANCE_TEST_PASSED,
    MAKEUP_EXAM_FAILED,
    MAKEUP_EXAM_PASSED,
    QUIZ_SCORED,
    STUDY_LOGGED,
    STUDY_MISSED,
    STUDY_PLAN_ENDED,
    STUDY_PLAN_STARTED,
    TRAINING_ASSIGNED,
    TRAINING_FAILED,
    TRAINING_PASSED,
)

from aerie_services.kit.context import BoundedContext, Handles
from aerie_services.learning.application import Learning

EMPLOYEE_COURSES = "employee.courses_passed"
"""Fact: the courses an employee passed, course id -> the day first passed (ISO date)."""

CONTEXT = BoundedContext(
    name="learning",
    application=Learning,
    handles=(
        Handles(TRAINING_ASSIGNED, Learning.assign_training),
        Handles(TRAINING_PASSED, Learning.pass_training),
        Handles(TRAINING_FAILED, Learning.fail_training),
        Handles(
            STUDY_PLAN_STARTED,
            Learning.start_study_plan,
            decided_by_domain=frozenset({"time_zone"}),
        ),
        Handles(STUDY_PLAN_ENDED, Learning.end_study_plan),
        Handles(STUDY_LOGGED, Learning.log_study),
        Handles(QUIZ_SCORED, Learning.score_quiz),
        Handles(
            STUDY_MISSED,
            Learning.miss_study,
            decided_by_domain=frozenset(
                {"required_minutes", "logged_minutes", "best_quiz_score", "reason"}
            ),
        ),
        Handles(MAKEUP_EXAM_PASSED, Learning.pass_makeup_exam),
        Handles(MAKEUP_EXAM_FAILED, Learning.fail_makeup_exam),
        Handles(ACCEPTANCE_TEST_PASSED, Learning.pass_acceptance_test),
        Handles(ACCEPTANCE_TEST_FAILED, Learning.fail_acceptance_test),
    ),
    facts={EMPLOYEE_COURSES: Learning.courses_passed_of},
)
