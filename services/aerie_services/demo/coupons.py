"""The demo's coupons: agents compensate customers, always within a one-star agent's limit."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aerie_events.catalog.coupons import COUPON_GRANTED, COUPON_SCENARIOS

from aerie_services.demo.world import DemoCommand, DemoWorld, command

DAILY_CHANCE = 0.12
AMOUNTS = (10, 20, 30, 50)


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    for agent, day in world.working_days():
        if rng.random() < DAILY_CHANCE:
            yield command(
                COUPON_GRANTED,
                f"demo-{world.seed}-{agent.employee_id}-{day}-coupon",
                world.at(agent.site, day, 14),
                {
                    "coupon_id": f"CP-{world.seed}-{agent.employee_id}-{day}",
                    "customer_ref": f"cust-{rng.randint(1, 50000)}",
                    "scenario": rng.choice(COUPON_SCENARIOS),
                    "amount": f"{rng.choice(AMOUNTS)}.00",
                    "currency": "CNY",
                },
                employee_id=agent.employee_id,
            )
