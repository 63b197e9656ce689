"""The people bounded context: the roster."""

from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED

from aerie_services.kit.context import BoundedContext, Handles
from aerie_services.people.application import People

EMPLOYEE_SITE = "employee.site"
"""Fact: the site of an employee on the roster (refused for unknown or departed ones)."""

EMPLOYEE_PLACEMENT = "employee.placement"
"""Fact: ``(site, team)`` of an employee on the roster, or None (who may write for them)."""

EMPLOYEE_HIRED_ON = "employee.hired_on"
"""Fact: the first working day of an employee on the roster (ISO date), or None."""

CONTEXT = BoundedContext(
    name="people",
    application=People,
    handles=(
        Handles(EMPLOYEE_HIRED, People.hire, takes_site=True),
        Handles(
            EMPLOYEE_TRANSFERRED,
            People.transfer,
            decided_by_domain=frozenset({"from_site_id", "from_team_id"}),
        ),
        Handles(EMPLOYEE_LEFT, People.record_leaving),
    ),
    facts={
        EMPLOYEE_SITE: People.site_of_active,
        EMPLOYEE_PLACEMENT: People.placement_of,
        EMPLOYEE_HIRED_ON: People.hired_on_of,
    },
)
