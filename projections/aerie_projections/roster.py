"""What the roster and ladder events say about an employee, read once for every read model.

Several read models keep a row per employee with some of the same facts (where
they sit, whether they still work here, their star and track). Each names the
columns it keeps; this module says which event sets which fact, and folds a
batch into one patch per employee: the batch's last value of each column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aerie_events.catalog import people as people_events
from aerie_events.catalog import performance as performance_events
from aerie_events.envelope import Envelope


def roster_facts(envelope: Envelope) -> dict[str, Any]:
    """The facts a roster or ladder event sets on its employee, by name; ``{}`` for others.

    The names: ``site_id``, ``team_id``, ``display_name``, ``role``, ``status``
    (``active`` or ``left``) and ``active``, ``hired_on``, ``transferred_on``,
    ``left_on``, ``graduated``, ``star``, ``promoted_on``, ``level_since`` (the day
    the current star or track began), ``track`` and ``post`` (none after a change
    of track).
    """
    p = envelope.payload
    match envelope.type:
        case people_events.EMPLOYEE_HIRED:
            return {
                "site_id": envelope.site_id,
                "team_id": p["team_id"],
                "display_name": p.get("display_name"),
                "role": p["role"],
                "status": "active",
                "active": True,
                "hired_on": p["hired_on"],
            }
        case people_events.EMPLOYEE_TRANSFERRED:
            return {
                "site_id": p["to_site_id"],
                "team_id": p["to_team_id"],
                "transferred_on": p["transferred_on"],
            }
        case people_events.EMPLOYEE_LEFT:
            return {"status": "left", "active": False, "left_on": p["left_on"]}
        case performance_events.CHICK_GRADUATED:
            return {"graduated": True}
        case performance_events.STAR_PROMOTED:
            return {
                "star": p["to_star"],
                "promoted_on": p["promoted_on"],
                "level_since": p["promoted_on"],
                "graduated": True,
            }
        case performance_events.STAR_DEMOTED:
            return {"star": p["to_star"], "level_since": p["demoted_on"]}
        case performance_events.TRACK_CHANGED:
            return {"track": p["to_track"], "level_since": p["changed_on"], "post": None}
        case performance_events.EMPLOYEE_REPOSITIONED:
            return {"post": p["to_post"]}
    return {}


def roster_patch(
    envelope: Envelope, columns: Iterable[str], renamed: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ``columns`` the event sets: each the fact of its name, or of ``renamed[column]``."""
    facts = roster_facts(envelope)
    names = renamed or {}
    return {
        column: facts[names.get(column, column)]
        for column in columns
        if names.get(column, column) in facts
    }


def roster_patches(
    envelopes: Sequence[Envelope], columns: Iterable[str], renamed: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Per employee, the batch's last value of each of ``columns`` its events set (log order)."""
    wanted = tuple(columns)
    patches: dict[str, dict[str, Any]] = {}
    for envelope in envelopes:
        patch = roster_patch(envelope, wanted, renamed)
        if patch and envelope.employee_id:
            patches.setdefault(envelope.employee_id, {}).update(patch)
    return patches
