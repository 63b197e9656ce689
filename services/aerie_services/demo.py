"""A seeded, deterministic demo: three sites, their agents, and months of activity.

Everything is loaded through the command path (``Aerie.handle_many``), exactly
as site traffic is: same validation, same rules, same idempotency. Loading the
same seed twice records nothing new.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any

from aerie_events.catalog import COUPON_SCENARIOS, DEPARTMENTS

from aerie_services.bus import Aerie

SITES = ("site-north", "site-south", "site-east")
COURSES = (
    ("C-ONBOARD", "Onboarding: systems and scripts"),
    ("C-EMPATHY", "Empathy on difficult calls"),
    ("C-BILLING", "Billing disputes"),
    ("C-OUTAGE", "Outage communication"),
    ("C-COACH", "Coaching newcomers"),
)
DRIVERS = ("workload", "coaching", "recognition", "schedule", "tools", "growth")
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
START = dt.date(2026, 1, 5)
LEAVING_CHANCE = 0.001
LEAVING = ("resigned", "contract_ended", "other")


def generate(
    agents: int = 300, days: int = 90, seed: int = 7
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Commands ``(kind, inputs)`` in the order they happen."""
    rng = random.Random(seed)
    roster = []
    for n in range(agents):
        site = SITES[n % len(SITES)]
        employee_id = agent_id(n)
        hired_on = START - dt.timedelta(days=rng.randint(0, 400))
        team_id = team_of(n)
        roster.append({"employee_id": employee_id, "site": site, "team_id": team_id, "star": 1})
        yield (
            "employee.hired",
            {
                "command_id": f"demo-{seed}-hire-{employee_id}",
                "employee_id": employee_id,
                "site_id": site,
                "occurred_at": _at(hired_on, 9),
                "data": {
                    "display_name": f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
                    "team_id": team_id,
                    "role": "agent",
                    "hired_on": hired_on.isoformat(),
                },
            },
        )
    yield from _team_leads(seed, {a["team_id"]: a["site"] for a in roster})
    fate = random.Random(seed + 1)
    for day in range(days):
        date = START + dt.timedelta(days=day)
        for agent in roster:
            if agent.get("left"):
                continue
            yield from _a_day(rng, seed, agent, date, day, days)
            if fate.random() < LEAVING_CHANCE:
                agent["left"] = True
                yield (
                    "employee.left",
                    {
                        "command_id": f"demo-{seed}-{agent['employee_id']}-{day}-left",
                        "employee_id": agent["employee_id"],
                        "occurred_at": _at(date, 19),
                        "data": {"left_on": date.isoformat(), "reason": fate.choice(LEAVING)},
                    },
                )


def agent_id(n: int) -> str:
    site = SITES[n % len(SITES)]
    return f"{site.split('-')[1][0].upper()}-{n + 1:04d}"


def team_of(n: int) -> str:
    return f"{SITES[n % len(SITES)]}-team-{n % 25 // 3 + 1:02d}"


def lead_id(site: str, n: int) -> str:
    return f"{site.split('-')[1][0].upper()}-L{n + 1:03d}"


