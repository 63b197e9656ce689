"""Reads of the opinion platform: each answer comes from the escalations read model.

An anonymous issue is shown to its author only against its follow-up key,
checked by the write side (which keeps the key's keyed hash); the answer is
the same whether the issue does not exist or the key is another's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import strawberry
from aerie_projections.escalations import queries as voice
from aerie_services.kit.errors import DomainError
from aerie_services.voice.errors import FollowUpKeyMismatch
from psycopg_pool import AsyncConnectionPool
from strawberry.types import Info

from aerie_gateway.errors import bad_argument, domain_error
from aerie_gateway.paging import decode_cursor, encode_cursor, page_size
from aerie_gateway.permissions import COMPANY, FIELDS, Allowed, Placement, target, the_caller
from aerie_gateway.voice.types import (
    BoardEntry,
    BoardPage,
    IssuePage,
    IssueReply,
    VoiceDepartment,
    VoiceFigures,
    VoiceIssue,
    figures_of,
    trend_of,
)

MAX_WEEKS = 53


async def issue_rows(pool: AsyncConnectionPool, keys: list[str]) -> list[dict[str, Any] | None]:
    async with pool.connection() as conn:
        rows = await voice.issues(conn, keys)
    return [rows.get(k) for k in keys]


async def _views(
    info: Info, rows: list[dict[str, Any]], public_only: bool = False
) -> list[VoiceIssue]:
    ids = [row["issue_id"] for row in rows]
    async with info.context.pool.connection() as conn:
        replies = await voice.replies(conn, ids, public_only)
        comments = await voice.comments(conn, ids)
    return [
        VoiceIssue.from_row(
            row, replies.get(row["issue_id"], []), comments.get(row["issue_id"], [])
        )
        for row in rows
    ]


async def _page(info: Info, rows: list[dict[str, Any]], limit: int) -> IssuePage:
    shown = rows[:limit]
    more = len(rows) > limit
    return IssuePage(
        issues=await _views(info, shown),
        next_cursor=encode_cursor("issue", shown[-1]["issue_id"]) if more else None,
    )


def _after(after: str | None, kind: str = "issue") -> str:
    return decode_cursor(after, kind) if after else ""


@strawberry.type
class VoiceQueries:
    @strawberry.field(
        permission_classes=[Allowed],
        description="The published departments: where an issue can go, and how fast it is answered.",
    )
    async def departments(self, info: Info) -> list[VoiceDepartment]:
        async with info.context.pool.connection() as conn:
            return [VoiceDepartment.from_row(r) for r in await voice.departments(conn)]

    @strawberry.field(
        permission_classes=[Allowed],
        description=(
            "Your own issues and suggestions raised by name, and those handed over to you "
            "(anonymous ones: by their key)."
        ),
    )
    async def my_issues(self, info: Info, first: int = 20, after: str | None = None) -> IssuePage:
        limit = page_size(first)
        async with info.context.pool.connection() as conn:
            rows = await voice.issues_of_person(
                conn, info.context.identity.subject, _after(after), limit + 1
            )
        return await _page(info, rows, limit)

    @strawberry.field(
        permission_classes=[Allowed],
        description="An anonymous issue, for whoever holds its follow-up key (its author).",
    )
    async def anonymous_issue(
        self, info: Info, issue_id: strawberry.ID, follow_up_key: str
    ) -> VoiceIssue:
        await asyncio.to_thread(_check_key, info, str(issue_id), follow_up_key)
        row = await info.context.loaders.of(issue_rows).load(str(issue_id))
        if row is None:  # raised, but not released and projected yet
            raise domain_error(FollowUpKeyMismatch())
        return (await _views(info, [row]))[0]

    @strawberry.field(
        permission_classes=[Allowed],
        description=(
            "One issue: for its named author or whoever holds it now, its department's "
            "responders and leadership."
        ),
    )
    async def issue(self, info: Info, id: strawberry.ID) -> VoiceIssue | None:
        row = await info.context.loaders.of(issue_rows).load(str(id))
        return (await _views(info, [row]))[0] if row else None

    @strawberry.field(
        permission_classes=[Allowed],
        description="A department's queue: its issues by id (open ones unless openOnly is false).",
    )
    async def department_queue(
        self,
        info: Info,
        department: str,
        open_only: bool = True,
        first: int = 20,
        after: str | None = None,
    ) -> IssuePage:
        limit = page_size(first)
        async with info.context.pool.connection() as conn:
            rows = await voice.queue(conn, department, open_only, _after(after), limit + 1)
        return await _page(info, rows, limit)

    @strawberry.field(
        permission_classes=[Allowed],
        description="The public board: representative issues and their public replies.",
    )
    async def issue_board(self, info: Info, first: int = 20, after: str | None = None) -> BoardPage:
        limit = page_size(first)
        async with info.context.pool.connection() as conn:
            rows = await voice.board(conn, _after(after, "board"), limit + 1)
            shown = rows[:limit]
            replies = await voice.replies(conn, [r["issue_id"] for r in shown], True)
        entries = [
            BoardEntry(
                issue_id=r["issue_id"],
                kind=r["kind"],
                department=r["department"],
                title=r["title"],
                status=r["status"],
                raised_at=r["raised_at"],
                linked_issues=r["linked"],
                replies=[IssueReply.from_row(x) for x in replies.get(r["issue_id"], [])],
            )
            for r in shown
        ]
        more = len(rows) > limit
        return BoardPage(
            entries=entries,
            next_cursor=encode_cursor("board", shown[-1]["issue_id"]) if more else None,
        )

    @strawberry.field(
        permission_classes=[Allowed],
        description="Open issues escalated to leadership or past their reply deadline, by id.",
    )
    async def escalations(self, info: Info, first: int = 20, after: str | None = None) -> IssuePage:
        limit = page_size(first)
        now = dt.datetime.now(dt.UTC)
        async with info.context.pool.connection() as conn:
            rows = await voice.escalations(conn, now, _after(after), limit + 1)
        return await _page(info, rows, limit)

    @strawberry.field(
        permission_classes=[Allowed],
        description=(
            "Per department and per week, over the last `weeks` weeks: aggregates only; for "
            "analysts, a department or week with fewer issues than the anonymity threshold is "
            "withheld."
        ),
    )
    async def voice_figures(self, info: Info, weeks: int = 13) -> VoiceFigures:
        if not 1 <= weeks <= MAX_WEEKS:
            raise bad_argument("weeks", f"{weeks} is out of range", f"1 to {MAX_WEEKS}")
        now = dt.datetime.now(dt.UTC)
        since = now - dt.timedelta(weeks=weeks)
        async with info.context.pool.connection() as conn:
            departments = await voice.department_figures(conn, now, since)
            trends = await voice.weekly_trends(conn, since)
        threshold = info.context.anonymity_threshold
        shown_below = None if _reads_every_issue(info) else threshold
        return VoiceFigures(
            since=since.date(),
            anonymity_threshold=threshold,
            departments=[figures_of(r, shown_below) for r in departments],
            weeks=[trend_of(r, shown_below) for r in trends],
        )


def _reads_every_issue(info: Info) -> bool:
    """Leadership (and admin) read each issue: small groups tell them nothing they cannot read."""
    return FIELDS["Query.issue"].scope_of(info.context.identity.role) is COMPANY


def _check_key(info: Info, issue_id: str, key: str) -> None:
    """Refuse unless ``key`` is the follow-up key of ``issue_id`` (same answer if no such issue)."""
    try:
        info.context.bus.apps["voice"].check_follow_up_key(issue_id, key)
    except DomainError as error:
        raise domain_error(error) from None


target("Query.myIssues")(the_caller)


@target("Query.issue")
async def _the_issue(_source: Any, info: Info, arguments: dict[str, Any]) -> Placement | None:
    row = await info.context.loaders.of(issue_rows).load(str(arguments["id"]))
    if row is None:
        return None
    return Placement(
        employee_id=_follower(row, info.context.identity.subject),
        site_id=row["site_id"],
        department=row["department"],
    )


def _follower(row: dict[str, Any], caller: str) -> str | None:
    """Who follows a named issue up as far as the caller is concerned: the caller, when they
    raised it or hold it now (it was handed over to them); else its holder. None if anonymous."""
    if row["anonymous"]:
        return None
    people = {row["author_id"], row["holder_id"]}
    return caller if caller in people else row["holder_id"]


@target("Query.departmentQueue")
def _the_department(_source: Any, _info: Info, arguments: dict[str, Any]) -> Placement:
    return Placement(department=str(arguments["department"]))
