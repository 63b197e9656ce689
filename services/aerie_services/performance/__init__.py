"""The performance bounded context: the growth ladder, daily KPI facts, what energy leads to,
and team regrouping."""

from aerie_services.context import BoundedContext, Handles
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
        Handles("kpi.recorded", Performance.record_kpi, decided_by_domain=frozenset({"team_id"})),
        Handles("chick.graduated", Performance.graduate, decided_by_domain=_CRITERIA),
        Handles(
            "star.promoted",
            Performance.promote_star,
            decided_by_domain=_CRITERIA | {"from_star"},
        ),
        Handles(
            "star.demoted", Performance.demote_star, decided_by_domain=_CRITERIA | {"from_star"}
        ),
        Handles(
            "track.changed", Performance.change_track, decided_by_domain=_CRITERIA | {"from_track"}
        ),
        Handles(
            "energy.rewarded",
            Performance.reward_energy,
            decided_by_domain=_WEEK | {"reward_amount", "currency"},
        ),
        Handles(
            "offpost_training.ordered",
            Performance.order_offpost_training,
            decided_by_domain=_WEEK | {"level", "days", "acceptance_test", "starts_on", "ends_on"},
        ),
        Handles(
            "employee.repositioned",
            Performance.reposition,
            decided_by_domain=frozenset({"from_track", "window_start", "window_end"}),
        ),
        Handles("regrouping.proposed", Performance.propose_regrouping, subject="none"),
        Handles(
            "regrouping.accepted",
            Performance.accept_regrouping,
            subject="none",
            decided_by_domain=frozenset({"site_id", "moves"}),
        ),
    ),
    facts={EMPLOYEE_STAR: Performance.star_of, REGROUPING_MOVES: Performance.moves_of},
)
