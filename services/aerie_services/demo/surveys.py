"""The demo's pulse surveys: waves a month apart, answers whose drivers really drive them.

Each agent has a feeling about each driver: the company's, their site's
strengths and weaknesses, a change from wave to wave (the north site works on
workload after the first wave; the east site's tools get worse), and their
own. Overall satisfaction is a weighted sum of the drivers plus noise: workload,
coaching and recognition weigh most, tools and the canteen not at all, so the
importance / performance matrix shows what to fix first. eNPS follows overall
satisfaction. One team per site answers little, so its results are withheld.
Some answer twice (a correction), some leave a comment. Closed waves are closed
by the demo, at their scheduled time; the last wave is still open.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED

from aerie_services.demo.world import DemoCommand, DemoPerson, DemoWorld, command
from aerie_services.surveys.questionnaire import Window

SERIES = "pulse"
WAVE_DAYS = 7
WAVE_SPACING = 25
ANSWER_CHANCE = 0.85
SHY_TEAM_CHANCE = 0.25
CORRECTION_CHANCE = 0.06
COMMENT_CHANCE = 0.12

DRIVERS = {  # question id: (text, scale, weight in overall satisfaction)
    "workload": ("My workload is manageable", "1-5", 0.34),
    "coaching": ("My team lead's coaching helps me improve", "1-5", 0.24),
    "recognition": ("Good work is recognised here", "1-5", 0.18),
    "schedule": ("My shifts let me plan my life", "1-5", 0.12),
    "growth": ("I can see how to grow here (0-10)", "0-10", 0.12),
    "tools": ("My tools and systems work well", "1-5", 0.0),
    "canteen": ("The canteen meets my needs", "1-5", 0.0),
}
SITE_EFFECTS = {
    "site-north": {"workload": -0.9, "coaching": 0.3},
    "site-south": {"coaching": -0.7, "schedule": 0.3},
    "site-east": {"recognition": -0.6, "tools": 0.4},
}
WAVE_EFFECTS = {  # per wave after the first
    "site-north": {"workload": 0.3},
    "site-east": {"tools": -0.35},
}
COMMENTS = (
    "More breaks between calls on busy days, please.",
    "The new coaching sessions really help.",
    "Shift swaps take too long to approve.",
    "Headsets need replacing.",
    "Recognition feels random.",
    "Happy with my team.",
)


@dataclass(frozen=True)
class Wave:
    number: int
    opens_on: dt.date
    closes_on: dt.date

    @property
    def survey_id(self) -> str:
        return f"{SERIES}-{self.number}"


def waves(world: DemoWorld) -> list[Wave]:
    """Closed waves a month apart, the last closing two weeks before the end; one wave open now."""
    last = world.last_day(world.sites[0])
    found = []
    for back in range(3, 0, -1):
        closes_on = last - dt.timedelta(days=back * WAVE_SPACING - 10)
        opens_on = closes_on - dt.timedelta(days=WAVE_DAYS - 1)
        if opens_on >= last - dt.timedelta(days=world.days - 1):
            found.append((opens_on, closes_on))
    found.append((last - dt.timedelta(days=2), last + dt.timedelta(days=4)))
    return [Wave(n, opens, closes) for n, (opens, closes) in enumerate(found, start=1)]


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    feelings = {agent.employee_id: _feelings(agent, rng) for agent in world.agents}
    shy = _shy_teams(world, rng)
    hq = world.sites[0]
    for wave in waves(world):
        yield _published(world, wave, world.at(hq, wave.opens_on - dt.timedelta(days=3), 9))
        for agent in world.agents:
            chance = SHY_TEAM_CHANCE if agent.team_id in shy else ANSWER_CHANCE
            if rng.random() < chance:
                yield from _answers(world, wave, agent, feelings[agent.employee_id], rng)
        closes_at = Window(wave.opens_on, wave.closes_on).closes_at
        if closes_at <= world.as_of:
            yield command(
                SURVEY_CLOSED,
                f"demo-{world.seed}-{wave.survey_id}-closed",
                closes_at,
                {"survey_id": wave.survey_id, "reason": "scheduled"},
            )


def _published(world: DemoWorld, wave: Wave, at: dt.datetime) -> DemoCommand:
    questions = [
        {
            "question_id": "overall",
            "text": "All in all, how satisfied are you working here?",
            "scale": "1-5",
            "role": "overall",
        },
        {
            "question_id": "recommend",
            "text": "How likely are you to recommend us as a place to work?",
            "scale": "0-10",
            "role": "enps",
        },
        *(
            {"question_id": q, "text": text, "scale": scale, "role": "driver"}
            for q, (text, scale, _) in DRIVERS.items()
        ),
    ]
    return command(
        SURVEY_PUBLISHED,
        f"demo-{world.seed}-{wave.survey_id}-published",
        at,
        {
            "survey_id": wave.survey_id,
            "series_id": SERIES,
            "title": f"Pulse survey, wave {wave.number}",
            "questions": questions,
            "comment_prompt": "Anything else you want us to know?",
            "opens_on": wave.opens_on.isoformat(),
            "closes_on": wave.closes_on.isoformat(),
        },
    )


def _shy_teams(world: DemoWorld, rng: random.Random) -> set[str]:
    """One team per site that answers little (its results are withheld)."""
    teams: dict[str, list[str]] = {}
    for agent in world.agents:
        teams.setdefault(agent.site.site_id, []).append(agent.team_id)
    return {rng.choice(sorted(set(ids))) for ids in teams.values()}


def _feelings(agent: DemoPerson, rng: random.Random) -> dict[str, float]:
    site = SITE_EFFECTS.get(agent.site.site_id, {})
    return {q: 0.4 + site.get(q, 0.0) + rng.gauss(0, 0.8) for q in DRIVERS}


def _answers(
    world: DemoWorld, wave: Wave, agent: DemoPerson, feelings: dict[str, float], rng: random.Random
) -> Iterator[DemoCommand]:
    days = [
        wave.opens_on + dt.timedelta(days=n)
        for n in range(WAVE_DAYS)
        if wave.opens_on + dt.timedelta(days=n) <= world.last_day(agent.site)
    ]
    days = [d for d in days if agent.works_on(d) and agent.site.calendar.is_working_day(d)]
    if not days:
        return
    day = rng.choice(days)
    answer = _answer(agent, wave, feelings, rng)
    if rng.random() < COMMENT_CHANCE:
        answer["comment"] = rng.choice(COMMENTS)
    yield _answered(world, wave, agent, world.at(agent.site, day, rng.randint(10, 17)), answer, "")
    later = [d for d in days if d > day]
    if later and rng.random() < CORRECTION_CHANCE:
        corrected = {**answer, "overall": max(1, min(5, answer["overall"] + rng.choice((-1, 1))))}
        at = world.at(agent.site, rng.choice(later), 11)
        yield _answered(world, wave, agent, at, corrected, "-corrected")


def _answered(
    world: DemoWorld, wave: Wave, agent: DemoPerson, at: dt.datetime, answer: dict, suffix: str
) -> DemoCommand:
    return command(
        SURVEY_ANSWERED,
        f"demo-{world.seed}-{agent.employee_id}-{wave.survey_id}{suffix}",
        at,
        {"survey_id": wave.survey_id, **answer},
        employee_id=agent.employee_id,
    )


def _answer(
    agent: DemoPerson, wave: Wave, feelings: dict[str, float], rng: random.Random
) -> dict[str, Any]:
    change = WAVE_EFFECTS.get(agent.site.site_id, {})
    now = {
        q: feeling + change.get(q, 0.0) * (wave.number - 1) + rng.gauss(0, 0.5)
        for q, feeling in feelings.items()
    }
    overall = sum(DRIVERS[q][2] * value for q, value in now.items()) * 1.6 + rng.gauss(0, 0.45)
    drivers = {q: _on_scale(value, DRIVERS[q][1]) for q, value in now.items()}
    return {
        "overall": _on_scale(overall, "1-5"),
        "enps": _clamp(round(7 + 2.4 * overall + rng.gauss(0, 1.2)), 0, 10),
        "drivers": drivers,
    }


def _on_scale(feeling: float, scale: str) -> int:
    """A feeling (0: neutral, about -2..2) as an answer on a scale."""
    if scale == "0-10":
        return _clamp(round(5.5 + 2.2 * feeling), 0, 10)
    return _clamp(round(3.2 + feeling), 1, 5)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
