"""Pages and cursors every connection shares: at most 100 items, opaque cursors."""

from __future__ import annotations

import base64

from aerie_gateway.errors import bad_argument

MAX_PAGE_SIZE = 100


def encode_cursor(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(cursor: str, kind: str = "employee") -> str:
    """The value a cursor of ``kind`` carries; any other cursor is a coded bad argument."""
    try:
        found, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        found, value = "", ""
    if found != kind or not value:
        given = "an endCursor" if kind == "employee" else "a nextCursor"
        raise bad_argument(
            "after", "is not a cursor this API gave out", f"{given} from a previous page"
        )
    return value


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise bad_argument("first", f"{first} is out of range", f"1 to {MAX_PAGE_SIZE}")
    return first
