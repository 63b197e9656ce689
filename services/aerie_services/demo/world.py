"""The demo's world: its sites, teams and people, fixed by a seed before anything happens.

Every part of the demo (roster, learning, performance, voice, coupons, surveys)
reads the same world, so they agree on who works where and when; each draws
its own random numbers, so changing one part changes no other.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aerie_events.rules.calendar import WorkingCalendar

LEAVING_CHANCE = 0.001
"""Per agent and day: about 27 of 300 agents leave over 90 days."""
LEAVING_REASONS = ("resigned", "contract_ended", "other")
HIRED_UP_TO_DAYS_BEFORE = 400
SURNAMES = [
    "Li",
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
]
GIVEN = [
    "Wei",
    "Fang",
    "Min",
    "Jing",
    "Lei",
    "Yan",
    "Jun",
    "Hua",
    "Ping",
    "Xin",
    "Tao",
    "Ying",
    "Hao",
    "Lan",
    "Qiang",
    "Mei",
    "Bo",
    "Li",
    "Na",
    "Kai",
]


@dataclass(frozen=True)
class DemoSite:
    """A site of the demo, with the zone its days are counted in and its calendar."""

    site_id: str
    name: str
    calendar: WorkingCalendar
    opened_on: dt.date

    @property
    def time_zone(self) -> str:
        return self.calendar.time_zone


def _holidays(days: list[str]) -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(d) for d in days)


SITES = (
    DemoSite(
        "site-north",
        "North (Shanghai)",
        WorkingCalendar(
            "Asia/Shanghai",
            opens_at=dt.time(8, 30),
            closes_at=dt.time(17, 30),
            holidays=_holidays(
                [
                    "2026-01-01",
                    "2026-02-16",
                    "2026-02-17",
                    "2026-02-18",
                    "2026-02-19",
                    "2026-02-20",
                    "2026-04-06",
                    "2026-05-01",
                    "2026-05-04",
                    "2026-05-05",
                    "2026-06-19",
                    "2026-09-25",
                    "2026-10-01",
                    "2026-10-02",
                    "2026-10-05",
                    "2026-10-06",
                    "2026-10-07",
                    "2027-01-01",
                    "2027-02-08",
                    "2027-02-09",
                    "2027-02-10",
                    "2027-02-11",
                    "2027-02-12",
                ]
            ),
            version="2026-cn",
        ),
        dt.date(2019, 3, 1),
    ),
    DemoSite(
        "site-south",
        "South (Bengaluru)",
        WorkingCalendar(
            "Asia/Kolkata",
            working_days=frozenset(range(6)),
            holidays=_holidays(
                [
                    "2026-01-26",
                    "2026-03-04",
                    "2026-08-15",
                    "2026-10-02",
                    "2026-10-20",
                    "2026-11-09",
                    "2026-12-25",
                    "2027-01-26",
                ]
            ),
            version="2026-in",
        ),
        dt.date(2021, 9, 1),
    ),
    DemoSite(
        "site-east",
        "East (Tokyo)",
        WorkingCalendar(
            "Asia/Tokyo",
            holidays=_holidays(
                [
                    "2026-01-01",
                    "2026-01-02",
                    "2026-01-12",
                    "2026-02-11",
                    "2026-02-23",
                    "2026-03-20",
                    "2026-04-29",
                    "2026-05-04",
                    "2026-05-05",
                    "2026-05-06",
                    "2026-07-20",
                    "2026-08-11",
                    "2026-09-21",
                    "2026-09-22",
                    "2026-09-23",
                    "2026-10-12",
                    "2026-11-03",
                    "2026-11-23",
                    "2026-12-31",
                    "2027-01-01",
                    "2027-01-11",
                ]
            ),
            version="2026-jp",
        ),
        dt.date(2022, 4, 1),
    ),
)
SITE_IDS = tuple(s.site_id for s in SITES)


@dataclass
class DemoPerson:
    """An agent or team lead of the demo: where they work, when they came and left."""

    employee_id: str
    display_name: str
    site: DemoSite
    team_id: str
    role: str
    hired_on: dt.date
    left_on: dt.date | None = None
    leaving_reason: str | None = None

    def works_on(self, day: dt.date) -> bool:
        """Hired by ``day`` and not yet gone (a leaver works their last day)."""
        return self.hired_on <= day and (self.left_on is None or day <= self.left_on)


@dataclass
class DemoWorld:
    """The sites, teams and people of a demo, and its period in each site's zone."""

    seed: int
    days: int
    as_of: dt.datetime
    """The demo ends the day before this instant, in each site's zone."""
    sites: tuple[DemoSite, ...] = SITES
    agents: list[DemoPerson] = field(default_factory=list)
    leads: list[DemoPerson] = field(default_factory=list)

    def last_day(self, site: DemoSite) -> dt.date:
        """Yesterday at the site, as of the demo's instant."""
        return site.calendar.local_date(self.as_of) - dt.timedelta(days=1)

    def first_day(self, site: DemoSite) -> dt.date:
        return self.last_day(site) - dt.timedelta(days=self.days - 1)

    def dates(self, site: DemoSite) -> list[dt.date]:
        """The demo's days at ``site``, oldest first."""
        first = self.first_day(site)
        return [first + dt.timedelta(days=n) for n in range(self.days)]

    def at(self, site: DemoSite, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """A local time at ``site`` (as an aware instant)."""
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=site.calendar.zone)

    def team_lead_of(self, team_id: str) -> DemoPerson:
        return next(lead for lead in self.leads if lead.team_id == team_id)

    def working_days(self) -> Iterator[tuple[DemoPerson, dt.date]]:
        """Each agent with each day of the demo they work, agent by agent."""
        for agent in self.agents:
            for day in self.dates(agent.site):
                if agent.works_on(day):
                    yield agent, day

    def people(self) -> Iterator[DemoPerson]:
        yield from self.leads
        yield from self.agents

    def rng(self, part: str) -> random.Random:
        """A random stream of a part's own, fixed by the seed."""
        return random.Random(f"{self.seed}:{part}")


