"""Team regrouping: the available agents of a site into balanced teams, by CP-SAT.

During a lock-down the remaining staff are re-formed into teams balanced by
star level and answering permissions (skills). The model gives each agent
exactly one team, keeps team sizes within one of each other, and minimises,
in this order of weight: the spread (largest minus smallest team) of the
teams' star totals, the spreads of each star level's and each skill's head
count, and the number of agents who have to move from their current team.
The proposal reports the balance it reached and whether the solver proved
it optimal within its time limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

STAR_LEVELS = (1, 2, 3, 4, 5)
STAR_TOTAL_WEIGHT = 1000
COUNT_WEIGHT = 100
MOVE_WEIGHT = 1


@dataclass(frozen=True)
class Candidate:
    """An agent available for the new teams."""

    employee_id: str
    star: int
    skills: frozenset[str] = frozenset()
    team_id: str | None = None


@dataclass(frozen=True)
class TeamBalance:
    """One proposed team, in numbers."""

    team_id: str
    members: tuple[str, ...]
    star_total: int
    by_star: dict[int, int]
    by_skill: dict[str, int]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def average_star(self) -> float:
        return round(self.star_total / self.size, 2) if self.members else 0.0


@dataclass(frozen=True)
class Proposal:
    """Who goes to which team, and the balance reached."""

    assignments: dict[str, str]
    teams: tuple[TeamBalance, ...]
    optimal: bool
    moves: int
    size_spread: int
    star_total_spread: int
    star_level_spread: dict[int, int] = field(default_factory=dict)
    skill_spread: dict[str, int] = field(default_factory=dict)


class NoProposal(ValueError):
    """The request cannot be answered with teams (no agents, or too few for the teams)."""


def _spread(values: Sequence[int]) -> int:
    return max(values) - min(values) if values else 0


def balance_of(
    assignments: dict[str, str], candidates: Sequence[Candidate], team_ids: Sequence[str]
) -> tuple[TeamBalance, ...]:
    """The numbers of each team under ``assignments``."""
    by_id = {c.employee_id: c for c in candidates}
    teams = []
    for team in team_ids:
        members = tuple(sorted(e for e, t in assignments.items() if t == team))
        stars = [by_id[m].star for m in members]
        skills: dict[str, int] = {}
        for m in members:
            for skill in by_id[m].skills:
                skills[skill] = skills.get(skill, 0) + 1
        teams.append(
            TeamBalance(
                team_id=team,
                members=members,
                star_total=sum(stars),
                by_star={level: stars.count(level) for level in STAR_LEVELS},
                by_skill=dict(sorted(skills.items())),
            )
        )
    return tuple(teams)


def propose_teams(
    candidates: Sequence[Candidate],
    team_ids: Sequence[str],
    *,
    time_limit: float = 5.0,
    workers: int = 2,
    seed: int = 0,
) -> Proposal:
    """Balanced teams for ``candidates``, one per id in ``team_ids``."""
    agents = sorted(candidates, key=lambda c: c.employee_id)
    if not agents:
        raise NoProposal("no available agents to regroup")
    if not 1 <= len(team_ids) <= len(agents):
        raise NoProposal(
            f"{len(team_ids)} teams for {len(agents)} agents: at least 1, at most one per agent"
        )
    model = cp_model.CpModel()
    teams = range(len(team_ids))
    x = {(a, t): model.new_bool_var(f"x{a}_{t}") for a in range(len(agents)) for t in teams}
    for a in range(len(agents)):
        model.add_exactly_one(x[a, t] for t in teams)
    low, high = len(agents) // len(team_ids), -(-len(agents) // len(team_ids))
    for t in teams:
        model.add_linear_constraint(sum(x[a, t] for a in range(len(agents))), low, high)

    def spread_of(name: str, weights: Sequence[int]) -> cp_model.IntVar:
        top = sum(weights)
        totals = []
        for t in teams:
            total = model.new_int_var(0, top, f"{name}_t{t}")
            model.add(total == sum(w * x[a, t] for a, w in enumerate(weights) if w))
            totals.append(total)
        largest, smallest = (
            model.new_int_var(0, top, f"{name}_max"),
            model.new_int_var(0, top, f"{name}_min"),
        )
        model.add_max_equality(largest, totals)
        model.add_min_equality(smallest, totals)
        spread = model.new_int_var(0, top, f"{name}_spread")
        model.add(spread == largest - smallest)
        return spread

    star_spread = spread_of("stars", [c.star for c in agents])
    level_spreads = {
        level: spread_of(f"level{level}", [int(c.star == level) for c in agents])
        for level in STAR_LEVELS
        if any(c.star == level for c in agents)
    }
    skills = sorted({s for c in agents for s in c.skills})
    skill_spreads = {
        s: spread_of(f"skill_{i}", [int(s in c.skills) for c in agents])
        for i, s in enumerate(skills)
    }
    index = {team: t for t, team in enumerate(team_ids)}
    stays = [x[a, index[c.team_id]] for a, c in enumerate(agents) if c.team_id in index]
    if not stays:
        model.add(x[0, 0] == 1)  # teams are interchangeable: fix one agent to break the symmetry
    model.minimize(
        STAR_TOTAL_WEIGHT * star_spread
        + COUNT_WEIGHT * (sum(level_spreads.values()) + sum(skill_spreads.values()))
        - MOVE_WEIGHT * sum(stays)
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise NoProposal(
            f"the solver found no teams within {time_limit} s ({solver.status_name(status)})"
        )
    assignments = {
        c.employee_id: team_ids[next(t for t in teams if solver.boolean_value(x[a, t]))]
        for a, c in enumerate(agents)
    }
    balance = balance_of(assignments, agents, team_ids)
    return Proposal(
        assignments=assignments,
        teams=balance,
        optimal=status == cp_model.OPTIMAL,
        moves=sum(1 for c in agents if assignments[c.employee_id] != c.team_id),
        size_spread=_spread([t.size for t in balance]),
        star_total_spread=_spread([t.star_total for t in balance]),
        star_level_spread={
            level: _spread([t.by_star[level] for t in balance]) for level in STAR_LEVELS
        },
        skill_spread={s: _spread([t.by_skill.get(s, 0) for t in balance]) for s in skills},
    )


MAX_TEAMS = 100
"""At most this many teams in one regrouping."""

SOLVER_SECONDS = 5.0
"""How long the solver may look for a better balance before it answers the best found."""


def team_ids_for(
    given: Sequence[str] | None, count: int, candidates: Sequence[Candidate], site_id: str
) -> list[str]:
    """The ids of the new teams: those given (``count`` different ones), else the site's current
    teams with the most available agents, then fresh ids (``<site>-regroup-01``...).

    Raises ``ValueError`` naming what is wrong with the given ids."""
    if given is not None:
        if len(given) != count or len(set(given)) != count:
            raise ValueError(f"{len(given)} ids for {count} teams")
        return list(given)
    sizes: dict[str, int] = {}
    for c in candidates:
        if c.team_id is not None:
            sizes[c.team_id] = sizes.get(c.team_id, 0) + 1
    current = sorted(sizes, key=lambda t: (-sizes[t], t))[:count]
    fresh = (f"{site_id}-regroup-{n:02d}" for n in range(1, MAX_TEAMS + 1))
    return current + [t for t in fresh if t not in current][: count - len(current)]


def proposal_payload(
    proposal: Proposal, candidates: Sequence[Candidate], head: dict[str, object]
) -> dict[str, object]:
    """The ``regrouping.proposed`` payload of ``proposal``, after ``head`` (its id, site, day)."""
    return {
        **head,
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
