"""The demo's roster: sites opened with their calendars, hires, and leavers."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from aerie_events.catalog.organisation import SITE_CALENDAR_PUBLISHED, SITE_OPENED
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT

from aerie_services.demo.world import DemoCommand, DemoWorld, command


def commands(world: DemoWorld, _rng: random.Random) -> Iterator[DemoCommand]:
    for site in world.sites:
        opened = world.at(site, site.opened_on, 9)
        yield command(
            SITE_OPENED,
            f"demo-{world.seed}-open-{site.site_id}",
            opened,
            {
                "site_id": site.site_id,
                "name": site.name,
                "time_zone": site.time_zone,
                "opened_on": site.opened_on.isoformat(),
            },
        )
        yield command(
            SITE_CALENDAR_PUBLISHED,
            f"demo-{world.seed}-calendar-{site.site_id}-{site.calendar.version}",
            opened + dt.timedelta(hours=1),
            {"site_id": site.site_id, **site.calendar.to_payload()},
        )
    for person in world.people():
        yield command(
            EMPLOYEE_HIRED,
            f"demo-{world.seed}-hire-{person.employee_id}",
            world.at(person.site, person.hired_on, 9),
            {
                "display_name": person.display_name,
                "team_id": person.team_id,
                "role": person.role,
                "hired_on": person.hired_on.isoformat(),
            },
            employee_id=person.employee_id,
            site_id=person.site.site_id,
        )
        if person.left_on is not None:
            yield command(
                EMPLOYEE_LEFT,
                f"demo-{world.seed}-{person.employee_id}-{person.left_on}-left",
                world.at(person.site, person.left_on, 19),
                {"left_on": person.left_on.isoformat(), "reason": person.leaving_reason},
                employee_id=person.employee_id,
            )
