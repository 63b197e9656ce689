"""The company's sites in GraphQL: their zones, working calendars and today's date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import strawberry
from aerie_events.rules.calendar import WorkingCalendar
from aerie_projections.organisation import queries as organisation
from aerie_services.kit.access import EVERYONE
from psycopg_pool import AsyncConnectionPool
from strawberry.types import Info

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.permissions import Allowed


@strawberry.type(description="When a site works: days, hours and holidays, as of a version.")
class SiteCalendar:
    version: str | None
    working_days: list[str] = strawberry.field(description="mon to sun.")
    opens_at: str = strawberry.field(description="Local time, HH:MM.")
    closes_at: str = strawberry.field(description="Local time, HH:MM.")
    holidays: list[dt.date]


@strawberry.type(description="A contact-center site of the company.")
class Site:
    id: strawberry.ID
    name: str
    time_zone: str = strawberry.field(description="The IANA zone its days are counted in.")
    opened_on: dt.date
    calendar: SiteCalendar = strawberry.field(
        description="The calendar in force (Monday to Friday, 09:00-18:00 until one is published)."
    )

    @strawberry.field(description="The site's date right now, in its own zone.")
    def today(self) -> dt.date:
        return WorkingCalendar(time_zone=self.time_zone).local_date(dt.datetime.now(dt.UTC))

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Site:
        calendar = WorkingCalendar(time_zone=row["time_zone"])
        if row["calendar"]:
            calendar = WorkingCalendar.from_payload(row["calendar"], row["time_zone"])
        published = calendar.to_payload()
        return cls(
            id=strawberry.ID(row["site_id"]),
            name=row["name"],
            time_zone=row["time_zone"],
            opened_on=row["opened_on"],
            calendar=SiteCalendar(
                version=published["calendar_version"],
                working_days=published["working_days"],
                opens_at=published["opens_at"],
                closes_at=published["closes_at"],
                holidays=sorted(calendar.holidays),
            ),
        )


async def site_rows(pool: AsyncConnectionPool, keys: list[str]) -> list[dict[str, Any] | None]:
    async with pool.connection() as conn:
        rows = await organisation.sites_by_id(conn, keys)
    return [rows.get(k) for k in keys]


@strawberry.type
class OrganisationQueries:
    @strawberry.field(permission_classes=[Allowed], description="Every opened site, by id.")
    async def sites(self, info: Info) -> list[Site]:
        async with info.context.pool.connection() as conn:
            return [Site.from_row(row) for row in await organisation.sites(conn)]

    @strawberry.field(
        permission_classes=[Allowed], description="One site, or null if no such site was opened."
    )
    async def site(self, info: Info, id: strawberry.ID) -> Site | None:
        row = await info.context.loaders.of(site_rows).load(str(id))
        return Site.from_row(row) if row else None


SITES = EVERYONE
"""Anyone signed in as a person: sites are the company's shared facts, nobody's data."""

DOMAIN = GatewayDomain(
    name="organisation",
    query=OrganisationQueries,
    fields={"Query.sites": SITES, "Query.site": SITES},
    as_parent={
        "Site": "id name timeZone openedOn calendar today",
        "SiteCalendar": "version workingDays opensAt closesAt holidays",
    },
)
