"""The demo's opinion platform: departments, issues and suggestions, and how each loop closed.

Departments (and leadership) are published before the period. Agents raise
issues and suggestions from their seats; each named one runs its loop as it
would have: the department replies in time or misses its deadline (counted in
the site's working hours) and leadership takes it over; the author accepts the
reply, or rejects it and leadership answers; the department resolves it, and
adopts some suggestions; similar issues are linked to one on the public board.
Escalations are recorded as history, under the command ids the deadline
manager derives from the breach, so the manager never records one twice.
Anonymous issues get their department's reply; their follow-ups need the key
only their author holds, so the demo has none.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from aerie_events.catalog.voice import (
    DEPARTMENT_PUBLISHED,
    ISSUE_ACCEPTED,
    ISSUE_ESCALATED,
    ISSUE_LINKED,
    ISSUE_RAISED,
    ISSUE_REJECTED,
    ISSUE_REPLIED,
    ISSUE_RESOLVED,
    SUGGESTION_ADOPTED,
)
from aerie_events.rules.escalation import overdue_command_id, rejection_command_id

from aerie_services.demo.world import DemoCommand, DemoPerson, DemoWorld, command
from aerie_services.voice.deadlines import reply_due
from aerie_services.voice.departments import Department

DAILY_CHANCE = 0.015
ANONYMOUS_SHARE = 0.2
SUGGESTION_SHARE = 0.25
ON_TIME_SHARE = 0.75
ACCEPTED_SHARE = 0.7
PUBLIC_SHARE = 0.3
ADOPTED_SHARE = 0.5
PRIORITIES = (("urgent", 0.1), ("high", 0.25), ("normal", 0.5), ("low", 0.15))
TITLES = {
    "issue": ("Headset keeps cutting out", "Shift swap request", "Canteen hours", "Bonus question"),
    "suggestion": ("Quiet room for breaks", "Shared script library", "Shift preferences app"),
}
LEADERSHIP = "leadership"
DEPARTMENTS = (
    ("hr", "Human resources", "Pay, leave, contracts, bonuses", (120, 480, 960, 1920)),
    ("it", "IT support", "Headsets, desktops, telephony, accounts", (60, 240, 480, 960)),
    ("scheduling", "Scheduling", "Shifts, swaps, rosters, breaks", (120, 480, 960, 1920)),
    ("facilities", "Facilities", "Canteen, seats, rest rooms, building", (240, 480, 960, 1920)),
    ("training", "Training", "Courses, exams, coaching", (240, 960, 1440, 2880)),
    ("quality", "Quality", "Call scoring, QA sampling, appeals", (240, 960, 1440, 2880)),
    (LEADERSHIP, "Leadership", "Escalated issues, company direction", (60, 240, 480, 960)),
)


def publication(department: Department) -> dict[str, Any]:
    """The data of the command that publishes ``department``."""
    return {
        "department_id": department.department_id,
        "name": department.name,
        "scope": department.scope,
        "contact_email": department.contact_email,
        "reply_within": dict(department.reply_within),
        "leadership": department.leadership,
    }


def departments() -> dict[str, Department]:
    """The demo's departments, as published (version 1)."""
    return {
        key: Department(
            department_id=key,
            name=name,
            scope=scope,
            contact_email=f"{key}-desk@aerie.example",
            reply_within=dict(zip(("urgent", "high", "normal", "low"), minutes, strict=True)),
            leadership=key == LEADERSHIP,
            version=1,
        )
        for key, name, scope, minutes in DEPARTMENTS
    }


def commands(world: DemoWorld, rng: random.Random) -> Iterator[DemoCommand]:
    published = departments()
    start = min(world.at(s, world.first_day(s), 8) for s in world.sites) - dt.timedelta(days=1)
    for n, department in enumerate(published.values()):
        yield command(
            DEPARTMENT_PUBLISHED,
            f"demo-{world.seed}-department-{department.department_id}-v1",
            start + dt.timedelta(minutes=n),
            publication(department),
        )
    representatives: dict[str, tuple[str, dt.datetime]] = {}
    for agent, day in world.working_days():
        if rng.random() < DAILY_CHANCE:
            yield from Story(world, rng, published, representatives, agent, day).told()


