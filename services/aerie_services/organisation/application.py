"""Use cases of the company's organisation: its sites and their calendars."""

from __future__ import annotations

from aerie_events.rules.calendar import DEFAULT_ZONE, WorkingCalendar

from aerie_services.kit.base import Command, ContextApplication, Outcome
from aerie_services.kit.context import Facts
from aerie_services.organisation.domainmodel import Site
from aerie_services.organisation.errors import UnknownSite


class Organisation(ContextApplication):
    """Sites: their zones and working calendars."""

    def open_site(self, command: Command, _facts: Facts) -> Outcome:
        site_id = command.data["site_id"]
        meta = command.meta(site_id=site_id)
        return self.decide(  # not deferred in a bulk load: its calendar may follow at once
            Site.id_for(site_id), command, lambda existing: Site.open(existing, meta, command.data)
        )

    def publish_site_calendar(self, command: Command, _facts: Facts) -> Outcome:
        site_id = command.data["site_id"]

        def act(site: Site | None) -> Site:
            if site is None:
                raise UnknownSite(site_id)
            site.publish_calendar(command.meta(site_id=site_id), command.data)
            return site

        return self.decide(Site.id_for(site_id), command, act)

    def time_zone_of(self, site_id: str) -> str:
        """The site's zone; ``UTC`` for a site never opened."""
        site = self.find(Site.id_for(site_id))
        return site.time_zone if site is not None else DEFAULT_ZONE

    def calendar_of(self, site_id: str) -> WorkingCalendar:
        """The site's working calendar in force (the default one for a site never opened)."""
        site = self.find(Site.id_for(site_id))
        return site.working_calendar() if site is not None else WorkingCalendar()
