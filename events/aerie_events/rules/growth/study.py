"""Daily required study for staff working from home, and the make-up exam after a miss.

While a study plan runs, each local day asks for ``required_minutes`` of
e-learning and a post-class quiz passed. A day that misses either is a
missed day: the employee must pass a make-up exam, and is not ready for
calls until they do. The day is judged ``grace`` after it ends at the site,
so what the LMS reports a little late still counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aerie_events.rules.versions import in_force_on


@dataclass(frozen=True)
class StudyPolicy:
    version: str
    effective_from: dt.date
    quiz_pass_mark: int = 60
    makeup_pass_mark: int = 60
    grace: dt.timedelta = dt.timedelta(hours=2)
    longest_plan_days: int = 92

    def judge(
        self, required_minutes: int, logged_minutes: int, quiz_scores: Sequence[int]
    ) -> StudyDay:
        """Whether a day of the plan was met, and if not, why."""
        missing = []
        if logged_minutes < required_minutes:
            missing.append(f"studied {logged_minutes} of {required_minutes} minutes")
        best = max(quiz_scores, default=None)
        if best is None:
            missing.append("took no quiz")
        elif best < self.quiz_pass_mark:
            missing.append(f"best quiz score {best} under the pass mark {self.quiz_pass_mark}")
        return StudyDay(not missing, "; ".join(missing) or "met")

    def judged_at(self, day: dt.date, time_zone: str) -> dt.datetime:
        """When ``day`` of a plan is judged: the end of that local day plus the grace, in UTC."""
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(time_zone))
        return (end + self.grace).astimezone(dt.UTC)


@dataclass(frozen=True)
class StudyDay:
    met: bool
    reason: str


STUDY_POLICIES: tuple[StudyPolicy, ...] = (
    StudyPolicy(version="study/2026-01", effective_from=dt.date(2000, 1, 1)),
)


def study_policy_on(day: dt.date, policies: Sequence[StudyPolicy] = STUDY_POLICIES) -> StudyPolicy:
    """The study policy in force on ``day``."""
    return in_force_on(day, policies, "study policy")


def plan_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """The days of a plan from ``first`` to ``last`` inclusive."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
