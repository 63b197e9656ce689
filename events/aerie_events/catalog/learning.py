"""Learning's events: courses, daily required study, make-up and acceptance tests."""

from __future__ import annotations

from typing import Any

from aerie_events.catalog.kit import EventType, Upcasters, define
from aerie_events.fields import Field

CONTEXT = "learning"

TRAINING_ASSIGNED = "training.assigned"
TRAINING_PASSED = "training.passed"
TRAINING_FAILED = "training.failed"
STUDY_PLAN_STARTED = "study_plan.started"
STUDY_PLAN_ENDED = "study_plan.ended"
STUDY_LOGGED = "study.logged"
QUIZ_SCORED = "quiz.scored"
STUDY_MISSED = "study.missed"
MAKEUP_EXAM_PASSED = "makeup_exam.passed"
MAKEUP_EXAM_FAILED = "makeup_exam.failed"
ACCEPTANCE_TEST_PASSED = "acceptance_test.passed"
ACCEPTANCE_TEST_FAILED = "acceptance_test.failed"

_DAY = "A day, the site's local date."
SCORED: dict[str, Field] = {
    "score": Field("int", "Score.", minimum=0, maximum=100),
    "pass_mark": Field("int", "The score needed to pass.", minimum=0, maximum=100),
    "taken_on": Field("date", "Day of the exam."),
}

TYPES: tuple[EventType, ...] = (
    define(
        TRAINING_ASSIGNED,
        CONTEXT,
        "A course was assigned to an employee (targeted training, or off-post training).",
        course_id=Field("id", "The course, as the LMS names it."),
        course_title=Field("text", "The course title.", max_length=200),
        assigned_on=Field("date", "Day it was assigned."),
        due_on=Field("date", "Day it should be passed by.", required=False),
        reason=Field("text", "Why it was assigned.", max_length=500),
    ),
    define(
        TRAINING_PASSED,
        CONTEXT,
        "An employee passed a course's assessment (a second pass of a course is a retake).",
        course_id=Field("id", "The course, as the LMS names it."),
        course_title=Field("text", "The course title.", max_length=200),
        score=Field("int", "Assessment score.", minimum=0, maximum=100),
        pass_mark=Field("int", "The score needed to pass.", minimum=0, maximum=100),
        passed_on=Field("date", "Day of the assessment."),
        retake=Field("bool", "True for a second pass of a course passed before.", required=False),
        schema_version=2,
    ),
    define(
        TRAINING_FAILED,
        CONTEXT,
        "An employee's assessment score stayed under a course's pass mark.",
        course_id=Field("id", "The course, as the LMS names it."),
        course_title=Field("text", "The course title.", max_length=200),
        score=Field("int", "Assessment score.", minimum=0, maximum=100),
        pass_mark=Field("int", "The score needed to pass.", minimum=0, maximum=100),
        failed_on=Field("date", "Day of the assessment."),
    ),
    define(
        STUDY_PLAN_STARTED,
        CONTEXT,
        "An employee working from home has daily required study (minutes and a quiz) each day.",
        first_day=Field("date", "First day of the plan, the site's local date."),
        last_day=Field("date", "Last day of the plan (at most 92 days after the first)."),
        required_minutes=Field(
            "int", "Minutes of e-learning required each day.", minimum=1, maximum=480
        ),
        reason=Field("text", "Why (e.g. working from home during a lock-down).", max_length=500),
        time_zone=Field("zone", "The site's zone its days are counted in."),
    ),
    define(
        STUDY_PLAN_ENDED,
        CONTEXT,
        "An employee's study plan ended before its last day (back at the site).",
        ended_on=Field("date", "Its last day now."),
        reason=Field("text", "Why it ended.", max_length=500),
    ),
    define(
        STUDY_LOGGED,
        CONTEXT,
        "Minutes of e-learning an employee studied on a day, as the LMS reports them.",
        day=Field("date", _DAY),
        minutes=Field("int", "Minutes studied.", minimum=1, maximum=720),
        course_id=Field("id", "The course studied."),
    ),
    define(
        QUIZ_SCORED,
        CONTEXT,
        "An employee's score in a post-class quiz.",
        quiz_id=Field("id", "The quiz."),
        course_id=Field("id", "Its course."),
        day=Field("date", _DAY),
        score=Field("int", "Score.", minimum=0, maximum=100),
    ),
    define(
        STUDY_MISSED,
        CONTEXT,
        "A day of a study plan was missed: a make-up exam is required before calls.",
        day=Field("date", "The day missed, the site's local date."),
        required_minutes=Field("int", "Minutes required that day.", minimum=1, maximum=480),
        logged_minutes=Field("int", "Minutes studied that day.", minimum=0, maximum=10000),
        best_quiz_score=Field(
            "int",
            "Best quiz score that day.",
            minimum=0,
            maximum=100,
            nullable=True,
            required=False,
        ),
        reason=Field("text", "What was missing.", max_length=500),
    ),
    define(
        MAKEUP_EXAM_PASSED,
        CONTEXT,
        "An employee passed the make-up exam for missed study: ready for calls again.",
        SCORED,
    ),
    define(
        MAKEUP_EXAM_FAILED,
        CONTEXT,
        "An employee's make-up exam score stayed under its pass mark.",
        SCORED,
    ),
    define(
        ACCEPTANCE_TEST_PASSED,
        CONTEXT,
        "An agent passed the acceptance test after seven days of off-post training.",
        SCORED,
        order_id=Field("id", "The off-post training order the test closes."),
    ),
    define(
        ACCEPTANCE_TEST_FAILED,
        CONTEXT,
        "An agent failed the acceptance test after off-post training: re-positioning follows.",
        SCORED,
        order_id=Field("id", "The off-post training order the test closes."),
    ),
)


def _training_passed_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """Before retakes were told apart, a pass was taken to be the first of its course."""
    return {**payload, "retake": False}


UPCASTERS: Upcasters = {
    (TRAINING_PASSED, 1): _training_passed_1_to_2,
}
