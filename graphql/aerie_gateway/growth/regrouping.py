"""Team regrouping in GraphQL: what proposing and accepting answer.

Proposing is the performance context's use case (the solver runs on the write side);
accepting records the acceptance, and the regrouping manager records each transfer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

import strawberry
from aerie_projections.regrouping import transfer_command_id
from aerie_services.kit.errors import DomainError
from aerie_services.performance import REGROUPING_MOVES, REGROUPING_PROPOSAL, proposal_id_for
from aerie_services.platform.storage import CommandAnswer
from strawberry.types import Info

from aerie_gateway.errors import domain_error
from aerie_gateway.recording import CommandResult


@strawberry.type(description="One proposed team in numbers.")
class ProposedTeam:
    team_id: str
    size: int
    star_total: int
    average_star: float
    by_star: strawberry.scalars.JSON = strawberry.field(description="Members per star level.")
    by_skill: strawberry.scalars.JSON = strawberry.field(
        description="Members per answering permission."
    )


@strawberry.type(description="One agent's team in a proposal.")
class ProposedMove:
    employee_id: strawberry.ID
    from_team_id: str
    to_team_id: str
    star: int


@strawberry.type(
    description="Balanced teams for a site's available agents, and the balance reached."
)
class RegroupingProposal:
    proposal_id: strawberry.ID
    site_id: strawberry.ID
    proposed_on: dt.date
    team_count: int
    optimal: bool = strawberry.field(description="The solver proved no better balance exists.")
    moves: int = strawberry.field(description="Agents who change team.")
    size_spread: int = strawberry.field(description="Largest minus smallest team size.")
    star_total_spread: int = strawberry.field(description="Largest minus smallest team star total.")
    teams: list[ProposedTeam]
    assignments: list[ProposedMove]
    accepted_on: dt.date | None


def proposal_from(row: Mapping[str, Any]) -> RegroupingProposal:
    p = row.get("proposed", row)
    return RegroupingProposal(
        proposal_id=strawberry.ID(p["proposal_id"]),
        site_id=strawberry.ID(p["site_id"]),
        proposed_on=dt.date.fromisoformat(str(p["proposed_on"])),
        team_count=p["team_count"],
        optimal=p["optimal"],
        moves=p["moves"],
        size_spread=p["size_spread"],
        star_total_spread=p["star_total_spread"],
        teams=[
            ProposedTeam(
                team_id=t["team_id"],
                size=t["size"],
                star_total=t["star_total"],
                average_star=round(t["star_total"] / t["size"], 2) if t["size"] else 0.0,
                by_star=t["by_star"],
                by_skill=strawberry.scalars.JSON(t.get("by_skill") or {}),
            )
            for t in p["teams"]
        ],
        assignments=[
            ProposedMove(
                employee_id=strawberry.ID(a["employee_id"]),
                from_team_id=a["from_team_id"],
                to_team_id=a["to_team_id"],
                star=a["star"],
            )
            for a in p["assignments"]
        ],
        accepted_on=row.get("accepted_on"),
    )


@strawberry.type(description="A proposal recorded: what it is, and the command that recorded it.")
class ProposalRecorded:
    result: CommandResult
    proposal: RegroupingProposal


@strawberry.type(
    description="One transfer of an accepted proposal: recorded, or refused with its code."
)
class TransferAnswer:
    employee_id: strawberry.ID
    to_team_id: str
    event_id: strawberry.ID | None
    duplicate: bool
    code: str | None
    message: str | None


@strawberry.type(description="A proposal accepted, and each of its transfers answered.")
class ProposalAccepted:
    result: CommandResult
    transfers: list[TransferAnswer]


ACCEPT_WAIT_SECONDS = 10.0
"""How long an acceptance's answer waits for the regrouping manager's transfers."""
PENDING = "PENDING"


async def proposal_recorded(info: Info, given: Any, result: CommandResult) -> ProposalRecorded:
    """The proposal the command recorded (or had recorded, on a retry)."""
    bus = info.context.bus
    payload = await asyncio.to_thread(
        bus.facts.ask, REGROUPING_PROPOSAL, proposal_id_for(given.command_id)
    )
    return ProposalRecorded(result=result, proposal=proposal_from(payload))


async def proposal_accepted(info: Info, given: Any, result: CommandResult) -> ProposalAccepted:
    """The acceptance, and each of its transfers as the regrouping manager records them.

    The answer waits (up to ``ACCEPT_WAIT_SECONDS``) until every transfer is recorded or
    refused; one still on its way answers ``PENDING``.
    """
    bus = info.context.bus
    try:
        _site, moves = await asyncio.to_thread(bus.facts.ask, REGROUPING_MOVES, given.proposal_id)
    except DomainError as error:
        raise domain_error(error) from None
    ids = {employee: transfer_command_id(given.proposal_id, employee) for employee, _ in moves}
    answers: dict[str, CommandAnswer] = {}
    deadline = time.monotonic() + ACCEPT_WAIT_SECONDS
    while True:
        answers = await asyncio.to_thread(bus.answers_to, list(ids.values()))
        if len(answers) == len(ids) or time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.1)
    return ProposalAccepted(
        result=result,
        transfers=[
            transfer_answer(employee, team, answers.get(ids[employee]), result.duplicate)
            for employee, team in moves
        ],
    )


def transfer_answer(
    employee: str, team: str, answer: CommandAnswer | None, duplicate: bool
) -> TransferAnswer:
    if answer is None:
        return TransferAnswer(
            employee_id=strawberry.ID(employee),
            to_team_id=team,
            event_id=None,
            duplicate=duplicate,
            code=PENDING,
            message="not recorded yet: the transfer follows shortly; the roster will show it",
        )
    return TransferAnswer(
        employee_id=strawberry.ID(employee),
        to_team_id=team,
        event_id=strawberry.ID(str(answer.event_id)) if answer.event_id else None,
        duplicate=duplicate,
        code=answer.code,
        message=answer.reason,
    )
