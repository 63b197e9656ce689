"""The demo's growth paths, simulated once for both growth parts (learning and performance).

Each agent has an ability that drifts week by week (some go through a slump);
their daily KPI facts follow from it. The simulation walks each agent's days
in order and applies the same rules the platform applies, so the commands
the parts send are all accepted: team leads review their agents every two
weeks and graduate or promote those who meet the ladder policy; the energy
manager's own decisions (rewards, off-post training, demotions after
sustained low energy) are foreseen exactly as the manager will take them, so
the demo never promotes an agent the manager is about to demote, and it
sends the acceptance test of each week of off-post training the manager
orders. Staff of one site work from home for two weeks (a lock-down) with a
daily study plan; a missed day is followed by a make-up exam.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aerie_events.catalog.learning import (
    ACCEPTANCE_TEST_FAILED,
    ACCEPTANCE_TEST_PASSED,
    MAKEUP_EXAM_PASSED,
    QUIZ_SCORED,
    STUDY_LOGGED,
    STUDY_PLAN_STARTED,
    TRAINING_ASSIGNED,
    TRAINING_FAILED,
    TRAINING_PASSED,
)
from aerie_events.catalog.performance import CHICK_GRADUATED, KPI_RECORDED, STAR_PROMOTED
from aerie_events.rules.growth.energy import Consequence, assess_week, energy_policy_on, week_of
from aerie_events.rules.growth.kpi import DailyKpi, in_window
from aerie_events.rules.growth.ladder import Standing, Step, StepKind
from aerie_events.rules.growth.policy import Evidence, ladder_policy_on
from aerie_events.rules.growth.study import study_policy_on

from aerie_services.demo.world import DemoCommand, DemoPerson, DemoWorld, command

COURSES = {
    "C-ONBOARD": "Onboarding: systems and scripts",
    "C-EMPATHY": "Empathy on difficult calls",
    "C-BILLING": "Billing disputes",
    "C-OUTAGE": "Outage communication",
    "C-VIP": "Serving premium customers",
    "C-COACH": "Coaching newcomers",
}
REVIEW_EVERY_DAYS = 14
LOCKDOWN_SITE = "site-north"
LOCKDOWN_STARTS_AFTER_DAYS = 40
LOCKDOWN_DAYS = 14
AT_HOME_SHARE = 0.35
REQUIRED_MINUTES = 30
DAY_OFF_CHANCE = 0.04
SLUMP_CHANCE = 0.12
PROMOTION_MARGIN = 72
"""No promotion for an agent whose energy over the window is near the demotion line."""


@dataclass
class Event:
    """One command of the simulated timeline: kind, local day and hour, data."""

    kind: str
    day: dt.date
    hour: int
    data: dict[str, Any]
    suffix: str


@dataclass
class AgentPath:
    agent: DemoPerson
    learning: list[Event] = field(default_factory=list)
    performance: list[Event] = field(default_factory=list)


def _kpi(ability: float, rng: random.Random) -> dict[str, Any]:
    def clamp(x: float, lo: float, hi: float) -> float:
        return min(max(x, lo), hi)

    return {
        "calls_answered": int(clamp(rng.gauss(62 + 9 * ability, 7), 0, 1000)),
        "average_handling_seconds": int(clamp(rng.gauss(390 - 45 * ability, 25), 60, 7200)),
        "first_contact_resolution": f"{clamp(rng.gauss(80 + 5 * ability, 3), 0, 100):.2f}",
        "customer_satisfaction": f"{clamp(rng.gauss(4.15 + 0.3 * ability, 0.12), 1, 5):.2f}",
        "qa_score": f"{clamp(rng.gauss(83 + 5 * ability, 3), 0, 100):.2f}",
        "attendance": f"{clamp(rng.gauss(96 + 1.5 * ability, 1.5), 0, 100):.2f}",
    }


def _course_plan(
    agent: DemoPerson, days: list[dt.date], ability: float, rng: random.Random
) -> dict[dt.date, list[tuple[str, str]]]:
    """On which days each course is assigned, failed or passed (each passed at most once)."""
    plan: dict[dt.date, list[tuple[str, str]]] = {}
    start = max(days[0], agent.hired_on)
    first = next((i for i, d in enumerate(days) if d >= start), None)
    if first is None:
        return plan
    schedule = [("C-ONBOARD", 0, 4), ("C-EMPATHY", 8, 20)]
    if ability > -0.6:
        schedule.append(("C-BILLING", 25, 45))
    if ability > 0.4:
        schedule.append(("C-OUTAGE", 45, 70))
    if ability > 1.0 and rng.random() < 0.5:
        schedule.append(("C-VIP", 50, 75))
    for course, earliest, latest in schedule:
        at = first + rng.randint(earliest, latest)
        passed = at + rng.randint(3, 10)
        if passed >= len(days):
            continue
        plan.setdefault(days[at], []).append((course, "assigned"))
        if rng.random() < 0.12 and passed + 3 < len(days):
            plan.setdefault(days[passed], []).append((course, "failed"))
            passed += 3
        plan.setdefault(days[passed], []).append((course, "passed"))
    return plan


def simulate_agent(
    world: DemoWorld, agent: DemoPerson, rng: random.Random, at_home: bool
) -> AgentPath:
    path = AgentPath(agent)
    site = agent.site
    days = world.dates(site)
    ability = min(max(rng.gauss(0.4, 0.8), -1.2), 2.2)
    slump_start = rng.randrange(len(days)) if rng.random() < SLUMP_CHANCE else None
    slump_depth = rng.uniform(2.0, 3.0)
    courses = _course_plan(agent, days, ability, rng)
    lockdown = days[LOCKDOWN_STARTS_AFTER_DAYS : LOCKDOWN_STARTS_AFTER_DAYS + LOCKDOWN_DAYS]
    passed: dict[str, dt.date] = {}
    kpi: list[DailyKpi] = []
    star, graduated, since = 1, False, agent.hired_on
    assessed: set[dt.date] = set()
    off_until: dt.date | None = None
    test_on: tuple[dt.date, str] | None = None
    demoted = repositioned = False
    fact_weeks: set[dt.date] = set()
    if at_home and lockdown and agent.works_on(lockdown[0]):
        data = {
            "first_day": lockdown[0].isoformat(),
            "last_day": lockdown[-1].isoformat(),
            "required_minutes": REQUIRED_MINUTES,
            "reason": "working from home during the lock-down",
        }
        path.learning.append(Event(STUDY_PLAN_STARTED, lockdown[0], 7, data, "plan"))
    for index, day in enumerate(days):
        if not agent.works_on(day):
            continue
        if index % 7 == 0:
            ability += rng.gauss(0, 0.12)
        for course, outcome in courses.get(day, []):
            path.learning.append(_course_event(course, outcome, day, rng))
            if outcome == "passed":
                passed[course] = day
        if at_home and day in lockdown and not repositioned:
            _study_day(path, day, rng)
        if test_on is not None and day >= test_on[0] and site.calendar.is_working_day(day):
            order_id = test_on[1]
            ok = rng.random() < 0.75
            score = rng.randint(62, 95) if ok else rng.randint(30, 58)
            kind = ACCEPTANCE_TEST_PASSED if ok else ACCEPTANCE_TEST_FAILED
            data = {
                "order_id": order_id,
                "score": score,
                "pass_mark": 60,
                "taken_on": day.isoformat(),
            }
            path.learning.append(Event(kind, day, 10, data, "acceptance"))
            test_on = None
            repositioned = not ok
        off_post = off_until is not None and day <= off_until
        works = site.calendar.is_working_day(day) and not off_post and not repositioned
        if works and rng.random() >= DAY_OFF_CHANCE:
            slump = slump_start is not None and slump_start <= index < slump_start + 18
            facts = _kpi(ability - (slump_depth if slump else 0.0), rng)
            path.performance.append(
                Event(KPI_RECORDED, day, 17, {"day": day.isoformat(), **facts}, "kpi")
            )
            kpi.append(DailyKpi.from_payload({"day": day.isoformat(), **facts}))
            monday = week_of(day)[0]
            if monday not in fact_weeks:
                fact_weeks.add(monday)
                # the energy manager assesses the weeks before, as this fact arrives
                for back in (2, 1):
                    week = monday - dt.timedelta(days=7 * back)
                    if week in assessed or week < week_of(days[0])[0]:
                        continue
                    assessed.add(week)
                    assessment = assess_week(kpi, week)
                    after = week + dt.timedelta(days=7)
                    if assessment.consequence is Consequence.OFFPOST_TRAINING and not repositioned:
                        off_until = max(
                            off_until or day,
                            week_of(week)[1] + dt.timedelta(days=assessment.offpost_days),
                        )
                        if assessment.acceptance_test:
                            ends = week_of(week)[1] + dt.timedelta(days=assessment.offpost_days)
                            test_on = (
                                ends + dt.timedelta(days=1),
                                f"offpost-{agent.employee_id}-{week}",
                            )
                    if star > 1:
                        standing = Standing("agent", star, True, since)
                        evaluation = ladder_policy_on(after).evaluate(
                            Step(StepKind.DEMOTE, to_star=star - 1),
                            standing,
                            Evidence(kpi_days=kpi),
                            after,
                        )
                        if evaluation.met:
                            star, since, demoted = star - 1, after, True
        if (
            index % REVIEW_EVERY_DAYS == REVIEW_EVERY_DAYS - 1
            and site.calendar.is_working_day(day)
            and not repositioned
        ):
            step = _review(star, graduated, since, passed, kpi, day, demoted)
            if step is not None:
                path.performance.append(step)
                if step.kind == CHICK_GRADUATED:
                    graduated = True
                else:
                    star, since, graduated = star + 1, day, True
    return path


def _review(
    star: int,
    graduated: bool,
    since: dt.date,
    passed: dict[str, dt.date],
    kpi: list[DailyKpi],
    day: dt.date,
    demoted: bool,
) -> Event | None:
    """The team lead's review: a graduation or a promotion when the policy allows it."""
    policy = ladder_policy_on(day)
    standing = Standing("agent", star, graduated, since)
    evidence = Evidence(frozenset(c for c, on in passed.items() if on <= day), kpi)
    if not graduated and star == 1:
        evaluation = policy.evaluate(Step(StepKind.GRADUATE), standing, evidence, day)
        if evaluation.met:
            data: dict[str, object] = {
                "graduated_on": day.isoformat(),
                "reason": "Review: coaching completed, onboarding passed",
            }
            return Event(CHICK_GRADUATED, day, 18, data, "graduation")
        return None
    if demoted or star >= 5:
        return None
    start, end = policy.window_before(day)
    recent = in_window(kpi, end, policy.window_days)
    energies = [energy_policy_on(d.day).energy_of(d) for d in recent]
    if not energies or min(energies) < PROMOTION_MARGIN:
        return None
    evaluation = policy.evaluate(Step(StepKind.PROMOTE, to_star=star + 1), standing, evidence, day)
    if not evaluation.met:
        return None
    data = {
        "to_star": star + 1,
        "reason": f"Review: every criterion of {policy.version} met from {start} to {end}",
        "promoted_on": day.isoformat(),
    }
    return Event(STAR_PROMOTED, day, 18, data, "promotion")


