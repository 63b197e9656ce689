"""The site overview analysts ask for first: one query for every site and team."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from aerie_projections.satisfaction.disclosure import disclose
from aerie_projections.satisfaction.statistics import SITE, TEAM


@strawberry.type(description="Head count at one stage or star level.")
class LevelCount:
    level: str
    headcount: int


@strawberry.type(description="One team (or a whole site) in numbers.")
class Figures:
    headcount: int
    ready: int = strawberry.field(description="Ready for calls today.")
    by_stage: list[LevelCount]
    by_star: list[LevelCount]
    promotions: int
    demotions: int
    graduations: int
    average_energy: Decimal | None = strawberry.field(
        description="Mean daily energy of the period; null below the anonymity threshold."
    )


@strawberry.type(description="A team of the site in numbers.")
class TeamOverview:
    team_id: str | None
    headcount: int
    figures: Figures | None = strawberry.field(
        description="Null when the team has fewer people than the anonymity threshold, or when "
        "showing it would give such a team away (the site's figures minus the teams shown)."
    )


@strawberry.type(description="A site in numbers over a period, with its teams.")
class SiteOverview:
    site_id: strawberry.ID
    start: dt.date
    end: dt.date
    as_of: dt.date
    figures: Figures | None = strawberry.field(
        description="Null when the site has fewer people than the anonymity threshold."
    )
    teams: list[TeamOverview]


def withheld(sizes: list[int], threshold: int) -> set[int]:
    """Which groups of a whole to withhold so that no group below ``threshold`` shows.

    The survey results' rule (``disclose``), for one whole and its groups: each
    group smaller than the threshold is withheld, and then the smallest shown
    groups too, until the whole's figure minus the shown groups gives no one away.
    """
    groups = {(TEAM, "", str(i)): size for i, size in enumerate(sizes) if size > 0}
    shown = disclose({(SITE, "", ""): sum(sizes), **groups}, threshold).shown
    return {i for i, size in enumerate(sizes) if size > 0 and (TEAM, "", str(i)) not in shown}


def _figures(rows: list[dict[str, Any]], energy_shown: bool) -> Figures:
    stages: dict[str, int] = {}
    stars: dict[str, int] = {}
    for row in rows:
        for level, n in row["by_stage"].items():
            stages[level] = stages.get(level, 0) + n
        for level, n in row["by_star"].items():
            stars[level] = stars.get(level, 0) + n
    measured = sum(r["with_energy"] for r in rows)
    energy_sum = sum(
        (
            Decimal(r["average_energy"]) * r["with_energy"]
            for r in rows
            if r["average_energy"] is not None
        ),
        Decimal(0),
    )
    return Figures(
        headcount=sum(r["headcount"] for r in rows),
        ready=sum(r["ready"] for r in rows),
        by_stage=[LevelCount(level=k, headcount=v) for k, v in stages.items()],
        by_star=[LevelCount(level=k, headcount=v) for k, v in sorted(stars.items())],
        promotions=sum(r["promotions"] for r in rows),
        demotions=sum(r["demotions"] for r in rows),
        graduations=sum(r["graduations"] for r in rows),
        average_energy=(energy_sum / measured).quantize(Decimal("0.01"))
        if energy_shown and measured
        else None,
    )


def _site_overview(
    site: str, rows: list[dict[str, Any]], start: dt.date, end: dt.date, as_of: dt.date, k: int
) -> SiteOverview:
    hidden_teams = withheld([r["headcount"] for r in rows], k)
    hidden_energy = withheld([r["with_energy"] for r in rows], k)
    site_shown = sum(r["headcount"] for r in rows) >= k
    return SiteOverview(
        site_id=strawberry.ID(site),
        start=start,
        end=end,
        as_of=as_of,
        figures=_figures(rows, sum(r["with_energy"] for r in rows) >= k) if site_shown else None,
        teams=[
            TeamOverview(
                team_id=r["team_id"],
                headcount=r["headcount"],
                figures=None if i in hidden_teams else _figures([r], i not in hidden_energy),
            )
            for i, r in enumerate(rows)
        ],
    )


def overview_from(
    rows: list[dict[str, Any]], start: dt.date, end: dt.date, as_of: dt.date, threshold: int
) -> list[SiteOverview]:
    """Each site's figures and its teams', none of a group below the anonymity ``threshold``."""
    by_site: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_site.setdefault(row["site_id"], []).append(row)
    return [
        _site_overview(site, team_rows, start, end, as_of, threshold)
        for site, team_rows in sorted(by_site.items())
    ]
