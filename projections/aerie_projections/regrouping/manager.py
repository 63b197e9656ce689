"""The regrouping manager: each proposal's moves, and the transfers of an accepted one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aerie_events.catalog.people import EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import REGROUPING_ACCEPTED, REGROUPING_PROPOSED
from aerie_events.envelope import Envelope
from psycopg import AsyncConnection

from aerie_projections.kit import Statement, insert_rows
from aerie_projections.manager import CancelTimer, CommandRequest, DueTimer, ProcessManager, Timer

STATE = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.regrouping_move (
    proposal_id text NOT NULL,
    employee_id text NOT NULL,
    site_id text NOT NULL,
    to_team_id text NOT NULL,
    PRIMARY KEY (proposal_id, employee_id)
);
"""


def transfer_command_id(proposal_id: str, employee_id: str) -> str:
    """The command id of one agent's transfer by an accepted proposal."""
    return f"regroup:{proposal_id}:{employee_id}"


class RegroupingManager(ProcessManager):
    name = "regrouping"
    tables = ("regrouping_move",)
    handles = frozenset({REGROUPING_PROPOSED, REGROUPING_ACCEPTED})
    migrations = ((1, "the moves of each regrouping proposal", STATE),)

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        moves = [
            (e.payload["proposal_id"], a["employee_id"], e.payload["site_id"], a["to_team_id"])
            for e in envelopes
            if e.type == REGROUPING_PROPOSED
            for a in e.payload["assignments"]
            if a["to_team_id"] != a["from_team_id"]
        ]
        if not moves:
            return []
        columns = [
            ("proposal_id", "text"),
            ("employee_id", "text"),
            ("site_id", "text"),
            ("to_team_id", "text"),
        ]
        return [insert_rows("regrouping_move", columns, moves)]

    def timers(self, envelopes: Sequence[Envelope]) -> list[Timer | CancelTimer]:
        return [
            Timer(
                key=f"accepted:{e.payload['proposal_id']}",
                due_at=e.recorded_at or e.occurred_at,
                cause=e.event_id,
                data={"proposal_id": e.payload["proposal_id"], "on": e.payload["accepted_on"]},
                replace=False,
            )
            for e in envelopes
            if e.type == REGROUPING_ACCEPTED
        ]

    async def on_timer(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        proposal_id = timer.data["proposal_id"]
        cur = await conn.execute(
            f"SELECT employee_id, site_id, to_team_id FROM {schema}.regrouping_move "
            "WHERE proposal_id = %s ORDER BY employee_id",
            (proposal_id,),
        )
        return [
            CommandRequest(
                kind=EMPLOYEE_TRANSFERRED,
                command_id=transfer_command_id(proposal_id, employee_id),
                employee_id=employee_id,
                data={
                    "to_site_id": site_id,
                    "to_team_id": to_team_id,
                    "transferred_on": timer.data["on"],
                },
                causation_id=str(timer.cause),
            )
            for employee_id, site_id, to_team_id in await cur.fetchall()
        ]
