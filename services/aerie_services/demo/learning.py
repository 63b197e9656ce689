"""The demo's learning: targeted courses (each passed at most once per agent, some failed
first), and the daily study of staff working from home, with make-up exams after a miss."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_services.demo.growth import commands_of
from aerie_services.demo.world import DemoCommand, DemoWorld


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    return commands_of(world, "learning")
