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

from aerie_services.kit.access import COMPANY, MANAGERS_ONLY, SITE, TEAM, grants
from aerie_services.kit.context import BoundedContext, Handles
from aerie_services.learning.application import Learning

EMPLOYEE_COURSES = "employee.courses_passed"
"""Fact: the courses an employee passed, course id -> the day first passed (ISO date)."""

LMS = grants(lms=COMPANY, site_publisher=SITE)
"""What the LMS reports (a site's feed for its own site): courses, study, quizzes and tests."""
PLANS = grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE)
"""Who starts and ends a daily study plan."""
STATEMENT_ID = {"command_id": "The LMS statement id: a retry records nothing new."}

CONTEXT = BoundedContext(
    name="learning",
    application=Learning,
    handles=(
        Handles(
            TRAINING_ASSIGNED,
            Learning.assign_training,
            may=grants(lms=COMPANY, site_publisher=SITE, team_lead=TEAM, site_manager=SITE),
        ),
        Handles(TRAINING_PASSED, Learning.pass_training, may=LMS, notes=STATEMENT_ID),
        Handles(TRAINING_FAILED, Learning.fail_training, may=LMS),
        Handles(
            STUDY_PLAN_STARTED,
            Learning.start_study_plan,
            may=PLANS,
            decided_by_domain=frozenset({"time_zone"}),
        ),
        Handles(STUDY_PLAN_ENDED, Learning.end_study_plan, may=PLANS),
        Handles(STUDY_LOGGED, Learning.log_study, may=LMS),
        Handles(QUIZ_SCORED, Learning.score_quiz, may=LMS),
        Handles(
            STUDY_MISSED,
            Learning.miss_study,
            may=MANAGERS_ONLY,
            mutation=False,
            decided_by_domain=frozenset(
                {"required_minutes", "logged_minutes", "best_quiz_score", "reason"}
            ),
        ),
        Handles(
            MAKEUP_EXAM_PASSED, Learning.pass_makeup_exam, may=LMS, input_type="MakeupExamInput"
        ),
        Handles(
            MAKEUP_EXAM_FAILED, Learning.fail_makeup_exam, may=LMS, input_type="MakeupExamInput"
        ),
        Handles(
            ACCEPTANCE_TEST_PASSED,
            Learning.pass_acceptance_test,
            may=LMS,
            input_type="AcceptanceTestInput",
        ),
        Handles(
            ACCEPTANCE_TEST_FAILED,
            Learning.fail_acceptance_test,
            may=LMS,
            input_type="AcceptanceTestInput",
        ),
    ),
    facts={EMPLOYEE_COURSES: Learning.courses_passed_of},
)
