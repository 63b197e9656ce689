"""The demo's pulse surveys: three waves, answered by most agents."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_services.demo.world import DemoCommand, DemoWorld, command

DRIVERS = ("workload", "coaching", "recognition", "schedule", "tools", "growth")
ANSWER_CHANCE = 0.8


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    waves = sorted({world.days // 3, 2 * world.days // 3, world.days - 1})
    for agent in world.agents:
        dates = world.dates(agent.site)
        for index in waves:
            day = dates[index]
            if not agent.works_on(day) or rng.random() >= ANSWER_CHANCE:
                continue
            yield command(
                "survey.answered",
                f"demo-{world.seed}-{agent.employee_id}-{day}-survey",
                world.at(agent.site, day, 17),
                {
                    "survey_id": f"pulse-wave-{waves.index(index) + 1}",
                    "overall": rng.randint(2, 5),
                    "drivers": {d: rng.randint(1, 5) for d in rng.sample(DRIVERS, 4)},
                },
                employee_id=agent.employee_id,
            )
