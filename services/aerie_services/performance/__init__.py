"""The performance bounded context: the growth ladder, daily KPI facts, what energy leads to,
and team regrouping."""

from collections.abc import Mapping
from typing import Any

from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    EMPLOYEE_REPOSITIONED,
    ENERGY_REWARDED,
    KPI_RECORDED,
    OFFPOST_TRAINING_ORDERED,
    REGROUPING_ACCEPTED,
    REGROUPING_PROPOSED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)
from aerie_events.fields import Field
from aerie_events.read_facts import REGROUPING_CANDIDATES

from aerie_services.kit.access import (
    COMPANY,
    MANAGERS_ONLY,
    SITE,
    TEAM,
    Placement,
    grants,
)
from aerie_services.kit.context import BoundedContext, Facts, Handles
from aerie_services.kit.errors import DomainError
from aerie_services.learning.application import OFFPOST_ORDERS
from aerie_services.performance.application import Performance
from aerie_services.performance.proposals import proposal_id_for

__all__ = [
    "CONTEXT",
    "EMPLOYEE_STAR",
    "LADDER",
    "REGROUPING",
    "REGROUPING_CANDIDATES",
    "REGROUPING_MOVES",
    "REGROUPING_PROPOSAL",
    "proposal_id_for",
]

EMPLOYEE_STAR = "employee.star"
"""Fact: an employee's current star level (1 before any promotion)."""

REGROUPING_MOVES = "regrouping.moves"
"""Fact: ``(site, [(employee, to_team), ...])`` of a regrouping proposal (refused when unknown)."""

REGROUPING_PROPOSAL = "regrouping.proposal"
"""Fact: what a regrouping proposal proposed, its payload (refused when unknown)."""

LADDER = grants(hr=COMPANY, site_manager=SITE, team_lead=TEAM, site_publisher=SITE)
"""Who records a step on the ladder: HR, the site's manager and feed, the team's lead."""
REGROUPING = grants(site_manager=SITE, hr=COMPANY)
"""Who regroups a site's teams."""
TEAM_IDS = Field(
    "list",
    "The teams' ids (teamCount of them); by default the site's current teams with the most "
    "available agents, then new ids.",
    required=False,
    item=Field("id", "A team id."),
    max_items=100,
)


def the_site(inputs: Mapping[str, Any], _facts: Facts) -> Placement:
    """A regrouping lands at the site it regroups."""
    return Placement(site_id=str(inputs.get("site_id")))


def the_proposals_site(inputs: Mapping[str, Any], facts: Facts) -> Placement | None:
    """An acceptance lands at its proposal's site (nowhere for an unknown proposal)."""
    try:
        site_id, _moves = facts.ask(REGROUPING_MOVES, str(inputs.get("proposal_id")))
    except DomainError:
        return None
    return Placement(site_id=site_id)


_CRITERIA = frozenset({"criteria"})
_WEEK = frozenset({"window_end", "kpi_days", "energy"})

CONTEXT = BoundedContext(
    name="performance",
    application=Performance,
    handles=(
        Handles(
            KPI_RECORDED,
            Performance.record_kpi,
            may=grants(site_publisher=SITE),
            decided_by_domain=frozenset({"team_id"}),
        ),
        Handles(
            CHICK_GRADUATED, Performance.graduate_chick, may=LADDER, decided_by_domain=_CRITERIA
        ),
        Handles(
            STAR_PROMOTED,
            Performance.promote_star,
            may=LADDER,
            decided_by_domain=_CRITERIA | {"from_star"},
        ),
        Handles(
            STAR_DEMOTED,
            Performance.demote_star,
            may=LADDER,
            decided_by_domain=_CRITERIA | {"from_star"},
        ),
        Handles(
            TRACK_CHANGED,
            Performance.change_track,
            may=grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
            decided_by_domain=_CRITERIA | {"from_track"},
        ),
        Handles(
            ENERGY_REWARDED,
            Performance.reward_energy,
            may=MANAGERS_ONLY,
            mutation=False,
            decided_by_domain=_WEEK | {"reward_amount", "currency"},
        ),
        Handles(
            OFFPOST_TRAINING_ORDERED,
            Performance.order_offpost_training,
            may=MANAGERS_ONLY,
            mutation=False,
            decided_by_domain=_WEEK | {"level", "days", "acceptance_test", "starts_on", "ends_on"},
        ),
        Handles(
            EMPLOYEE_REPOSITIONED,
            Performance.reposition,
            may=MANAGERS_ONLY,
            mutation=False,
            decided_by_domain=frozenset({"from_track", "window_start", "window_end"}),
        ),
        Handles(
            REGROUPING_PROPOSED,
            Performance.propose_regrouping,
            may=REGROUPING,
            target=the_site,
            subject="none",
            event_time="platform",
            decided_by_domain=frozenset(
                {
                    "proposal_id",
                    "proposed_on",
                    "assignments",
                    "teams",
                    "optimal",
                    "moves",
                    "size_spread",
                    "star_total_spread",
                }
            ),
            takes={"team_ids": TEAM_IDS},
            summary="balanced teams (by star and answering permissions) for the site's agents "
            "available today; the answer holds the proposal.",
        ),
        Handles(
            REGROUPING_ACCEPTED,
            Performance.accept_regrouping,
            may=REGROUPING,
            target=the_proposals_site,
            subject="none",
            event_time="platform",
            summary="each agent's transfer is recorded in turn (the answer waits for them).",
            decided_by_domain=frozenset({"site_id", "moves"}),
        ),
    ),
    facts={
        EMPLOYEE_STAR: Performance.star_of,
        OFFPOST_ORDERS: Performance.offpost_orders_of,
        REGROUPING_MOVES: Performance.moves_of,
        REGROUPING_PROPOSAL: Performance.proposal_of,
    },
    reads=(REGROUPING_CANDIDATES,),
)
