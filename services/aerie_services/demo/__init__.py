"""A seeded, deterministic demo: three sites in three time zones, their people, months of work.

The world (``world.py``: sites, teams, agents, team leads, who leaves when) is
fixed by the seed; each capability adds its part, a module with
``commands(world, rng) -> Iterator[DemoCommand]`` listed in ``PARTS``. The parts
are merged in time order and loaded through the command path
(``Aerie.handle_many``), exactly as site traffic is: same validation, same
rules, same idempotency. The demo ends yesterday in each site's zone, as of
the instant it is generated for (``as_of``); loading the same seed for the
same instant twice records nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from aerie_services.demo import coupons, learning, performance, roster, surveys, voice
from aerie_services.demo.world import (
    SITE_IDS,
    DemoCommand,
    DemoWorld,
    agent_id,
    build_world,
    lead_id,
    team_of,
)
from aerie_services.kit.bus import Aerie

PARTS: tuple[ModuleType, ...] = (roster, learning, performance, voice, coupons, surveys)
"""Each part's ``commands(world, rng)``; at the same instant an earlier part goes first."""

SITES = SITE_IDS

__all__ = [
    "PARTS",
    "SITES",
    "DemoCommand",
    "DemoWorld",
    "agent_id",
    "as_of_end",
    "build_world",
    "count",
    "generate",
    "lead_id",
    "load",
    "team_of",
]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_of_end(last_day: dt.date) -> dt.datetime:
    """The instant as of which ``last_day`` is yesterday at every site (noon UTC the day after)."""
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)


def commands(world: DemoWorld) -> list[DemoCommand]:
    """Every part's commands for ``world``, in the order they happen."""
    timed: list[tuple[dt.datetime, int, int, DemoCommand]] = []
    for order, part in enumerate(PARTS):
        name = part.__name__.rsplit(".", 1)[-1]
        rng = world.rng(name)
        timed += [(c.occurred_at, order, n, c) for n, c in enumerate(part.commands(world, rng))]
    timed.sort(key=lambda item: item[:3])
    return [item[3] for item in timed]


def generate(
    agents: int = 300, days: int = 90, seed: int = 7, as_of: dt.datetime | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Commands ``(kind, inputs)`` in the order they happen, ending yesterday as of ``as_of``."""
    world = build_world(agents, days, seed, as_of or now())
    for demo_command in commands(world):
        yield demo_command.kind, demo_command.inputs


def load(
    bus: Aerie,
    *,
    agents: int = 300,
    days: int = 90,
    seed: int = 7,
    as_of: dt.datetime | None = None,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Send the demo through the command path in batches; return how many commands."""
    total = 0
    chunk: list[tuple[str, dict[str, Any]]] = []
    for request in generate(agents, days, seed, as_of):
        chunk.append(request)
        if len(chunk) >= batch:
            total += len(bus.handle_many(chunk, channel="demo", trusted_time=True))
            chunk = []
            if progress:
                progress(total)
    if chunk:
        total += len(bus.handle_many(chunk, channel="demo", trusted_time=True))
        if progress:
            progress(total)
    return total


def count(
    agents: int = 300, days: int = 90, seed: int = 7, as_of: dt.datetime | None = None
) -> int:
    return sum(1 for _ in generate(agents, days, seed, as_of))


def people_to_sign_in_as(agents: int = 300) -> dict[str, dict[str, str]]:
    """One demo person (or integration client) per role, with the claims their token carries."""
    world = build_world(agents, 1, 0, now())
    agent = world.agents[0]
    lead = world.team_lead_of(agent.team_id)
    site = agent.site.site_id
    return {
        "agent": {"subject": agent.employee_id, "site": site, "team": agent.team_id},
        "team_lead": {"subject": lead.employee_id, "site": site, "team": lead.team_id},
        "site_manager": {"subject": "M-north", "site": site},
        "responder": {"subject": "R-hr", "department": "hr"},
        "qa": {"subject": "Q-0001"},
        "hr": {"subject": "H-0001"},
        "analyst": {"subject": "A-0001"},
        "auditor": {"subject": "U-0001"},
        "site_publisher": {"subject": "client:demo-north", "site": site, "client": "demo-north"},
        "hris": {"subject": "client:demo-hris", "client": "demo-hris"},
        "lms": {"subject": "client:demo-lms", "client": "demo-lms"},
        "admin": {"subject": "admin"},
    }
