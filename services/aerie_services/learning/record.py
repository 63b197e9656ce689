"""An employee's learning record: courses, daily required study, make-up and acceptance tests.

One record per employee holds what their learning rules read: the courses
passed (a second pass of a course is a retake, and says so), the running
study plan of someone working from home with the minutes and quizzes of its
days, the days judged missed and the make-up exams taken since, and the
results of acceptance tests after off-post training.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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
from aerie_events.rules.growth.study import study_policy_on
from eventsourcing.domain import event

from aerie_services.kit.base import AerieAggregate, AerieSnapshot, stable_id
from aerie_services.kit.errors import AlreadyRecorded
from aerie_services.kit.site_days import not_after
from aerie_services.learning.errors import (
    AcceptanceTestTooEarly,
    AlreadyPassed,
    InvalidStudyPlan,
    NoStudyPlan,
    ScoreAbovePassMark,
    ScoreBelowPassMark,
    StudyDayMet,
)

STUDY_MEMORY_DAYS = 100
"""Days of study minutes and quiz scores the record keeps (plans last at most 92 days)."""


COMMANDS_KEPT = 100
"""How many of its latest commands the record remembers; an older retry is answered by the
append, from the platform's register of command ids."""


class LearnerRecord(AerieAggregate):
    """What an employee learned and still has to."""

    commands_kept = COMMANDS_KEPT
    shared_entries = frozenset({"commands", "passed", "minutes", "acceptance"})

    @staticmethod
    def id_for(employee_id: str) -> Any:
        return stable_id("learner", employee_id)

    @staticmethod
    def create_id(employee_id: str) -> Any:
        return LearnerRecord.id_for(employee_id)

    @event("Started")
    def __init__(self, employee_id: str) -> None:
        self.employee_id = employee_id
        self.passed: dict[str, str] = {}
        self.plan: dict[str, Any] | None = None
        self.minutes: dict[str, int] = {}
        self.quizzes: dict[str, list[int]] = {}
        self.missed: set[str] = set()
        self.makeups_passed: list[str] = []
        self.acceptance: dict[str, bool] = {}

    def snapshot_state(self) -> dict[str, Any]:
        return {**super().snapshot_state(), "missed": sorted(self.missed)}

    @classmethod
    def from_snapshot_state(cls, aggregate_id: Any, version: int, state: dict[str, Any]) -> Any:
        record = super().from_snapshot_state(aggregate_id, version, state)
        record.missed = set(state["missed"])
        return record

    def courses_passed(self) -> dict[str, str]:
        """Course id -> the day it was first passed."""
        return dict(self.passed)

    # courses

    def assign(self, meta: dict, data: dict) -> None:
        self._recorded(meta=meta, payload=data, kind=TRAINING_ASSIGNED)

    def pass_course(self, meta: dict, data: dict, today: dt.date, zone: str) -> None:
        not_after(data["passed_on"], "passedOn", today, zone)
        if data["score"] < data["pass_mark"]:
            raise ScoreBelowPassMark(data["score"], data["pass_mark"])
        first = self.passed.get(data["course_id"])
        if first is not None and not data.get("retake"):
            raise AlreadyPassed(data["course_id"], first)
        self._course_passed(meta=meta, payload=data)

    @event("CoursePassed")
    def _course_passed(self, meta: dict, payload: dict) -> None:
        self.passed.setdefault(payload["course_id"], payload["passed_on"])
        self.remember(meta, TRAINING_PASSED, self.version + 1)

    def fail_course(self, meta: dict, data: dict, today: dt.date, zone: str) -> None:
        not_after(data["failed_on"], "failedOn", today, zone)
        if data["score"] >= data["pass_mark"]:
            raise ScoreAbovePassMark(data["score"], data["pass_mark"])
        self._recorded(meta=meta, payload=data, kind=TRAINING_FAILED)

    @event("Recorded")
    def _recorded(self, meta: dict, payload: dict, kind: str) -> None:
        """A learning fact the record keeps no state of (an assignment, a failed assessment)."""
        self.remember(meta, kind, self.version + 1)

    # daily required study

    def start_plan(self, meta: dict, data: dict, zone: str) -> None:
        first, last = (
            dt.date.fromisoformat(data["first_day"]),
            dt.date.fromisoformat(data["last_day"]),
        )
        longest = study_policy_on(first).longest_plan_days
        if last < first:
            raise InvalidStudyPlan(
                "lastDay", f"ends ({last}) before it starts ({first})", f"a day from {first}"
            )
        if (last - first).days + 1 > longest:
            raise InvalidStudyPlan(
                "lastDay", f"runs {(last - first).days + 1} days", f"at most {longest} days"
            )
        running = self._plan_on(first) or self._plan_on(last)
        if running is not None:
            raise InvalidStudyPlan(
                "firstDay",
                f"overlaps the plan running from {running['first_day']} to {running['last_day']}",
                "days after the running plan ends (or end it first)",
            )
        self._plan_started(meta=meta, payload={**data, "time_zone": zone})

    @event("PlanStarted")
    def _plan_started(self, meta: dict, payload: dict) -> None:
        self.plan = {k: payload[k] for k in ("first_day", "last_day", "required_minutes")}
        self.remember(meta, STUDY_PLAN_STARTED, self.version + 1)

    def end_plan(self, meta: dict, data: dict) -> None:
        if (
            self.plan is None
            or data["ended_on"] < self.plan["first_day"]
            or data["ended_on"] > self.plan["last_day"]
        ):
            raise NoStudyPlan(data["ended_on"])
        self._plan_ended(meta=meta, payload=data)

    @event("PlanEnded")
    def _plan_ended(self, meta: dict, payload: dict) -> None:
        assert self.plan is not None
        self.plan = {**self.plan, "last_day": payload["ended_on"]}
        self.remember(meta, STUDY_PLAN_ENDED, self.version + 1)

    def _plan_on(self, day: dt.date) -> dict[str, Any] | None:
        plan = self.plan
        if plan is None or not plan["first_day"] <= day.isoformat() <= plan["last_day"]:
            return None
        return plan

    def log_study(self, meta: dict, data: dict, today: dt.date, zone: str) -> None:
        not_after(data["day"], "day", today, zone)
        self._studied(meta=meta, payload=data)

    @event("Studied")
    def _studied(self, meta: dict, payload: dict) -> None:
        self.minutes[payload["day"]] = self.minutes.get(payload["day"], 0) + payload["minutes"]
        self._forget_old(payload["day"])
        self.remember(meta, STUDY_LOGGED, self.version + 1)

    def score_quiz(self, meta: dict, data: dict, today: dt.date, zone: str) -> None:
        not_after(data["day"], "day", today, zone)
        self._quiz_scored(meta=meta, payload=data)

    @event("QuizScored")
    def _quiz_scored(self, meta: dict, payload: dict) -> None:
        self.quizzes.setdefault(payload["day"], []).append(payload["score"])
        self._forget_old(payload["day"])
        self.remember(meta, QUIZ_SCORED, self.version + 1)

    def _forget_old(self, day: str) -> None:
        horizon = (dt.date.fromisoformat(day) - dt.timedelta(days=STUDY_MEMORY_DAYS)).isoformat()
        for kept in (self.minutes, self.quizzes):
            for old in [d for d in kept if d < horizon]:
                del kept[old]

    def miss_study(self, meta: dict, data: dict) -> None:
        """Judge a day of the plan (the study manager asks once the day is over)."""
        day = data["day"]
        plan = self._plan_on(dt.date.fromisoformat(day))
        if plan is None:
            raise NoStudyPlan(day)
        if day in self.missed:
            raise AlreadyRecorded(f"the missed study of {day}", "day")
        policy = study_policy_on(dt.date.fromisoformat(day))
        logged, scores = self.minutes.get(day, 0), self.quizzes.get(day, [])
        judged = policy.judge(plan["required_minutes"], logged, scores)
        if judged.met:
            raise StudyDayMet(day)
        payload = {
            "day": day,
            "required_minutes": plan["required_minutes"],
            "logged_minutes": logged,
            "best_quiz_score": max(scores, default=None),
            "reason": judged.reason,
        }
        self._missed(meta={**meta, "policy_version": policy.version}, payload=payload)

    @event("Missed")
    def _missed(self, meta: dict, payload: dict) -> None:
        self.missed.add(payload["day"])
        self.remember(meta, STUDY_MISSED, self.version + 1)

    def take_makeup(self, meta: dict, data: dict, passed: bool, today: dt.date, zone: str) -> None:
        not_after(data["taken_on"], "takenOn", today, zone)
        _check_score(data, passed)
        if passed:
            self._makeup_passed(meta=meta, payload=data)
        else:
            self._recorded(meta=meta, payload=data, kind=MAKEUP_EXAM_FAILED)

    @event("MakeupPassed")
    def _makeup_passed(self, meta: dict, payload: dict) -> None:
        self.makeups_passed.append(payload["taken_on"])
        self.remember(meta, MAKEUP_EXAM_PASSED, self.version + 1)

    def pending_makeup(self) -> list[str]:
        """Missed days no make-up exam passed on or after them clears yet."""
        latest = max(self.makeups_passed, default="")
        return sorted(d for d in self.missed if d > latest)

    # acceptance tests after off-post training

    def take_acceptance_test(
        self,
        meta: dict,
        data: dict,
        passed: bool,
        today: dt.date,
        zone: str,
        training: tuple[str | None, str] | None = None,
    ) -> None:
        """Record the result of an order's acceptance test, taken after its off-post training.

        ``training`` is the order's first and last day of off-post training, when the order
        is known (the test is refused if dated on or before the last); an order not known yet
        (its result arrived first) is checked by whoever acts on the result.
        """
        not_after(data["taken_on"], "takenOn", today, zone)
        if training is not None and data["taken_on"] <= training[1]:
            raise AcceptanceTestTooEarly(data["order_id"], data["taken_on"], *training)
        _check_score(data, passed)
        if data["order_id"] in self.acceptance:
            raise AlreadyRecorded(f"the acceptance test of order {data['order_id']!r}", "orderId")
        self._acceptance_taken(meta=meta, payload=data, passed=passed)

    @event("AcceptanceTaken")
    def _acceptance_taken(self, meta: dict, payload: dict, passed: bool) -> None:
        self.acceptance[payload["order_id"]] = passed
        self.remember(
            meta, ACCEPTANCE_TEST_PASSED if passed else ACCEPTANCE_TEST_FAILED, self.version + 1
        )


def _check_score(data: dict, passed: bool) -> None:
    if passed and data["score"] < data["pass_mark"]:
        raise ScoreBelowPassMark(data["score"], data["pass_mark"])
    if not passed and data["score"] >= data["pass_mark"]:
        raise ScoreAbovePassMark(data["score"], data["pass_mark"])


LearnerRecord.Snapshot = AerieSnapshot  # what the library takes of a record
