"""Histories that make ladder steps valid: the policy reads KPI facts, courses and time at level.

Each helper records, through the command path, what a real agent would have
behind a step (a hire long enough ago, the courses, weeks of KPI facts), so a
test can then ask for the step itself. Dates are fixed in the past.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.people import EMPLOYEE_HIRED
from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    KPI_RECORDED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)

STRONG = {
    "calls_answered": 85,
    "average_handling_seconds": 280,
    "first_contact_resolution": "92.00",
    "customer_satisfaction": "4.80",
    "qa_score": "95.00",
    "attendance": "99.00",
}
"""A day well over every target of the ladder policy (energy about 111)."""
STEADY = {
    "calls_answered": 70,
    "average_handling_seconds": 320,
    "first_contact_resolution": "86.00",
    "customer_satisfaction": "4.50",
    "qa_score": "90.00",
    "attendance": "98.00",
}
"""A good day under the full tank (energy 95.83): enough for two stars, no reward, no training."""
POOR = {
    "calls_answered": 30,
    "average_handling_seconds": 560,
    "first_contact_resolution": "62.00",
    "customer_satisfaction": "3.10",
    "qa_score": "61.00",
    "attendance": "86.00",
}
"""A day far under the targets (energy about 9): sustained, it is low enough for a demotion."""
PROMOTED_ON = dt.date(2026, 6, 1)
COURSE_OF_STAR = {2: "C-EMPATHY", 3: "C-BILLING", 4: "C-OUTAGE", 5: "C-COACH"}


def hired(employee: str, site: str, team: str, on: dt.date) -> tuple[str, dict[str, Any]]:
    return (
        EMPLOYEE_HIRED,
        {
            "command_id": f"hire-{employee}",
            "employee_id": employee,
            "site_id": site,
            "data": {
                "display_name": "Agent",
                "team_id": team,
                "role": "agent",
                "hired_on": on.isoformat(),
            },
        },
    )


def kpi_days(
    employee: str, first: dt.date, last: dt.date, values: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [
        (
            KPI_RECORDED,
            {
                "command_id": f"kpi-{employee}-{day}",
                "employee_id": employee,
                "data": {"day": day.isoformat(), **values},
            },
        )
        for day in days
    ]


def passed(employee: str, course: str, on: dt.date) -> tuple[str, dict[str, Any]]:
    data = {
        "course_id": course,
        "course_title": course,
        "score": 90,
        "pass_mark": 60,
        "passed_on": on.isoformat(),
    }
    return TRAINING_PASSED, {
        "command_id": f"pass-{employee}-{course}",
        "employee_id": employee,
        "data": data,
    }


def step(kind: str, employee: str, on: dt.date, **data: Any) -> tuple[str, dict[str, Any]]:
    day_field = {
        CHICK_GRADUATED: "graduated_on",
        STAR_PROMOTED: "promoted_on",
        STAR_DEMOTED: "demoted_on",
        TRACK_CHANGED: "changed_on",
    }[kind]
    return kind, {
        "command_id": f"{kind[:5]}-{employee}-{on}",
        "employee_id": employee,
        "data": {day_field: on.isoformat(), "reason": "review", **data},
    }


def ready_for_promotion(
    bus: Any, employee: str, site: str = "site-t", team: str = "team-1", on: dt.date = PROMOTED_ON
) -> None:
    """A graduated one-star agent who meets the policy for two stars on ``on``."""
    bus.handle_many(
        [
            hired(employee, site, team, on - dt.timedelta(days=120)),
            passed(employee, "C-ONBOARD", on - dt.timedelta(days=100)),
            passed(employee, "C-EMPATHY", on - dt.timedelta(days=100)),
            *kpi_days(employee, on - dt.timedelta(days=40), on - dt.timedelta(days=1), STRONG),
            step(CHICK_GRADUATED, employee, on - dt.timedelta(days=10)),
        ],
        channel="test",
    )


def ready_for_demotion(
    bus: Any, employee: str, site: str = "site-t", team: str = "team-1"
) -> dt.date:
    """A two-star agent with four weeks of poor KPI facts behind them; the day they may be demoted."""
    ready_for_promotion(bus, employee, site, team)
    demoted_on = PROMOTED_ON + dt.timedelta(days=28)
    bus.handle_many(
        [
            step(STAR_PROMOTED, employee, PROMOTED_ON, to_star=2),
            *kpi_days(employee, PROMOTED_ON, demoted_on - dt.timedelta(days=1), POOR),
        ],
        channel="test",
    )
    return demoted_on


def ready_for_track_change(
    bus: Any, employee: str, site: str = "site-t", team: str = "team-1"
) -> dt.date:
    """A five-star agent with the QA course, ninety days at five stars; the day they may move to QA."""
    change_on = dt.date(2026, 9, 1)
    at = {5: change_on - dt.timedelta(days=90)}
    at[4] = at[5] - dt.timedelta(days=90)
    at[3] = at[4] - dt.timedelta(days=90)
    at[2] = at[3] - dt.timedelta(days=60)
    graduated_on = at[2] - dt.timedelta(days=5)
    hire_on = graduated_on - dt.timedelta(days=70)
    commands = [hired(employee, site, team, hire_on), passed(employee, "C-ONBOARD", hire_on)]
    commands += [passed(employee, c, hire_on) for c in (*COURSE_OF_STAR.values(), "C-QA")]
    commands += kpi_days(
        employee, graduated_on - dt.timedelta(days=28), graduated_on - dt.timedelta(days=1), STRONG
    )
    commands.append(step(CHICK_GRADUATED, employee, graduated_on))
    previous = graduated_on
    for star in (2, 3, 4, 5):
        first = max(previous, at[star] - dt.timedelta(days=28))
        commands += kpi_days(employee, first, at[star] - dt.timedelta(days=1), STRONG)
        commands.append(step(STAR_PROMOTED, employee, at[star], to_star=star))
        previous = at[star]
    commands += kpi_days(
        employee, change_on - dt.timedelta(days=28), change_on - dt.timedelta(days=1), STRONG
    )
    bus.handle_many(commands, channel="test")
    return change_on
