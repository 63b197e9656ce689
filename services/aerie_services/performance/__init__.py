"""The performance bounded context: the star ladder."""

from aerie_services.context import BoundedContext, Handles
from aerie_services.performance.application import Performance

EMPLOYEE_STAR = "employee.star"
"""Fact: an employee's current star level (1 before any promotion)."""

CONTEXT = BoundedContext(
    name="performance",
    application=Performance,
    handles=(
        Handles(
            "star.promoted", Performance.promote_star, decided_by_domain=frozenset({"from_star"})
        ),
    ),
    facts={EMPLOYEE_STAR: Performance.star_of},
)