def build_world(agents: int, days: int, seed: int, as_of: dt.datetime) -> DemoWorld:
    """The demo's world for ``agents`` agents over ``days`` days before ``as_of``."""
    world = DemoWorld(seed=seed, days=days, as_of=as_of)
    names = world.rng("names")
    hires = world.rng("hires")
    fate = world.rng("leaving")
    for n in range(agents):
        site = SITES[n % len(SITES)]
        first = world.first_day(site)
        agent = DemoPerson(
            employee_id=agent_id(n),
            display_name=f"{names.choice(SURNAMES)} {names.choice(GIVEN)}",
            site=site,
            team_id=team_of(n),
            role="agent",
            hired_on=first - dt.timedelta(days=hires.randint(0, HIRED_UP_TO_DAYS_BEFORE)),
        )
        for day in world.dates(site):
            if fate.random() < LEAVING_CHANCE:
                agent.left_on, agent.leaving_reason = day, fate.choice(LEAVING_REASONS)
                break
        world.agents.append(agent)
    teams = sorted({a.team_id: a.site for a in world.agents}.items())
    for n, (team_id, site) in enumerate(teams):
        world.leads.append(
            DemoPerson(
                employee_id=lead_id(site.site_id, n),
                display_name=f"{SURNAMES[n % len(SURNAMES)]} {GIVEN[-1 - n % len(GIVEN)]}",
                site=site,
                team_id=team_id,
                role="team_lead",
                hired_on=world.first_day(site) - dt.timedelta(days=30),
            )
        )
    return world


def agent_id(n: int) -> str:
    site = SITE_IDS[n % len(SITE_IDS)]
    return f"{site.split('-')[1][0].upper()}-{n + 1:04d}"


def team_of(n: int) -> str:
    return f"{SITE_IDS[n % len(SITE_IDS)]}-team-{n % 25 // 3 + 1:02d}"


def lead_id(site_id: str, n: int) -> str:
    return f"{site_id.split('-')[1][0].upper()}-L{n + 1:03d}"


@dataclass(frozen=True)
class DemoCommand:
    """One command of the demo, at the moment it happens."""

    occurred_at: dt.datetime
    kind: str
    inputs: dict[str, Any]


def command(
    kind: str,
    command_id: str,
    at: dt.datetime,
    data: dict[str, Any],
    *,
    employee_id: str | None = None,
    **envelope: Any,
) -> DemoCommand:
    """A demo command as ``Aerie.handle`` takes it (``occurred_at`` from ``at``)."""
    inputs = {"command_id": command_id, "occurred_at": at.isoformat(), "data": data, **envelope}
    if employee_id is not None:
        inputs["employee_id"] = employee_id
    return DemoCommand(at, kind, inputs)
