"""The organisation bounded context: the company's sites, their zones and calendars."""

from aerie_events.catalog.organisation import SITE_CALENDAR_PUBLISHED, SITE_OPENED

from aerie_services.kit.context import BoundedContext, Handles
from aerie_services.organisation.application import Organisation

SITE_TIME_ZONE = "site.time_zone"
"""Fact: the IANA zone a site's days are counted in (``UTC`` for a site never opened)."""

SITE_CALENDAR = "site.calendar"
"""Fact: the ``WorkingCalendar`` in force at a site (the default one for a site never opened)."""

CONTEXT = BoundedContext(
    name="organisation",
    application=Organisation,
    handles=(
        Handles(SITE_OPENED, Organisation.open_site, subject="none"),
        Handles(SITE_CALENDAR_PUBLISHED, Organisation.publish_calendar, subject="none"),
    ),
    facts={SITE_TIME_ZONE: Organisation.time_zone_of, SITE_CALENDAR: Organisation.calendar_of},
)
