"""The demo's star ladder: a monthly review promotes about a third of the agents a star."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_services.demo.world import DemoCommand, DemoWorld, command

REVIEW_EVERY_DAYS = 30
PROMOTION_CHANCE = 0.35


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    for agent in world.agents:
        star = 1
        for index, day in enumerate(world.dates(agent.site)):
            if index % REVIEW_EVERY_DAYS != REVIEW_EVERY_DAYS - 1 or not agent.works_on(day):
                continue
            if star >= 5 or rng.random() >= PROMOTION_CHANCE:
                continue
            star += 1
            yield command(
                "star.promoted",
                f"demo-{world.seed}-{agent.employee_id}-{day}-promotion",
                world.at(agent.site, day, 18),
                {
                    "to_star": star,
                    "reason": "Monthly review: energy value above target",
                    "promoted_on": day.isoformat(),
                },
                employee_id=agent.employee_id,
            )