def people_to_sign_in_as(agents: int = 300) -> dict[str, dict[str, str]]:
    """One demo person (or integration client) per role, with the claims their token carries."""
    teams = sorted({team_of(n): SITES[n % len(SITES)] for n in range(agents)}.items())
    lead_n, (lead_team, lead_site) = next((i, t) for i, t in enumerate(teams) if t[0] == team_of(0))
    site = SITES[0]
    return {
        "agent": {"subject": agent_id(0), "site": site, "team": team_of(0)},
        "team_lead": {"subject": lead_id(lead_site, lead_n), "site": lead_site, "team": lead_team},
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


def _team_leads(seed: int, teams: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """One team lead per team, hired before the period starts."""
    for n, (team_id, site) in enumerate(sorted(teams.items())):
        lead = lead_id(site, n)
        yield (
            "employee.hired",
            {
                "command_id": f"demo-{seed}-hire-{lead}",
                "employee_id": lead,
                "site_id": site,
                "occurred_at": _at(START - dt.timedelta(days=30), 9),
                "data": {
                    "display_name": f"{SURNAMES[n % len(SURNAMES)]} {GIVEN[-1 - n % len(GIVEN)]}",
                    "team_id": team_id,
                    "role": "team_lead",
                    "hired_on": (START - dt.timedelta(days=30)).isoformat(),
                },
            },
        )


def _a_day(
    rng: random.Random, seed: int, agent: dict[str, Any], date: dt.date, day: int, days: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    who = agent["employee_id"]
    base = f"demo-{seed}-{who}-{day}"

    def command(
        kind: str, suffix: str, hour: int, data: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        return kind, {
            "command_id": f"{base}-{suffix}",
            "employee_id": who,
            "occurred_at": _at(date, hour),
            "data": data,
        }

    if rng.random() < 0.06:
        course_id, title = rng.choice(COURSES)
        yield command(
            "training.passed",
            "training",
            10,
            {
                "course_id": course_id,
                "course_title": title,
                "score": rng.randint(60, 100),
                "pass_mark": 60,
                "passed_on": date.isoformat(),
            },
        )
    if rng.random() < 0.12:
        amount = rng.choice((10, 20, 30, 50))
        yield command(
            "coupon.granted",
            "coupon",
            14,
            {
                "coupon_id": f"CP-{seed}-{who}-{day}",
                "customer_ref": f"cust-{rng.randint(1, 50000)}",
                "scenario": rng.choice(COUPON_SCENARIOS),
                "amount": f"{amount}.00",
                "currency": "CNY",
            },
        )
    if rng.random() < 0.015:
        yield command(
            "issue.raised",
            "issue",
            16,
            {
                "issue_id": f"IS-{seed}-{who}-{day}",
                "department": rng.choice(DEPARTMENTS[:-1]),
                "title": rng.choice(
                    (
                        "Headset keeps cutting out",
                        "Shift swap request",
                        "Canteen hours",
                        "Bonus question",
                    )
                ),
                "description": "Raised from the seat; details for the responsible department.",
                "anonymous": rng.random() < 0.3,
            },
        )
    if day in (days // 3, 2 * days // 3, days - 1) and rng.random() < 0.8:
        survey = f"pulse-{date.isoformat()}"
        yield command(
            "survey.answered",
            "survey",
            17,
            {
                "survey_id": survey,
                "overall": rng.randint(2, 5),
                "drivers": {d: rng.randint(1, 5) for d in rng.sample(DRIVERS, 4)},
            },
        )
    if day % 30 == 29 and agent["star"] < 5 and rng.random() < 0.35:
        agent["star"] += 1
        yield command(
            "star.promoted",
            "promotion",
            18,
            {
                "to_star": agent["star"],
                "reason": "Monthly review: energy value above target",
                "promoted_on": date.isoformat(),
            },
        )


def _at(date: dt.date, hour: int) -> str:
    return dt.datetime.combine(
        date, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=8))
    ).isoformat()


def load(
    bus: Aerie,
    *,
    agents: int = 300,
    days: int = 90,
    seed: int = 7,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Send the demo through the command path in batches; return how many commands."""
    total = 0
    chunk: list[tuple[str, dict[str, Any]]] = []
    for request in generate(agents, days, seed):
        chunk.append(request)
        if len(chunk) >= batch:
            total += len(bus.handle_many(chunk, channel="demo"))
            chunk = []
            if progress:
                progress(total)
    if chunk:
        total += len(bus.handle_many(chunk, channel="demo"))
        if progress:
            progress(total)
    return total


def count(agents: int = 300, days: int = 90, seed: int = 7) -> int:
    return sum(1 for _ in generate(agents, days, seed))