class Story:
    """One issue's loop, as it happened: each step a command at its moment."""

    def __init__(
        self,
        world: DemoWorld,
        rng: random.Random,
        published: dict[str, Department],
        representatives: dict[str, tuple[str, dt.datetime]],
        agent: DemoPerson,
        day: dt.date,
    ) -> None:
        self.world, self.rng, self.agent = world, rng, agent
        self.published, self.representatives = published, representatives
        self.kind = "suggestion" if rng.random() < SUGGESTION_SHARE else "issue"
        self.title = rng.choice(TITLES[self.kind])
        self.department = rng.choice([d for d in published if d != LEADERSHIP])
        self.priority = rng.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0]
        self.anonymous = rng.random() < ANONYMOUS_SHARE
        self.raised_at = world.at(agent.site, day, 16)
        self.issue_id = f"IS-{world.seed}-{agent.employee_id}-{day}"
        self.end = world.as_of - dt.timedelta(days=1)
        self.replies = 0
        self.base = f"demo-{world.seed}-{agent.employee_id}-{day}"

    def told(self) -> Iterator[DemoCommand]:
        yield command(
            ISSUE_RAISED,
            f"{self.base}-issue",
            self.raised_at,
            {
                "issue_id": self.issue_id,
                "kind": self.kind,
                "department": self.department,
                "priority": self.priority,
                "title": self.title,
                "description": "Raised from the seat; details for the responsible department.",
                "anonymous": self.anonymous,
            },
            employee_id=self.agent.employee_id,
        )
        if self.anonymous:
            return  # the platform chose its id; only its author holds its key
        steps = list(self._loop())
        for step in steps:
            if step.occurred_at > self.end:
                return
            yield step

    def _loop(self) -> Iterator[DemoCommand]:
        department = self.published[self.department]
        due = reply_due(self.raised_at, department, self.priority, self.agent.site.calendar)
        rng = self.rng
        if rng.random() < ON_TIME_SHARE:
            moment = self.raised_at + (due - self.raised_at) * rng.uniform(0.2, 0.9)
            moment = moment.replace(second=0, microsecond=0)
        else:
            moment = due + dt.timedelta(minutes=1)
            yield self._escalation("overdue", moment, overdue_command_id(self.issue_id, due))
            moment += dt.timedelta(hours=rng.randint(2, 20))
        while True:
            yield self._reply(moment)
            if self.replies == 1 and (link := self._link(moment + dt.timedelta(minutes=1))):
                yield link
            moment += dt.timedelta(hours=rng.randint(2, 30))
            if self.agent.left_on is not None and moment.date() >= self.agent.left_on:
                return  # their open issues went to their team lead
            if rng.random() < ACCEPTED_SHARE or self.replies > 1:
                yield self._by_author(ISSUE_ACCEPTED, "accepted", moment, {})
                break
            yield self._by_author(
                ISSUE_REJECTED, "rejected", moment, {"reason": "That does not solve it."}
            )
            moment += dt.timedelta(minutes=30)
            escalation_id = rejection_command_id(self.issue_id, self.replies)
            yield self._escalation("rejected", moment, escalation_id)
            moment += dt.timedelta(hours=rng.randint(2, 20))
        moment += dt.timedelta(hours=rng.randint(1, 24))
        if self.kind == "suggestion" and rng.random() < ADOPTED_SHARE:
            yield self._department(
                SUGGESTION_ADOPTED,
                "adopted",
                moment,
                {"adopted_on": moment.date().isoformat(), "note": "Piloted with two teams."},
            )
            moment += dt.timedelta(minutes=5)
        yield self._department(ISSUE_RESOLVED, "resolved", moment, {"note": "Done."})

    def _reply(self, moment: dt.datetime) -> DemoCommand:
        self.replies += 1
        public = self.rng.random() < PUBLIC_SHARE
        if public and self.title not in self.representatives:
            self.representatives[self.title] = (self.issue_id, self.raised_at)
        return self._department(
            ISSUE_REPLIED,
            f"reply-{self.replies}",
            moment,
            {
                "text": "Thank you: here is what we found and what we will do.",
                "visibility": "public" if public else "private",
            },
        )

    def _link(self, moment: dt.datetime) -> DemoCommand | None:
        """Link to the title's representative issue, if one was raised before."""
        found = self.representatives.get(self.title)
        if found is None or found[0] == self.issue_id or found[1] >= moment:
            return None
        return self._department(
            ISSUE_LINKED, "linked", moment, {"representative_issue_id": found[0]}
        )

    def _escalation(self, reason: str, moment: dt.datetime, command_id: str) -> DemoCommand:
        return command(
            ISSUE_ESCALATED, command_id, moment, {"issue_id": self.issue_id, "reason": reason}
        )

    def _department(
        self, kind: str, suffix: str, moment: dt.datetime, data: dict[str, Any]
    ) -> DemoCommand:
        return command(kind, f"{self.base}-{suffix}", moment, {"issue_id": self.issue_id, **data})

    def _by_author(
        self, kind: str, suffix: str, moment: dt.datetime, data: dict[str, Any]
    ) -> DemoCommand:
        return command(
            kind,
            f"{self.base}-{suffix}-{self.replies}",
            moment,
            {"issue_id": self.issue_id, **data},
            actor={"kind": "person", "id": self.agent.employee_id, "role": "agent"},
        )
