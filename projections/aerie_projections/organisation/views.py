"""The sites read model: each site's name, zone and the calendar in force."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aerie_events.catalog.organisation import SITE_CALENDAR_PUBLISHED, SITE_OPENED
from aerie_events.envelope import Envelope

from aerie_projections.kit import Projection, Statement, patch_rows, upsert_rows

SCHEMA_V1 = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.site (
    site_id text PRIMARY KEY,
    name text NOT NULL,
    time_zone text NOT NULL,
    opened_on date NOT NULL,
    calendar_version text,
    calendar jsonb,
    updated_at timestamptz NOT NULL
);
"""

SITE_COLUMNS = [
    ("name", "text"),
    ("time_zone", "text"),
    ("opened_on", "date"),
    ("updated_at", "timestamptz"),
]
CALENDAR_TYPES = {"calendar_version": "text", "calendar": "jsonb", "updated_at": "timestamptz"}


class OrganisationProjection(Projection):
    """One row per opened site, with its calendar in force."""

    name = "organisation"
    tables = ("site",)
    handles = frozenset({SITE_OPENED, SITE_CALENDAR_PUBLISHED})
    migrations = ((1, "sites and their calendars", SCHEMA_V1),)

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        opened: dict[str, list[Any]] = {}
        calendars: dict[str, dict[str, Any]] = {}
        for e in envelopes:
            p = e.payload
            if e.type == SITE_OPENED:
                opened[p["site_id"]] = [
                    p["site_id"],
                    p["name"],
                    p["time_zone"],
                    p["opened_on"],
                    e.recorded_at,
                ]
            elif e.type == SITE_CALENDAR_PUBLISHED:
                calendars[p["site_id"]] = {
                    "calendar_version": p["calendar_version"],
                    "calendar": {k: v for k, v in p.items() if k != "site_id"},
                    "updated_at": e.recorded_at,
                }
        statements = []
        if opened:
            statements.append(
                upsert_rows(
                    "site",
                    ("site_id", "text"),
                    SITE_COLUMNS,
                    [opened[k] for k in sorted(opened)],
                )
            )
        return statements + patch_rows("site", ("site_id", "text"), CALENDAR_TYPES, calendars)
