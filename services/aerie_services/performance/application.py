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
from aerie_events.read_facts import REGROUPING_CANDIDATES
from aerie_events.rules.growth.policy import Evidence, ladder_policy_on

from aerie_services.kit.base import Command, Outcome
from aerie_services.kit.batching import BatchedDecisions
from aerie_services.kit.context import Facts
from aerie_services.kit.site_days import site_today
from aerie_services.learning import EMPLOYEE_COURSES
from aerie_services.people import EMPLOYEE_HIRED_ON, EMPLOYEE_PLACEMENT, EMPLOYEE_SITE
from aerie_services.performance.domainmodel import StarLadder, StepGround
from aerie_services.performance.errors import RegroupingNotPossible
from aerie_services.performance.proposals import (
    InvalidProposal,
    RegroupingProposal,
    StaleProposal,
    UnknownProposal,
    proposal_id_for,
)
from aerie_services.performance.regrouping import (
    MAX_TEAMS,
    SOLVER_SECONDS,
    Candidate,
    NoProposal,
    proposal_payload,
    propose_teams,
    team_ids_for,
)

Step = Callable[[StarLadder, dict, dict, StepGround], None]
"""A step method of the record: ``(record, meta, data, ground)``."""

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
            ground = StepGround(Evidence(courses, ladder.kpi_days()), hired_on, today, zone)
            step(ladder, meta, command.data, ground)
            return ladder

        return self.decide(StarLadder.id_for(employee_id), command, act)

    def graduate_chick(self, command: Command, facts: Facts) -> Outcome:
        return self._step(command, facts, StarLadder.graduate)

    def promote_star(self, command: Command, facts: Facts) -> Outcome:
        return self._step(command, facts, StarLadder.promote)

    def demote_star(self, command: Command, facts: Facts) -> Outcome:
        return self._step(command, facts, StarLadder.demote)

    def change_track(self, command: Command, facts: Facts) -> Outcome:
        return self._step(command, facts, StarLadder.change_track)

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
        """Balanced teams for the site's agents available today, by the solver, recorded.

        The candidates are the read model's (``REGROUPING_CANDIDATES``): the active agents
        ready for calls, their star, team and courses; each is checked against the roster
        again before the proposal is recorded. The proposal's id derives from the command's,
        so a retry answers the first proposal without solving again.
        """
        proposal_id = proposal_id_for(command.command_id)
        aggregate_id = RegroupingProposal.id_for(proposal_id)
        if self.find(aggregate_id) is not None:  # a retry (or a reused id): answered as such
            return self.decide(aggregate_id, command, lambda p: p)
        site_id, team_count = command.data["site_id"], command.data["team_count"]
        if not 1 <= team_count <= MAX_TEAMS:
            raise RegroupingNotPossible(
                "team_count", f"{team_count} is out of range", f"1 to {MAX_TEAMS}"
            )
        today, _zone = site_today(facts, site_id)
        candidates = self._candidates(facts, site_id, today)
        try:
            team_ids = team_ids_for(command.data.get("team_ids"), team_count, candidates, site_id)
        except ValueError as wrong:
            raise RegroupingNotPossible(
                "team_ids", str(wrong), f"{team_count} different team ids"
            ) from None
        try:
            proposal = propose_teams(candidates, team_ids, time_limit=SOLVER_SECONDS)
        except NoProposal as refused:
            raise RegroupingNotPossible(
                "team_count", str(refused), "at least one available agent per team"
            ) from None
        head = {
            "proposal_id": proposal_id,
            "site_id": site_id,
            "proposed_on": today.isoformat(),
            "team_count": team_count,
        }
        payload = proposal_payload(proposal, candidates, head)
        self._check_on_roster(facts, site_id, payload)
        meta = command.meta(site_id=site_id)
        return self.create(
            aggregate_id,
            command,
            lambda existing: RegroupingProposal.propose(existing, meta, payload),
        )

    @staticmethod
    def _candidates(facts: Facts, site_id: str, today: dt.date) -> list[Candidate]:
        policy = ladder_policy_on(today)
        return [
            Candidate(
                r["employee_id"], r["star"], policy.skills_of(frozenset(r["courses"])), r["team_id"]
            )
            for r in facts.ask(REGROUPING_CANDIDATES, (site_id, today))
        ]

    @staticmethod
    def _check_on_roster(facts: Facts, site_id: str, payload: dict[str, Any]) -> None:
        for assignment in payload["assignments"]:
            placement = facts.ask(EMPLOYEE_PLACEMENT, assignment["employee_id"])
            if placement is None or placement[0] != site_id:
                raise InvalidProposal(
                    f"places {assignment['employee_id']}, who is not on the roster of {site_id}"
                )

    def proposal_of(self, proposal_id: str) -> dict[str, Any]:
        """What a proposal proposed (its ``regrouping.proposed`` payload)."""
        proposal = self.find(RegroupingProposal.id_for(proposal_id))
        if proposal is None:
            raise UnknownProposal(proposal_id)
        return proposal.proposed

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

    def offpost_orders_of(self, employee_id: str) -> dict[str, tuple[str | None, str]]:
        """Each off-post training order of the employee: its first and last day of training
        (the first None in a snapshot taken before it was kept)."""
        ladder = self.find(StarLadder.id_for(employee_id))
        orders = ladder.orders if ladder is not None else {}
        return {i: (o.get("starts_on"), o["ends_on"]) for i, o in orders.items()}

    def star_of(self, employee_id: str) -> int:
        ladder = self.find(StarLadder.id_for(employee_id))
        return ladder.star if ladder is not None else 1
