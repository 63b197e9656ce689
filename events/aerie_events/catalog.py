"""Every event type the platform records, with its payload fields.

Names are ``<subject>.<past-tense verb>``. A type's ``schema_version`` rises
whenever its payload changes shape; old versions are upcast on read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aerie_events.fields import Field, FieldProblem, PayloadInvalid, clean_payload

ROLES = ("agent", "team_lead", "site_manager", "responder", "trainer", "qa")
LEAVING_REASONS = ("resigned", "dismissed", "retired", "contract_ended", "other")
DEPARTMENTS = ("hr", "it", "scheduling", "facilities", "training", "quality", "leadership")
COUPON_SCENARIOS = (
    "cleaning_unsatisfactory",
    "late_arrival",
    "damaged_item",
    "repeat_visit",
    "service_attitude",
    "other",
)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class EventType:
    """One kind of fact: its name, its bounded context and its payload fields.

    ``keyed_by`` names the payload field that keys the event on its topic, so
    that every event of one issue, survey or site stays in order in one
    partition; without it the event's subject employee keys it.
    """

    name: str
    context: str
    schema_version: int
    description: str
    fields: dict[str, Field]
    keyed_by: str | None = None

    def clean(self, payload: Any) -> dict[str, Any]:
        """Return the payload in stored form, or raise ``PayloadInvalid``."""
        return clean_payload(self.fields, payload)


def _ev(
    name: str, context: str, summary: str, /, *, keyed_by: str | None = None, **fields: Field
) -> EventType:
    if keyed_by is not None and keyed_by not in fields:
        raise ValueError(f"{name}: keyed_by names {keyed_by!r}, which is not one of its fields")
    return EventType(name, context, 1, summary, fields, keyed_by)


_TYPES = [
    _ev(
        "site.opened",
        "organisation",
        "A contact-center site joined the company, with the time zone its days are counted in.",
        keyed_by="site_id",
        site_id=Field("id", "The site's identifier."),
        name=Field("text", "The site's name.", max_length=120),
        time_zone=Field("zone", "The site's time zone: its days and working hours are local."),
        opened_on=Field("date", "First working day of the site."),
    ),
    _ev(
        "site.calendar_published",
        "organisation",
        "A site's working hours and holidays, as of a version; deadlines count only these hours.",
        keyed_by="site_id",
        site_id=Field("id", "The site."),
        calendar_version=Field("id", "This calendar's version, e.g. 2026-01."),
        working_days=Field(
            "list",
            "The days of the week the site works.",
            item=Field("enum", "A day of the week.", choices=WEEKDAYS),
            max_items=7,
        ),
        opens_at=Field("time", "When a working day starts, local time."),
        closes_at=Field("time", "When a working day ends, local time (after opens_at)."),
        holidays=Field(
            "list",
            "Days the site does not work, though they fall on working days.",
            item=Field("date", "A holiday."),
            max_items=366,
        ),
    ),
    _ev(
        "employee.hired",
        "people",
        "A person joined a site's roster.",
        display_name=Field(
            "text", "The name colleagues know them by.", max_length=120, personal=True
        ),
        team_id=Field("id", "The team they join."),
        role=Field("enum", "The post they are hired into.", choices=ROLES),
        hired_on=Field("date", "First working day."),
    ),
    _ev(
        "employee.transferred",
        "people",
        "An employee moved to another team or site.",
        from_site_id=Field("id", "Site before the move."),
        from_team_id=Field("id", "Team before the move."),
        to_site_id=Field("id", "Site after the move."),
        to_team_id=Field("id", "Team after the move."),
        transferred_on=Field("date", "First day in the new team."),
    ),
    _ev(
        "employee.left",
        "people",
        "An employee left the company.",
        left_on=Field("date", "Last working day."),
        reason=Field("enum", "Why they left.", choices=LEAVING_REASONS),
    ),
    _ev(
        "training.passed",
        "learning",
        "An employee passed a course's assessment.",
        course_id=Field("id", "The course, as the LMS names it."),
        course_title=Field("text", "The course title.", max_length=200),
        score=Field("int", "Assessment score.", minimum=0, maximum=100),
        pass_mark=Field("int", "The score needed to pass.", minimum=0, maximum=100),
        passed_on=Field("date", "Day of the assessment."),
    ),
    _ev(
        "star.promoted",
        "performance",
        "An agent moved one star up the growth ladder.",
        from_star=Field("int", "Star level before.", minimum=1, maximum=4),
        to_star=Field("int", "Star level after.", minimum=2, maximum=5),
        reason=Field("text", "Why the agent was promoted.", max_length=500),
        promoted_on=Field("date", "Day the new level takes effect."),
    ),
    _ev(
        "issue.raised",
        "voice",
        "An employee raised an issue for a department to answer.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue's identifier."),
        department=Field("enum", "The department responsible.", choices=DEPARTMENTS),
        title=Field("text", "Short summary.", max_length=200, personal=True),
        description=Field("text", "What the issue is.", max_length=4000, personal=True),
        anonymous=Field("bool", "True when the author chose not to be named."),
    ),
    _ev(
        "issue.handed_over",
        "voice",
        "A named issue passed to another employee to follow up (e.g. its author left).",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        to_employee_id=Field("id", "Who follows the issue up from now on."),
        reason=Field("text", "Why it was handed over.", max_length=500),
    ),
    _ev(
        "coupon.granted",
        "coupons",
        "An agent granted a customer a compensation coupon within their limit.",
        coupon_id=Field("id", "The coupon's identifier."),
        customer_ref=Field("id", "The customer, as the service system names them."),
        scenario=Field("enum", "The compensation scenario.", choices=COUPON_SCENARIOS),
        amount=Field("decimal", "Coupon value.", minimum=0, maximum=100000),
        currency=Field("enum", "Currency of the amount.", choices=("CNY",)),
        limit=Field("decimal", "The agent's limit that applied.", minimum=0, maximum=100000),
    ),
    _ev(
        "survey.answered",
        "surveys",
        "An employee answered a satisfaction survey.",
        survey_id=Field("id", "The survey."),
        overall=Field("int", "Overall satisfaction, 1 (low) to 5 (high).", minimum=1, maximum=5),
        drivers=Field("scores", "Satisfaction per driver, 1 to 5.", minimum=1, maximum=5),
        comment=Field("text", "Free-text comment.", max_length=2000, required=False, personal=True),
    ),
]

CATALOG: dict[str, EventType] = {t.name: t for t in _TYPES}


def key_of(type_name: str, payload: dict[str, Any], employee_id: str | None) -> str | None:
    """What an event is about, as its topic's key: the type's ``keyed_by`` field, else its subject.

    None when the event has neither (its id keys it then, see ``Envelope.key``).
    """
    event = CATALOG.get(type_name)
    keyed_by = event.keyed_by if event is not None else None
    key = payload.get(keyed_by) if keyed_by else None
    return str(key) if key else (str(employee_id) if employee_id else None)


class UnknownEventType(PayloadInvalid):
    """Raised for an event type the catalog does not define."""

    code = "UNKNOWN_EVENT_TYPE"

    def __init__(self, name: object) -> None:
        super().__init__(
            [FieldProblem("type", f"{name!r} is not a known event type", ", ".join(CATALOG))]
        )


def event_type(name: str) -> EventType:
    """Look up an event type by name, or raise ``UnknownEventType``."""
    try:
        return CATALOG[name]
    except (KeyError, TypeError):
        raise UnknownEventType(name) from None
