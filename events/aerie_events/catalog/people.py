"""The roster's events: hires, transfers, leavers."""

from __future__ import annotations

from aerie_events.catalog.kit import EventType, define
from aerie_events.fields import Field

CONTEXT = "people"

EMPLOYEE_HIRED = "employee.hired"
EMPLOYEE_TRANSFERRED = "employee.transferred"
EMPLOYEE_LEFT = "employee.left"

ROLES = ("agent", "team_lead", "site_manager", "responder", "trainer", "qa")
LEAVING_REASONS = ("resigned", "dismissed", "retired", "contract_ended", "other")

TYPES: tuple[EventType, ...] = (
    define(
        EMPLOYEE_HIRED,
        CONTEXT,
        "A person joined a site's roster.",
        display_name=Field(
            "text", "The name colleagues know them by.", max_length=120, personal=True
        ),
        team_id=Field("id", "The team they join."),
        role=Field("enum", "The post they are hired into.", choices=ROLES),
        hired_on=Field("date", "First working day."),
    ),
    define(
        EMPLOYEE_TRANSFERRED,
        CONTEXT,
        "An employee moved to another team or site.",
        from_site_id=Field("id", "Site before the move."),
        from_team_id=Field("id", "Team before the move."),
        to_site_id=Field("id", "Site after the move."),
        to_team_id=Field("id", "Team after the move."),
        transferred_on=Field("date", "First day in the new team."),
    ),
    define(
        EMPLOYEE_LEFT,
        CONTEXT,
        "An employee left the company.",
        left_on=Field("date", "Last working day."),
        reason=Field("enum", "Why they left.", choices=LEAVING_REASONS),
    ),
)
