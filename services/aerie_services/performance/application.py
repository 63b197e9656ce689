"""Use cases of the growth ladder: KPI facts, steps checked against the policy, what energy
leads to, and regrouping proposals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)
from aerie_events.rules.growth.policy import Evidence

from aerie_services.kit.base import Command, Outcome
from aerie_services.kit.batching import BatchedDecisions
from aerie_services.kit.context import Facts
from aerie_services.kit.site_days import site_today
from aerie_services.learning import EMPLOYEE_COURSES
from aerie_services.people import EMPLOYEE_HIRED_ON, EMPLOYEE_PLACEMENT, EMPLOYEE_SITE
from aerie_services.performance.domainmodel import StarLadder
from aerie_services.performance.proposals import (
    InvalidProposal,
    RegroupingProposal,
    StaleProposal,
    UnknownProposal,
)

Step = Callable[[StarLadder, dict, Evidence, Any, dt.date, str], None]

STEP_DAYS = {
    CHICK_GRADUATED: "graduated_on",
    STAR_PROMOTED: "promoted_on",
    STAR_DEMOTED: "demoted_on",
    TRACK_CHANGED: "changed_on",
}


SNAPSHOT_EVERY = 20
"""An agent's record is kept as a snapshot every this many versions: a process that meets the
agent afresh reads the snapshot and fewer events than this, whatever the agent's history."""


class Performance(BatchedDecisions):
    """The eagle ladder: one record per agent, the evidence its policy reads."""

    is_snapshotting_enabled = True  # table ``performance_snapshots``
    snapshot_every = SNAPSHOT_EVERY

    def record_kpi(self, command: Command, facts: Facts) -> Outcome:
        employee_id = str(command.employee_id)
        site_id = facts.ask(EMPLOYEE_SITE, employee_id)
        _site, team_id = facts.ask(EMPLOYEE_PLACEMENT, employee_id)
        today, zone = site_today(facts, site_id)
        data = {**command.data, "team_id": team_id}
        meta = command.meta(site_id=site_id)

        def act(ladder: StarLadder | None) -> StarLadder:
            ladder = ladder or StarLadder(employee_id=employee_id)
            ladder.record_kpi(meta, data, today, zone)
            return ladder

        return self.decide(StarLadder.id_for(employee_id), command, act)

    def _step(self, command: Command, facts: Facts, step: Step) -> Outcome:
        """A step on the ladder, with the courses passed by its day and the hire date."""
        employee_id = str(command.employee_id)
        site_id = facts.ask(EMPLOYEE_SITE, employee_id)
        today, zone = site_today(facts, site_id)
        hired_on = facts.ask(EMPLOYEE_HIRED_ON, employee_id)
        by_day = command.data[STEP_DAYS[command.kind]]
        courses = frozenset(
            course
            for course, passed_on in facts.ask(EMPLOYEE_COURSES, employee_id).items()
            if passed_on <= by_day
        )
        meta = command.meta(site_id=site_id)

        def act(ladder: StarLadder | None) -> StarLadder:
            ladder = ladder or StarLadder(employee_id=employee_id)
            evidence = Evidence(courses, ladder.kpi_days())
            step(ladder, meta, evidence, hired_on, today, zone)
            return ladder

        return self.decide(StarLadder.id_for(employee_id), command, act)

    def graduate(self, command: Command, facts: Facts) -> Outcome:
        return self._step(
            command, facts, lambda lad, m, ev, h, t, z: lad.graduate(m, command.data, ev, h, t, z)
        )

    def promote_star(self, command: Command, facts: Facts) -> Outcome:
        return self._step(
            command, facts, lambda lad, m, ev, h, t, z: lad.promote(m, command.data, ev, h, t, z)
        )

    def demote_star(self, command: Command, facts: Facts) -> Outcome:
        return self._step(
            command, facts, lambda lad, m, ev, h, t, z: lad.demote(m, command.data, ev, h, t, z)
        )

    def change_track(self, command: Command, facts: Facts) -> Outcome:
        return self._step(
            command,
            facts,
            lambda lad, m, ev, h, t, z: lad.change_track(m, command.data, ev, h, t, z),
        )

    def _on_ladder(
        self, command: Command, facts: Facts, act: Callable[[StarLadder, dict], None]
    ) -> Outcome:
        employee_id = str(command.employee_id)
        meta = command.meta(site_id=facts.ask(EMPLOYEE_SITE, employee_id))

        def decide(ladder: StarLadder | None) -> StarLadder:
            ladder = ladder or StarLadder(employee_id=employee_id)
            act(ladder, meta)
            return ladder

        return self.decide(StarLadder.id_for(employee_id), command, decide)

    def reward_energy(self, command: Command, facts: Facts) -> Outcome:
        return self._on_ladder(command, facts, lambda lad, m: lad.reward(m, command.data))

    def order_offpost_training(self, command: Command, facts: Facts) -> Outcome:
        return self._on_ladder(
            command, facts, lambda lad, m: lad.order_offpost_training(m, command.data)
        )

    def reposition(self, command: Command, facts: Facts) -> Outcome:
        return self._on_ladder(command, facts, lambda lad, m: lad.reposition(m, command.data))

    def propose_regrouping(self, command: Command, facts: Facts) -> Outcome:
        site_id = command.data["site_id"]
        for assignment in command.data["assignments"]:
            placement = facts.ask(EMPLOYEE_PLACEMENT, assignment["employee_id"])
            if placement is None or placement[0] != site_id:
                raise InvalidProposal(
                    f"places {assignment['employee_id']}, who is not on the roster of {site_id}"
                )
        meta = command.meta(site_id=site_id)
        return self.create(
            RegroupingProposal.id_for(command.data["proposal_id"]),
            command,
            lambda existing: RegroupingProposal.propose(existing, meta, command.data),
        )

    def accept_regrouping(self, command: Command, facts: Facts) -> Outcome:
        proposal_id = command.data["proposal_id"]

        def act(proposal: RegroupingProposal | None) -> RegroupingProposal:
            if proposal is None:
                raise UnknownProposal(proposal_id)
            if not proposal.accepted:  # accepting again is refused as such by ``accept``
                moved = proposal.moved_since(lambda e: facts.ask(EMPLOYEE_PLACEMENT, e))
                if moved:
                    raise StaleProposal(proposal_id, moved)
            proposal.accept(command.meta(site_id=proposal.site_id), command.data)
            return proposal

        return self.decide(RegroupingProposal.id_for(proposal_id), command, act)

    def moves_of(self, proposal_id: str) -> tuple[str, list[tuple[str, str]]]:
        """The site of a proposal and the ``(employee, to_team)`` moves it makes."""
        proposal = self.find(RegroupingProposal.id_for(proposal_id))
        if proposal is None:
            raise UnknownProposal(proposal_id)
        return proposal.site_id, proposal.moves()

    def star_of(self, employee_id: str) -> int:
        ladder = self.find(StarLadder.id_for(employee_id))
        return ladder.star if ladder is not None else 1