def _course_event(course: str, outcome: str, day: dt.date, rng: random.Random) -> Event:
    base: dict[str, object] = {"course_id": course, "course_title": COURSES[course]}
    if outcome == "assigned":
        data = {
            **base,
            "assigned_on": day.isoformat(),
            "reason": "Targeted training for the next step of the ladder",
        }
        return Event(TRAINING_ASSIGNED, day, 9, data, f"assign-{course}")
    if outcome == "failed":
        data = {**base, "score": rng.randint(35, 59), "pass_mark": 60, "failed_on": day.isoformat()}
        return Event(TRAINING_FAILED, day, 15, data, f"fail-{course}")
    data = {**base, "score": rng.randint(62, 100), "pass_mark": 60, "passed_on": day.isoformat()}
    return Event(TRAINING_PASSED, day, 15, data, f"pass-{course}")


def _study_day(path: AgentPath, day: dt.date, rng: random.Random) -> None:
    """A day of the study plan at home: minutes and a quiz; a miss is made up the next day."""
    miss = rng.random() < 0.08
    minutes = rng.randint(8, 25) if miss and rng.random() < 0.5 else rng.randint(30, 60)
    path.learning.append(
        Event(
            STUDY_LOGGED,
            day,
            8,
            {"day": day.isoformat(), "minutes": minutes, "course_id": "C-HOME"},
            "study",
        )
    )
    score = rng.randint(30, 58) if miss and minutes >= REQUIRED_MINUTES else rng.randint(60, 100)
    quiz = {
        "quiz_id": f"Q-{day.isoformat()}",
        "course_id": "C-HOME",
        "day": day.isoformat(),
        "score": score,
    }
    path.learning.append(Event(QUIZ_SCORED, day, 9, quiz, "quiz"))
    judged = study_policy_on(day).judge(REQUIRED_MINUTES, minutes, [score])
    if not judged.met and path.agent.works_on(day + dt.timedelta(days=1)):
        next_day = day + dt.timedelta(days=1)
        exam = {"score": rng.randint(62, 95), "pass_mark": 60, "taken_on": next_day.isoformat()}
        path.learning.append(Event(MAKEUP_EXAM_PASSED, next_day, 11, exam, "makeup"))


def commands_of(world: DemoWorld, timeline: str) -> Iterator[DemoCommand]:
    """The ``learning`` or ``performance`` commands of every agent's simulated path."""
    for path in simulate(world):
        agent = path.agent
        for event in getattr(path, timeline):
            yield command(
                event.kind,
                f"demo-{world.seed}-{agent.employee_id}-{event.day}-{event.suffix}",
                world.at(agent.site, event.day, event.hour),
                event.data,
                employee_id=agent.employee_id,
            )


_CACHE: dict[tuple[Any, ...], list[AgentPath]] = {}


def simulate(world: DemoWorld) -> list[AgentPath]:
    """Every agent's growth path over the demo, the same for both parts that read it."""
    key = (world.seed, world.days, world.as_of, len(world.agents))
    if key not in _CACHE:
        rng = world.rng("growth")
        _CACHE.clear()
        _CACHE[key] = [
            simulate_agent(
                world,
                agent,
                random.Random(rng.random()),
                agent.site.site_id == LOCKDOWN_SITE and rng.random() < AT_HOME_SHARE,
            )
            for agent in world.agents
        ]
    return _CACHE[key]
