"""A regrouping proposal: balanced teams for a site's available agents, accepted once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from aerie_events.catalog.performance import REGROUPING_ACCEPTED, REGROUPING_PROPOSED
from eventsourcing.domain import event

from aerie_services.kit.base import AerieAggregate, stable_id
from aerie_services.kit.errors import AlreadyRecorded, DomainError


class UnknownProposal(DomainError):
    code = "UNKNOWN_PROPOSAL"

    def __init__(self, proposal_id: str) -> None:
        super().__init__(
            f"no regrouping proposal {proposal_id!r} was made",
            field="proposalId",
            allowed="the id of a proposal proposeRegrouping answered",
        )


class StaleProposal(DomainError):
    code = "STALE_PROPOSAL"

    def __init__(self, proposal_id: str, moved: list[str]) -> None:
        shown = ", ".join(moved[:5]) + (f" and {len(moved) - 5} more" if len(moved) > 5 else "")
        super().__init__(
            f"proposal {proposal_id!r} is out of date: {shown} left or changed team since it "
            "was proposed",
            field="proposalId",
            allowed="a proposal whose agents are all still where it found them: propose again",
        )


class InvalidProposal(DomainError):
    code = "INVALID_PROPOSAL"

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"the proposal {problem}",
            field="assignments",
            allowed="each agent once, each into one of the proposed teams",
        )


def proposal_id_for(command_id: str) -> str:
    """A proposal's id, from the command that proposed it (a retry names the same proposal)."""
    return f"RG-{uuid.uuid5(uuid.NAMESPACE_URL, command_id).hex[:12]}"


class RegroupingProposal(AerieAggregate):
    """Who would go to which team; accepting it makes the moves."""

    @staticmethod
    def id_for(proposal_id: str) -> Any:
        return stable_id("regrouping", proposal_id)

    @staticmethod
    def create_id(meta: dict, payload: dict) -> Any:
        return RegroupingProposal.id_for(payload["proposal_id"])

    @event("Proposed")
    def __init__(self, meta: dict, payload: dict) -> None:
        self.proposal_id = payload["proposal_id"]
        self.proposed = payload
        self.site_id = payload["site_id"]
        self.assignments = [
            (a["employee_id"], a["from_team_id"], a["to_team_id"]) for a in payload["assignments"]
        ]
        self.accepted = False
        self.remember(meta, REGROUPING_PROPOSED, 1)

    @classmethod
    def propose(
        cls, existing: RegroupingProposal | None, meta: dict, payload: dict
    ) -> RegroupingProposal:
        if existing is not None:
            raise AlreadyRecorded(f"regrouping proposal {payload['proposal_id']!r}", "proposalId")
        agents = [a["employee_id"] for a in payload["assignments"]]
        if len(set(agents)) != len(agents):
            raise InvalidProposal("places an agent twice")
        teams = {t["team_id"] for t in payload["teams"]}
        if len(teams) != payload["team_count"] or any(
            a["to_team_id"] not in teams for a in payload["assignments"]
        ):
            raise InvalidProposal("sends agents to teams it does not propose")
        return cls(meta=meta, payload=payload)

    def moved_since(self, placement_of: Callable[[str], tuple[str, str] | None]) -> list[str]:
        """The agents no longer where the proposal found them (left, or moved team or site)."""
        return [
            employee
            for employee, before, _to in self.assignments
            if placement_of(employee) != (self.site_id, before)
        ]

    def moves(self) -> list[tuple[str, str]]:
        """``(employee, to_team)`` of every agent the proposal moves."""
        return [(e, to) for e, before, to in self.assignments if before != to]

    def accept(self, meta: dict, data: dict) -> None:
        if self.accepted:
            raise AlreadyRecorded(f"the acceptance of proposal {self.proposal_id!r}", "proposalId")
        self._accepted(
            meta=meta, payload={**data, "site_id": self.site_id, "moves": len(self.moves())}
        )

    @event("Accepted")
    def _accepted(self, meta: dict, payload: dict) -> None:
        self.accepted = True
        self.remember(meta, REGROUPING_ACCEPTED, self.version + 1)
