"""The organisation bounded context: the company's sites, their zones and calendars."""

from collections.abc import Mapping
from typing import Any

from aerie_events.catalog.organisation import SITE_CALENDAR_PUBLISHED, SITE_OPENED

from aerie_services.kit.access import COMPANY, SITE, Placement, grants
from aerie_services.kit.context import BoundedContext, Facts, Handles
from aerie_services.organisation.application import Organisation

SITE_TIME_ZONE = "site.time_zone"
"""Fact: the IANA zone a site's days are counted in (``UTC`` for a site never opened)."""

SITE_CALENDAR = "site.calendar"
"""Fact: the ``WorkingCalendar`` in force at a site (the default one for a site never opened)."""


def the_site(inputs: Mapping[str, Any], _facts: Facts) -> Placement:
    """A write about a site lands at that site."""
    return Placement(site_id=str(inputs.get("site_id")))


CONTEXT = BoundedContext(
    name="organisation",
    application=Organisation,
    handles=(
        Handles(
            SITE_OPENED,
            Organisation.open_site,
            may=grants(hr=COMPANY),
            subject="none",
            notes={"time_zone": "An IANA zone name, e.g. Asia/Shanghai."},
        ),
        Handles(
            SITE_CALENDAR_PUBLISHED,
            Organisation.publish_site_calendar,
            may=grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
            target=the_site,
            subject="none",
            summary="the site's working hours and holidays.",
            defaults={"holidays": []},
        ),
    ),
    facts={SITE_TIME_ZONE: Organisation.time_zone_of, SITE_CALENDAR: Organisation.calendar_of},
)
