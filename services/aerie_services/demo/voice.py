"""The demo's issues: raised from the seat, a third of them anonymously."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_events.catalog import DEPARTMENTS

from aerie_services.demo.world import DemoCommand, DemoWorld, command

DAILY_CHANCE = 0.015
ANONYMOUS_SHARE = 0.3
TITLES = ("Headset keeps cutting out", "Shift swap request", "Canteen hours", "Bonus question")


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    for agent, day in world.working_days():
        if rng.random() < DAILY_CHANCE:
            yield command(
                "issue.raised",
                f"demo-{world.seed}-{agent.employee_id}-{day}-issue",
                world.at(agent.site, day, 16),
                {
                    "issue_id": f"IS-{world.seed}-{agent.employee_id}-{day}",
                    "department": rng.choice(DEPARTMENTS[:-1]),
                    "title": rng.choice(TITLES),
                    "description": "Raised from the seat; details for the responsible department.",
                    "anonymous": rng.random() < ANONYMOUS_SHARE,
                },
                employee_id=agent.employee_id,
            )
