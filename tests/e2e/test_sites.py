"""Sites through the running platform: zones and calendars, and a worker of one projection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tests.conftest import Platform, new_id, wait_until

OPEN = """mutation($input: OpenSiteInput!) { openSite(input: $input) { type duplicate } }"""
CALENDAR = """mutation($input: PublishSiteCalendarInput!) {
  publishSiteCalendar(input: $input) { type } }"""
SITE = """query($id: ID!) { site(id: $id) { id name timeZone openedOn today
  calendar { version workingDays opensAt closesAt holidays } } }"""


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, side) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "sites")
    running.env["AERIE_PROJECTIONS"] = "organisation"
    yield running.run_parts("relay", "worker", "gateway")
    running.stop()


def open_site(platform: Platform, site_id: str, zone: str = "Asia/Tokyo") -> dict:
    given = {
        "commandId": f"open-{site_id}",
        "siteId": site_id,
        "name": "Tokyo",
        "timeZone": zone,
        "openedOn": "2026-04-01",
    }
    return platform.graphql(OPEN, {"input": given})


def calendar_input(site_id: str, **change: object) -> dict:
    return {
        "commandId": new_id("cal"),
        "siteId": site_id,
        "calendarVersion": "2026-jp",
        "workingDays": ["mon", "tue", "wed", "thu", "fri"],
        "opensAt": "09:00",
        "closesAt": "18:00",
        "holidays": ["2026-11-03", "2026-11-23"],
        **change,
    }


def test_a_site_shows_its_zone_its_calendar_and_its_own_date_today(platform: Platform) -> None:
    site_id = new_id("site")
    assert "errors" not in open_site(platform, site_id)
    assert "errors" not in platform.graphql(CALENDAR, {"input": calendar_input(site_id)})

    def published() -> dict | None:
        site = platform.graphql(SITE, {"id": site_id})["data"]["site"]
        return site if site and site["calendar"]["version"] else None

    before = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    site = wait_until(published, 30, "the site did not reach the read model")
    after = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    assert site["timeZone"] == "Asia/Tokyo"
    assert site["today"] in (before, after)
    assert site["calendar"] == {
        "version": "2026-jp",
        "workingDays": ["mon", "tue", "wed", "thu", "fri"],
        "opensAt": "09:00",
        "closesAt": "18:00",
        "holidays": ["2026-11-03", "2026-11-23"],
    }


def test_a_worker_given_projections_runs_only_those(
    platform: Platform, bus: object, database_url: str
) -> None:
    site_id = new_id("site")
    open_site(platform, site_id)
    wait_until(lambda: platform.graphql(SITE, {"id": site_id})["data"]["site"], 30, "not projected")
    with psycopg.connect(database_url) as conn:
        running = {r[0] for r in conn.execute("SELECT projection FROM aerie_projection_tracking")}
    assert running == {"organisation"}


def stored_site_events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM organisation_events").fetchone()[0]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"opensAt": "18:00", "closesAt": "09:00"}, "INVALID_CALENDAR", "input.closesAt"),
        ({"workingDays": ["monday"]}, "INVALID_INPUT", "input.workingDays[0]"),
        ({"holidays": ["2026-02-30"]}, "INVALID_INPUT", "input.holidays[0]"),
        ({"opensAt": "9am"}, "INVALID_INPUT", "input.opensAt"),
    ],
)
def test_a_calendar_that_cannot_be_worked_is_refused_naming_the_field_and_stores_nothing(
    platform: Platform, database_url: str, change: dict, code: str, field: str
) -> None:
    site_id = new_id("site")
    open_site(platform, site_id)
    before = stored_site_events(database_url)
    answer = platform.graphql(CALENDAR, {"input": calendar_input(site_id, **change)})
    extensions = answer["errors"][0]["extensions"]
    assert (extensions["code"], extensions["field"]) == (code, field), answer
    assert "allowed" in extensions
    assert stored_site_events(database_url) == before


def test_an_unknown_zone_and_an_unopened_site_are_refused_with_what_is_allowed(
    platform: Platform, database_url: str
) -> None:
    before = stored_site_events(database_url)
    zone = open_site(platform, new_id("site"), zone="Mars/Olympus")["errors"][0]["extensions"]
    assert (zone["code"], zone["field"]) == ("INVALID_INPUT", "input.timeZone")
    assert "IANA" in zone["allowed"]
    unknown = platform.graphql(CALENDAR, {"input": calendar_input(new_id("nowhere"))})
    assert unknown["errors"][0]["extensions"]["code"] == "UNKNOWN_SITE"
    assert stored_site_events(database_url) == before
