"""The demo's ladder: daily KPI facts of every agent's working days, and the team leads'
reviews every two weeks, which graduate or promote whoever meets the policy. Rewards,
off-post training and demotions are the energy manager's own decisions."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_services.demo.growth import commands_of
from aerie_services.demo.world import DemoCommand, DemoWorld


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    return commands_of(world, "performance")
