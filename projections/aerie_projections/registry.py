"""The projections and process managers of the platform: one line each.

Adding a projection: its package under ``aerie_projections/`` exposing a
``Projection`` (or ``ProcessManager``) instance, and one line below.
"""

from __future__ import annotations

from collections.abc import Iterable

from aerie_events.catalog import CATALOG

from aerie_projections import (
    audit,
    deadlines,
    energy,
    escalations,
    growth,
    handover,
    organisation,
    profile,
    regrouping,
    satisfaction,
    study,
    survey_closing,
)
from aerie_projections.kit import Projection

PROJECTIONS: tuple[Projection, ...] = (
    profile.PROJECTION,
    handover.MANAGER,
    audit.PROJECTION,
    organisation.PROJECTION,
    escalations.PROJECTION,
    deadlines.MANAGER,
    satisfaction.PROJECTION,
    survey_closing.MANAGER,
    growth.PROJECTION,
    energy.MANAGER,
    study.MANAGER,
    regrouping.MANAGER,
)


class ProjectionRegistryError(Exception):
    """Projections that contradict each other or the catalog (raised at start)."""


def checked(projections: Iterable[Projection] = PROJECTIONS) -> dict[str, Projection]:
    """The projections by name; a name registered twice or an unknown event type is refused."""
    by_name: dict[str, Projection] = {}
    for projection in projections:
        if projection.name in by_name:
            raise ProjectionRegistryError(f"projection {projection.name!r} is registered twice")
        unknown = sorted(set(projection.handles) - set(CATALOG))
        if unknown:
            raise ProjectionRegistryError(
                f"projection {projection.name!r} handles types the catalog does not define: "
                + ", ".join(unknown)
            )
        tables = [t for other in by_name.values() for t in other.tables if t in projection.tables]
        if tables:
            raise ProjectionRegistryError(
                f"projection {projection.name!r} claims tables another already has: "
                + ", ".join(tables)
            )
        by_name[projection.name] = projection
    return by_name
