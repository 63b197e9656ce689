"""Given / when / then on team regrouping by the CP-SAT model."""

import pytest
from aerie_services.performance.regrouping import Candidate, NoProposal, propose_teams


def agents() -> list[Candidate]:
    stars = [5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1]
    skills = ["billing", "outage"]
    return [
        Candidate(
            f"A{n:02d}", star, frozenset({skills[n % 2]}), team_id="old-1" if n < 6 else "old-2"
        )
        for n, star in enumerate(stars)
    ]


def test_every_agent_gets_exactly_one_team_of_balanced_size() -> None:
    proposal = propose_teams(agents(), ["T1", "T2", "T3"], time_limit=10)
    assert sorted(proposal.assignments) == sorted(a.employee_id for a in agents())
    assert [t.size for t in proposal.teams] == [4, 4, 4]


def test_teams_are_balanced_by_star_and_skill_and_proven_optimal() -> None:
    proposal = propose_teams(agents(), ["T1", "T2", "T3"], time_limit=10)
    assert proposal.optimal
    assert proposal.star_total_spread == 1  # 32 stars: no three equal teams
    assert all(t.by_star[5] <= 1 and t.by_star[1] <= 2 for t in proposal.teams)
    assert proposal.skill_spread == {"billing": 0, "outage": 0}


def test_among_equally_balanced_teams_the_fewest_agents_move() -> None:
    proposal = propose_teams(agents(), ["old-1", "old-2"], time_limit=10)
    assert proposal.optimal
    assert proposal.star_total_spread == 0
    # each team needs one agent of each of 2 to 5 stars and two of one star: at least three
    # agents leave each old team, and no more have to
    assert proposal.moves == 6
    moved = {e for e, t in proposal.assignments.items() if t != ("old-1" if e < "A06" else "old-2")}
    assert len(moved) == proposal.moves


def test_more_teams_than_agents_is_refused_with_the_reason() -> None:
    with pytest.raises(NoProposal, match="3 teams for 2 agents"):
        propose_teams(agents()[:2], ["T1", "T2", "T3"])
