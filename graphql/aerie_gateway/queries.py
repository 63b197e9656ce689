"""Read queries: the unified view of one employee, and a site's roster page by page."""

from __future__ import annotations

import base64

import strawberry
from aerie_projections.profile import queries as profile
from strawberry.types import Info

from aerie_gateway.errors import bad_argument
from aerie_gateway.types import Employee, EmployeeConnection, EmployeeEdge, PageInfo

MAX_PAGE_SIZE = 100


def encode_cursor(employee_id: str) -> str:
    return base64.urlsafe_b64encode(f"employee:{employee_id}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        kind, _, employee_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        kind, employee_id = "", ""
    if kind != "employee" or not employee_id:
        raise bad_argument(
            "after", "is not a cursor this API gave out", "an endCursor from a previous page"
        )
    return employee_id


@strawberry.type
class Query:
    @strawberry.field(
        description="One employee's unified view, or null if no such employee is known."
    )
    async def employee(self, info: Info, id: strawberry.ID) -> Employee | None:
        async with info.context.pool.connection() as conn:
            row = await profile.employee(conn, str(id))
        return Employee.from_row(row) if row else None

    @strawberry.field(
        description=f"A site's employees ordered by id; at most {MAX_PAGE_SIZE} a page."
    )
    async def employees(
        self, info: Info, site_id: strawberry.ID, first: int = 20, after: str | None = None
    ) -> EmployeeConnection:
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise bad_argument("first", f"{first} is out of range", f"1 to {MAX_PAGE_SIZE}")
        start = decode_cursor(after) if after else ""
        async with info.context.pool.connection() as conn:
            rows = await profile.employees_of_site(conn, str(site_id), start, first + 1)
        page = rows[:first]
        edges = [
            EmployeeEdge(cursor=encode_cursor(r["employee_id"]), node=Employee.from_row(r))
            for r in page
        ]
        return EmployeeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
            ),
        )
