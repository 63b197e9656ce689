"""The demo's learning: targeted courses (each passed at most once per agent, some failed
first), and the daily study of staff working from home, with make-up exams after a miss."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_services.demo.growth import simulate
from aerie_services.demo.world import DemoCommand, DemoWorld, command


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    for path in simulate(world):
        agent = path.agent
        for event in path.learning:
            yield command(
                event.kind,
                f"demo-{world.seed}-{agent.employee_id}-{event.day}-{event.suffix}",
                world.at(agent.site, event.day, event.hour),
                event.data,
                employee_id=agent.employee_id,
            )
