"""Reading a serial-numbered log in order without ever passing an id that may still commit.

Writers append without a table lock, so ids can become visible out of order:
id 7 may commit while id 6 is still in flight, and an aborted transaction
leaves its ids unused for good. A reader that saved "up to 7" would lose 6.

``CommittedLog.read`` returns only the contiguous prefix after a position. At
a missing id it notes which transactions were in progress in that snapshot
(every writer takes its transaction id before it draws log ids, so whoever
holds the missing id is among them, or has aborted). Once all of those have
finished, a fresh snapshot shows the id if it committed; if it still does not,
the id was never used and the reader steps over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.sql import SQL, Composed, Identifier


@dataclass
class Gap:
    """Ids ``start`` .. ``end - 1`` were missing while ``holders`` were in progress."""

    start: int
    end: int
    holders: list[str]
    settled: bool = False

    def covers(self, log_id: int) -> bool:
        return self.start <= log_id < self.end


@dataclass(frozen=True)
class Batch:
    """Rows in id order, and the position to save once they are handled."""

    rows: list[dict[str, Any]]
    position: int


class CommittedLog:
    """The committed prefix of ``table`` ordered by its serial column ``id_column``."""

    def __init__(self, table: str, id_column: str, columns: list[str]) -> None:
        self.id_column = id_column
        self._gap: Gap | None = None
        self._select: Composed = SQL(
            "SELECT {columns} FROM {table} WHERE {id} > %s ORDER BY {id} LIMIT %s"
        ).format(
            columns=SQL(", ").join(Identifier(c) for c in columns),
            table=Identifier(table),
            id=Identifier(id_column),
        )

    @property
    def waiting(self) -> bool:
        """True while an id is missing that may still commit."""
        return self._gap is not None and not self._gap.settled

    def read(self, conn: psycopg.Connection[Any], after: int, limit: int) -> Batch:
        """Rows after ``after`` that can be handled now; ``conn`` must be in autocommit."""
        self._settle(conn)
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            in_progress = self._in_progress(conn)
            with conn.cursor(row_factory=dict_row) as cursor:
                rows = cursor.execute(self._select, (after, limit)).fetchall()
        return self._prefix(rows, after, in_progress)

    def _settle(self, conn: psycopg.Connection[Any]) -> None:
        """Mark the pending gap settled when every transaction that might fill it has ended."""
        gap = self._gap
        if gap is None or gap.settled:
            return
        row = conn.execute(
            "SELECT count(*) FROM unnest(%s::xid8[]) AS holder "
            "WHERE pg_xact_status(holder) = 'in progress'",
            (gap.holders,),
        ).fetchone()
        gap.settled = row is not None and row[0] == 0

    @staticmethod
    def _in_progress(conn: psycopg.Connection[Any]) -> list[str]:
        row = conn.execute(
            "SELECT coalesce(array_agg(x::text), '{}') "
            "FROM pg_snapshot_xip(pg_current_snapshot()) AS x"
        ).fetchone()
        return list(row[0]) if row else []

    def _prefix(self, rows: list[dict[str, Any]], after: int, in_progress: list[str]) -> Batch:
        accepted: list[dict[str, Any]] = []
        position = after
        for row in rows:
            log_id = row[self.id_column]
            while log_id > position + 1:
                gap = self._gap
                if gap is None or not gap.covers(position + 1):
                    self._gap = Gap(position + 1, log_id, in_progress)
                    return Batch(accepted, position)
                if not gap.settled:
                    return Batch(accepted, position)
                position = min(log_id, gap.end) - 1  # never used: step over
            accepted.append(row)
            position = log_id
        if self._gap is not None and position >= self._gap.end - 1:
            self._gap = None
        return Batch(accepted, position)
