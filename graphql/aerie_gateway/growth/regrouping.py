"""Team regrouping in GraphQL: propose balanced teams (CP-SAT), accept them as transfers."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import strawberry
from aerie_events.catalog.people import EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import REGROUPING_ACCEPTED, REGROUPING_PROPOSED
from aerie_events.rules.growth.policy import ladder_policy_on
from aerie_projections.growth import queries as growth
from aerie_services.kit.errors import DomainError
from aerie_services.performance import REGROUPING_MOVES
from aerie_services.performance.regrouping import Candidate, NoProposal, propose_teams
from strawberry.types import Info

from aerie_gateway.errors import bad_argument, domain_error
from aerie_gateway.growth.types import site_date
from aerie_gateway.permissions import Placement, write_target
from aerie_gateway.recording import CommandResult, WriteServices, handle

SOLVER_SECONDS = 5.0
MAX_TEAMS = 100


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
                by_skill=t.get("by_skill") or {},
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


@strawberry.input
class ProposeRegroupingInput:
    command_id: str
    site_id: str
    team_count: int
    team_ids: list[str] | None = strawberry.field(
        default=None,
        description="The teams' ids (teamCount of them); by default the site's current teams "
        "with the most available agents, then new ids.",
    )


@strawberry.input
class AcceptRegroupingInput:
    command_id: str
    proposal_id: str
    accepted_on: str = strawberry.field(description="Day the new teams start (YYYY-MM-DD).")


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


def team_ids_for(
    given: list[str] | None, count: int, candidates: list[dict[str, Any]], site_id: str
) -> list[str]:
    if given is not None:
        if len(given) != count or len(set(given)) != count:
            raise bad_argument(
                "input.teamIds",
                f"{len(given)} ids for {count} teams",
                f"{count} different team ids",
            )
        return list(given)
    sizes: dict[str, int] = {}
    for c in candidates:
        sizes[c["team_id"]] = sizes.get(c["team_id"], 0) + 1
    current = sorted(sizes, key=lambda t: (-sizes[t], t))[:count]
    fresh = (f"{site_id}-regroup-{n:02d}" for n in range(1, MAX_TEAMS + 1))
    return current + [t for t in fresh if t not in current][: count - len(current)]


async def propose(info: Info, given: ProposeRegroupingInput) -> ProposalRecorded:
    if not 1 <= given.team_count <= MAX_TEAMS:
        raise bad_argument(
            "input.teamCount", f"{given.team_count} is out of range", f"1 to {MAX_TEAMS}"
        )
    async with info.context.pool.connection() as conn:
        today = await site_date(conn, given.site_id)
        rows = await growth.regrouping_candidates(conn, given.site_id, today)
    policy = ladder_policy_on(today)
    candidates = [
        Candidate(
            r["employee_id"], r["star"], policy.skills_of(frozenset(r["courses"])), r["team_id"]
        )
        for r in rows
    ]
    team_ids = team_ids_for(given.team_ids, given.team_count, rows, given.site_id)
    try:
        proposal = await asyncio.to_thread(
            propose_teams, candidates, team_ids, time_limit=SOLVER_SECONDS
        )
    except NoProposal as refused:
        raise bad_argument(
            "input.teamCount", str(refused), "at least one available agent per team"
        ) from None
    data = {
        "proposal_id": f"RG-{uuid.uuid5(uuid.NAMESPACE_URL, given.command_id).hex[:12]}",
        "site_id": given.site_id,
        "proposed_on": today.isoformat(),
        "team_count": given.team_count,
        "assignments": [
            {
                "employee_id": c.employee_id,
                "from_team_id": c.team_id,
                "to_team_id": proposal.assignments[c.employee_id],
                "star": c.star,
            }
            for c in candidates
        ],
        "teams": [
            {
                "team_id": t.team_id,
                "size": t.size,
                "star_total": t.star_total,
                "by_star": {str(k): v for k, v in t.by_star.items()},
                **({"by_skill": t.by_skill} if t.by_skill else {}),
            }
            for t in proposal.teams
        ],
        "optimal": proposal.optimal,
        "moves": proposal.moves,
        "size_spread": proposal.size_spread,
        "star_total_spread": proposal.star_total_spread,
    }
    result = await handle(
        info,
        REGROUPING_PROPOSED,
        prefix="input",
        camel_case=True,
        command_id=given.command_id,
        data=data,
    )
    return ProposalRecorded(result=result, proposal=proposal_from(data))


async def accept(info: Info, given: AcceptRegroupingInput) -> ProposalAccepted:
    data = {"proposal_id": given.proposal_id, "accepted_on": given.accepted_on}
    result = await handle(
        info,
        REGROUPING_ACCEPTED,
        prefix="input",
        camel_case=True,
        command_id=given.command_id,
        data=data,
    )
    bus = info.context.bus
    try:
        site_id, moves = await asyncio.to_thread(bus.facts.ask, REGROUPING_MOVES, given.proposal_id)
    except DomainError as error:
        raise domain_error(error) from None
    identity = info.context.identity
    requests = [
        (
            EMPLOYEE_TRANSFERRED,
            {
                "command_id": f"regroup:{given.proposal_id}:{employee}",
                "employee_id": employee,
                "data": {
                    "to_site_id": site_id,
                    "to_team_id": team,
                    "transferred_on": given.accepted_on,
                },
                "actor": identity.actor,
                "source": identity.source,
                "causation_id": str(result.event_id),
            },
        )
        for employee, team in moves
    ]
    answers = await asyncio.to_thread(bus.handle_each, requests, channel="graphql")
    return ProposalAccepted(
        result=result,
        transfers=[
            TransferAnswer(
                employee_id=strawberry.ID(employee),
                to_team_id=team,
                event_id=None
                if isinstance(answer, DomainError)
                else strawberry.ID(str(answer.event_id)),
                duplicate=False if isinstance(answer, DomainError) else answer.duplicate,
                code=answer.code if isinstance(answer, DomainError) else None,
                message=answer.message if isinstance(answer, DomainError) else None,
            )
            for (employee, team), answer in zip(moves, answers, strict=True)
        ],
    )


@write_target(REGROUPING_PROPOSED)
async def _the_site(inputs: Mapping[str, Any], _services: WriteServices) -> Placement:
    return Placement(site_id=str(inputs.get("site_id")))


@write_target(REGROUPING_ACCEPTED)
async def _the_proposals_site(
    inputs: Mapping[str, Any], services: WriteServices
) -> Placement | None:
    try:
        site_id, _moves = await asyncio.to_thread(
            services.bus.facts.ask, REGROUPING_MOVES, str(inputs.get("proposal_id"))
        )
    except DomainError:
        return None
    return Placement(site_id=site_id)
