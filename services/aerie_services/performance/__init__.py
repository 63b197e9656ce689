"""The performance bounded context: the growth ladder, daily KPI facts, what energy leads to,
and team regrouping."""

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

from aerie_services.kit.context import BoundedContext, Handles
from aerie_services.learning.application import OFFPOST_ORDERS
from aerie_services.performance.application import Performance

EMPLOYEE_STAR = "employee.star"
"""Fact: an employee's current star level (1 before any promotion)."""

REGROUPING_MOVES = "regrouping.moves"
"""Fact: ``(site, [(employee, to_team), ...])`` of a regrouping proposal (refused when unknown)."""

_CRITERIA = frozenset({"criteria"})
_WEEK = frozenset({"window_end", "kpi_days", "energy"})

CONTEXT = BoundedContext(
    name="performance",
    application=Performance,
    handles=(
        Handles(KPI_RECORDED, Performance.record_kpi, decided_by_domain=frozenset({"team_id"})),
        Handles(CHICK_GRADUATED, Performance.graduate, decided_by_domain=_CRITERIA),
        Handles(
            STAR_PROMOTED,
            Performance.promote_star,
            decided_by_domain=_CRITERIA | {"from_star"},
        ),
        Handles(STAR_DEMOTED, Performance.demote_star, decided_by_domain=_CRITERIA | {"from_star"}),
        Handles(
            TRACK_CHANGED, Performance.change_track, decided_by_domain=_CRITERIA | {"from_track"}
        ),
        Handles(
            ENERGY_REWARDED,
            Performance.reward_energy,
            decided_by_domain=_WEEK | {"reward_amount", "currency"},
        ),
        Handles(
            OFFPOST_TRAINING_ORDERED,
            Performance.order_offpost_training,
            decided_by_domain=_WEEK | {"level", "days", "acceptance_test", "starts_on", "ends_on"},
        ),
        Handles(
            EMPLOYEE_REPOSITIONED,
            Performance.reposition,
            decided_by_domain=frozenset({"from_track", "window_start", "window_end"}),
        ),
        Handles(REGROUPING_PROPOSED, Performance.propose_regrouping, subject="none"),
        Handles(
            REGROUPING_ACCEPTED,
            Performance.accept_regrouping,
            subject="none",
            decided_by_domain=frozenset({"site_id", "moves"}),
        ),
    ),
    facts={
        EMPLOYEE_STAR: Performance.star_of,
        OFFPOST_ORDERS: Performance.offpost_orders_of,
        REGROUPING_MOVES: Performance.moves_of,
    },
)
