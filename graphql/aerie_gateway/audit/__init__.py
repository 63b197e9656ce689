"""The audit trail in GraphQL: every event about an employee, with who recorded it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from aerie_projections.audit import queries as audit
from strawberry.scalars import JSON
from strawberry.types import Info

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.errors import bad_argument
from aerie_gateway.paging import MAX_PAGE_SIZE, decode_cursor, encode_cursor, page_size
from aerie_gateway.permissions import COMPANY, Allowed, grants


@strawberry.type(description="One recorded event about an employee: what, when, who, how.")
class AuditEntry:
    event_id: strawberry.ID
    type: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    position: int
    context: str
    site_id: str | None
    actor: JSON = strawberry.field(description="Who did it: kind, id, role, client.")
    source: JSON = strawberry.field(description="Through what: the system and the client.")
    policy_version: str | None


@strawberry.type(description="A page of an employee's audit trail, oldest first.")
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on the last one."
    )


@strawberry.type
class AuditQueries:
    @strawberry.field(
        permission_classes=[Allowed],
        description=f"Every event about an employee, oldest first, with who recorded it; at "
        f"most {MAX_PAGE_SIZE} a page.",
    )
    async def audit_trail(
        self, info: Info, employee_id: strawberry.ID, first: int = 50, after: str | None = None
    ) -> AuditPage:
        first = page_size(first)
        since = tuple(decode_cursor(after, "audit").split("|", 1)) if after else None
        if since is not None and len(since) != 2:
            raise bad_argument(
                "after", "is not a cursor this API gave out", "a nextCursor from a previous page"
            )
        async with info.context.pool.connection() as conn:
            rows = await audit.trail_of(conn, str(employee_id), since, first + 1)
        entries = [audit_entry(r) for r in rows[:first]]
        last = rows[first - 1] if len(rows) > first else None
        cursor = (
            encode_cursor("audit", f"{last['recorded_at'].isoformat()}|{last['event_id']}")
            if last
            else None
        )
        return AuditPage(entries=entries, next_cursor=cursor)


def audit_entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        event_id=strawberry.ID(str(row["event_id"])),
        type=row["type"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        position=row["position"],
        context=row["context"],
        site_id=row["site_id"],
        actor=row["actor"],
        source=row["source"],
        policy_version=row["policy_version"],
    )


DOMAIN = GatewayDomain(
    name="audit",
    query=AuditQueries,
    fields={"Query.auditTrail": grants(auditor=COMPANY, hr=COMPANY)},
    as_parent={
        "AuditEntry": (
            "eventId type occurredAt recordedAt position context siteId actor source policyVersion"
        ),
        "AuditPage": "entries nextCursor",
    },
)
