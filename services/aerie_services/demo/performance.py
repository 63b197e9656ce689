"""The demo's ladder: daily KPI facts of every agent's working days, and the team leads'
reviews every two weeks, which graduate or promote whoever meets the policy. Rewards,
off-post training and demotions are the energy manager's own decisions."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_services.demo.growth import simulate
from aerie_services.demo.world import DemoCommand, DemoWorld, command


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    for path in simulate(world):
        agent = path.agent
        for event in path.performance:
            yield command(
                event.kind,
                f"demo-{world.seed}-{agent.employee_id}-{event.day}-{event.suffix}",
                world.at(agent.site, event.day, event.hour),
                event.data,
                employee_id=agent.employee_id,
            )
