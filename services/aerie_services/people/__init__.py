"""The people bounded context: the roster."""

from collections.abc import Mapping
from typing import Any

from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED

from aerie_services.kit.access import (
    COMPANY,
    EMPLOYEE_PLACEMENT,
    SITE,
    Placement,
    Targets,
    grants,
)
from aerie_services.kit.context import BoundedContext, Facts, Handles
from aerie_services.people.application import People

EMPLOYEE_SITE = "employee.site"
"""Fact: the site of an employee on the roster (refused for unknown or departed ones)."""

EMPLOYEE_HIRED_ON = "employee.hired_on"
"""Fact: the first working day of an employee on the roster (ISO date), or None."""

ROSTER = grants(hris=COMPANY, hr=COMPANY, site_publisher=SITE)
"""Who keeps the roster: the HRIS and HR company-wide, a site's feed for its own site."""

__all__ = ["CONTEXT", "EMPLOYEE_HIRED_ON", "EMPLOYEE_PLACEMENT", "EMPLOYEE_SITE", "ROSTER"]


def _placed_now(employee_id: str, facts: Facts) -> Placement | None:
    now = facts.ask(EMPLOYEE_PLACEMENT, employee_id)
    return Placement(employee_id, *now) if now else None


def hire_lands(inputs: Mapping[str, Any], facts: Facts) -> Targets:
    """A hire lands on the site and team it names; an id already on another site's roster is
    refused like any other write outside the caller's scope."""
    employee_id = str(inputs.get("employee_id"))
    named = Placement(employee_id, inputs.get("site_id"), inputs.get("team_id"))
    now = _placed_now(employee_id, facts)
    return [now, named] if now is not None else [named]


def transfer_lands(inputs: Mapping[str, Any], facts: Facts) -> Targets:
    """A transfer leaves where the employee is now and lands where it names: both in scope."""
    employee_id = str(inputs.get("employee_id"))
    to = Placement(employee_id, inputs.get("to_site_id"), inputs.get("to_team_id"))
    return [_placed_now(employee_id, facts), to]


CONTEXT = BoundedContext(
    name="people",
    application=People,
    handles=(
        Handles(
            EMPLOYEE_HIRED,
            People.hire_employee,
            may=ROSTER,
            target=hire_lands,
            takes_site=True,
            defaults={"role": "agent"},
        ),
        Handles(
            EMPLOYEE_TRANSFERRED,
            People.transfer_employee,
            may=ROSTER,
            target=transfer_lands,
            decided_by_domain=frozenset({"from_site_id", "from_team_id"}),
        ),
        Handles(EMPLOYEE_LEFT, People.record_leaving, may=ROSTER),
    ),
    facts={
        EMPLOYEE_SITE: People.site_of_active,
        EMPLOYEE_PLACEMENT: People.placement_of,
        EMPLOYEE_HIRED_ON: People.hired_on_of,
    },
)
