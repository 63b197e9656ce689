"""The acceptance test closing an off-post training order: one row per order.

The growth read model shows it and the energy manager decides with it; both keep
the same row of each test, the first one recorded for an order.
"""

from __future__ import annotations

from collections.abc import Sequence

from aerie_events.catalog.learning import ACCEPTANCE_TEST_FAILED, ACCEPTANCE_TEST_PASSED
from aerie_events.envelope import Envelope

from aerie_projections.kit import Statement, insert_rows

ACCEPTANCE_TEST_TYPES = (ACCEPTANCE_TEST_PASSED, ACCEPTANCE_TEST_FAILED)
ACCEPTANCE_TEST_COLUMNS = [
    ("order_id", "text"),
    ("employee_id", "text"),
    ("passed", "boolean"),
    ("score", "int"),
    ("taken_on", "date"),
]


def acceptance_test_rows(table: str, tests: Sequence[Envelope]) -> list[Statement]:
    """The insert of ``tests`` (acceptance test events, in the order given) into ``table``."""
    rows = [
        [
            e.payload["order_id"],
            e.employee_id,
            e.type == ACCEPTANCE_TEST_PASSED,
            e.payload["score"],
            e.payload["taken_on"],
        ]
        for e in tests
    ]
    return [insert_rows(table, ACCEPTANCE_TEST_COLUMNS, rows)] if rows else []
