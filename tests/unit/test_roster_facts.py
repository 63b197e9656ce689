"""The roster and ladder facts every per-employee read model takes its columns from."""

from __future__ import annotations

from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import STAR_PROMOTED, TRACK_CHANGED
from aerie_projections.roster import roster_patches

from tests.envelopes import envelope

AT = "2026-03-02T09:00:00+00:00"


def test_a_batch_folds_to_the_last_value_of_each_column_an_employee_s_events_set() -> None:
    batch = [
        envelope(
            EMPLOYEE_HIRED,
            {"team_id": "t1", "role": "agent", "hired_on": "2026-03-02", "display_name": "Ana"},
            occurred_at=AT,
            employee_id="E-1",
        ),
        envelope(
            EMPLOYEE_TRANSFERRED,
            {"to_site_id": "site-2", "to_team_id": "t9", "transferred_on": "2026-03-09"},
            occurred_at=AT,
            employee_id="E-1",
        ),
        envelope(EMPLOYEE_LEFT, {"left_on": "2026-04-30"}, occurred_at=AT, employee_id="E-2"),
    ]
    patches = roster_patches(batch, ("site_id", "team_id", "status", "left_on", "active"))
    assert patches == {
        "E-1": {"site_id": "site-2", "team_id": "t9", "status": "active", "active": True},
        "E-2": {"status": "left", "left_on": "2026-04-30", "active": False},
    }


def test_a_column_named_otherwise_reads_its_fact_and_a_change_of_track_clears_the_post() -> None:
    batch = [
        envelope(
            STAR_PROMOTED,
            {"to_star": 3, "promoted_on": "2026-03-02"},
            occurred_at=AT,
            employee_id="E-1",
        ),
        envelope(
            TRACK_CHANGED,
            {"to_track": "qa", "changed_on": "2026-03-05"},
            occurred_at=AT,
            employee_id="E-3",
        ),
    ]
    patches = roster_patches(batch, ("star_level", "promoted_on", "post"), {"star_level": "star"})
    assert patches == {"E-1": {"star_level": 3, "promoted_on": "2026-03-02"}, "E-3": {"post": None}}


def test_an_event_with_no_subject_patches_no_one() -> None:
    left = envelope(EMPLOYEE_LEFT, {"left_on": "2026-04-30"}, occurred_at=AT, employee_id=None)
    assert roster_patches([left], ("status",)) == {}
