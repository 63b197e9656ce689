"""The demo's learning: courses passed, each at most once per agent."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_services.demo.world import DemoCommand, DemoWorld, command

COURSES = (
    ("C-ONBOARD", "Onboarding: systems and scripts"),
    ("C-EMPATHY", "Empathy on difficult calls"),
    ("C-BILLING", "Billing disputes"),
    ("C-OUTAGE", "Outage communication"),
    ("C-COACH", "Coaching newcomers"),
)
DAILY_CHANCE = 0.06


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    passed: dict[str, set[str]] = {}
    for agent, day in world.working_days():
        if rng.random() >= DAILY_CHANCE:
            continue
        done = passed.setdefault(agent.employee_id, set())
        open_courses = [c for c in COURSES if c[0] not in done]
        if not open_courses:
            continue
        course_id, title = rng.choice(open_courses)
        done.add(course_id)
        yield command(
            "training.passed",
            f"demo-{world.seed}-{agent.employee_id}-{day}-training",
            world.at(agent.site, day, 10),
            {
                "course_id": course_id,
                "course_title": title,
                "score": rng.randint(60, 100),
                "pass_mark": 60,
                "passed_on": day.isoformat(),
            },
            employee_id=agent.employee_id,
        )
