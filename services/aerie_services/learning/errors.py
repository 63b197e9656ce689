"""Learning's refusals: courses, daily study, make-up and acceptance tests."""

from __future__ import annotations

import datetime as dt

from aerie_services.kit.errors import DomainError


class ScoreBelowPassMark(DomainError):
    code = "SCORE_BELOW_PASS_MARK"

    def __init__(self, score: int, pass_mark: int) -> None:
        super().__init__(
            f"a score of {score} does not pass (pass mark {pass_mark})",
            field="score",
            allowed=f"a score of at least {pass_mark}",
        )


class AlreadyPassed(DomainError):
    code = "ALREADY_PASSED"

    def __init__(self, course_id: str, passed_on: str) -> None:
        super().__init__(
            f"course {course_id!r} was already passed on {passed_on}",
            field="retake",
            allowed="true, when this pass is a retake of the course",
        )


class NoStudyPlan(DomainError):
    code = "NO_STUDY_PLAN"

    def __init__(self, day: str) -> None:
        super().__init__(
            f"no study plan runs on {day}",
            field="day",
            allowed="a day of the employee's running study plan",
        )


class StudyDayMet(DomainError):
    code = "STUDY_DAY_MET"

    def __init__(self, day: str) -> None:
        super().__init__(
            f"the required study of {day} was met",
            field="day",
            allowed="a day whose required study was missed",
        )


class InvalidStudyPlan(DomainError):
    code = "INVALID_STUDY_PLAN"

    def __init__(self, field: str, problem: str, allowed: str) -> None:
        super().__init__(f"the study plan {problem}", field=field, allowed=allowed)


class ScoreAbovePassMark(DomainError):
    code = "SCORE_NOT_BELOW_PASS_MARK"

    def __init__(self, score: int, pass_mark: int) -> None:
        super().__init__(
            f"a score of {score} reaches the pass mark {pass_mark}: that is a pass",
            field="score",
            allowed=f"a score under {pass_mark}",
        )


class NotAnOrder(DomainError):
    code = "UNKNOWN_ORDER"

    def __init__(self, order_id: str, why: str) -> None:
        super().__init__(
            f"off-post training order {order_id!r} {why}",
            field="orderId",
            allowed="an off-post training order with an acceptance test, not re-positioned yet",
        )


class AcceptanceTestTooEarly(DomainError):
    """An acceptance test dated before its off-post training has ended."""

    code = "ACCEPTANCE_TEST_TOO_EARLY"

    def __init__(self, order_id: str, taken_on: str, starts_on: str | None, ends_on: str) -> None:
        training = f"from {starts_on} to {ends_on}" if starts_on else f"until {ends_on}"
        first = (dt.date.fromisoformat(ends_on) + dt.timedelta(days=1)).isoformat()
        super().__init__(
            f"the acceptance test of order {order_id!r} is dated {taken_on}, but its off-post "
            f"training runs {training}: the test is taken once the training has ended",
            field="takenOn",
            allowed=f"{first} or later",
        )
