"""The hand-over manager: its state tables, its timer, the commands it issues."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from aerie_events.catalog.voice import ISSUE_HANDED_OVER, ISSUE_RAISED, ISSUE_RESOLVED
from aerie_events.envelope import Envelope
from psycopg import AsyncConnection

from aerie_projections.kit import Statement, insert_rows, patch_rows, unnest, upsert_rows
from aerie_projections.manager import CancelTimer, CommandRequest, DueTimer, ProcessManager, Timer
from aerie_projections.roster import roster_patches

log = logging.getLogger("aerie.manager.handover")

STATE = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.handover_member (
    employee_id text PRIMARY KEY,
    team_id text NOT NULL,
    role text NOT NULL,
    active boolean NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_member_team ON {s}.handover_member (team_id, role);
CREATE TABLE IF NOT EXISTS {s}.handover_open_issue (
    issue_id text PRIMARY KEY,
    holder_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS handover_open_issue_holder ON {s}.handover_open_issue (holder_id);
"""

MEMBER_TYPES = {"team_id": "text", "role": "text", "active": "boolean"}
REASON = "its author left on {left_on}; handed to their team lead"


class HandoverManager(ProcessManager):
    name = "handover"
    tables = ("handover_member", "handover_open_issue")
    handles = frozenset(
        {
            EMPLOYEE_HIRED,
            EMPLOYEE_TRANSFERRED,
            EMPLOYEE_LEFT,
            ISSUE_RAISED,
            ISSUE_HANDED_OVER,
            ISSUE_RESOLVED,
        }
    )
    migrations = ((1, "team members and named open issues", STATE),)

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        members = roster_patches(envelopes, MEMBER_TYPES)
        hired = {who: row for who, row in members.items() if "role" in row}  # a hire sets all
        patches = {who: row for who, row in members.items() if who not in hired}
        raised: list[tuple[str, str]] = []
        holders: dict[str, str] = {}
        resolved: list[tuple[str]] = []
        for e in envelopes:
            p, who = e.payload, e.employee_id
            if e.type == ISSUE_RAISED and who:
                raised.append((p["issue_id"], who))
            elif e.type == ISSUE_HANDED_OVER:
                holders[p["issue_id"]] = p["to_employee_id"]
            elif e.type == ISSUE_RESOLVED:
                resolved.append((p["issue_id"],))
        statements = []
        if hired:
            statements.append(
                upsert_rows(
                    "handover_member",
                    ("employee_id", "text"),
                    list(MEMBER_TYPES.items()),
                    [[k, *(hired[k][c] for c in MEMBER_TYPES)] for k in sorted(hired)],
                )
            )
        statements += patch_rows("handover_member", ("employee_id", "text"), MEMBER_TYPES, patches)
        if raised:
            statements.append(
                insert_rows(
                    "handover_open_issue", [("issue_id", "text"), ("holder_id", "text")], raised
                )
            )
        statements += patch_rows(
            "handover_open_issue",
            ("issue_id", "text"),
            {"holder_id": "text"},
            {issue: {"holder_id": holder} for issue, holder in holders.items()},
        )
        if resolved:  # a resolved issue has nothing left to hand over
            source, params = unnest([("issue_id", "text")], resolved)
            statements.append(
                Statement(
                    f"DELETE FROM {{s}}.handover_open_issue AS t USING {source} "
                    "WHERE t.issue_id = u.issue_id",
                    params,
                )
            )
        return statements

    def timers(self, envelopes: Sequence[Envelope]) -> list[Timer | CancelTimer]:
        return [
            Timer(
                key=f"left:{e.employee_id}",
                due_at=_end_of(e.payload["left_on"]),
                cause=e.event_id,
                data={"employee_id": e.employee_id, "left_on": e.payload["left_on"]},
            )
            for e in envelopes
            if e.type == EMPLOYEE_LEFT and e.employee_id
        ]

    async def on_timer(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        leaver = timer.data["employee_id"]
        cur = await conn.execute(
            f"SELECT lead.employee_id FROM {schema}.handover_member AS m "
            f"JOIN {schema}.handover_member AS lead ON lead.team_id = m.team_id "
            "AND lead.role = 'team_lead' AND lead.active AND lead.employee_id <> m.employee_id "
            "WHERE m.employee_id = %s ORDER BY lead.employee_id LIMIT 1",
            (leaver,),
        )
        row = await cur.fetchone()
        if row is None:
            log.warning("no active team lead to take over %s's open issues", leaver)
            return []
        cur = await conn.execute(
            f"SELECT issue_id FROM {schema}.handover_open_issue WHERE holder_id = %s "
            "ORDER BY issue_id",
            (leaver,),
        )
        reason = REASON.format(left_on=timer.data["left_on"])
        return [
            CommandRequest(
                kind=ISSUE_HANDED_OVER,
                command_id=f"handover:{leaver}:{issue_id}",
                employee_id=leaver,
                data={"issue_id": issue_id, "to_employee_id": row[0], "reason": reason},
                causation_id=str(timer.cause),
            )
            for (issue_id,) in await cur.fetchall()
        ]


def _end_of(day: str) -> str:
    """The end of a working day (midnight UTC after it), when a leaver's issues move."""
    return dt.datetime.combine(
        dt.date.fromisoformat(day) + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
    ).isoformat()
