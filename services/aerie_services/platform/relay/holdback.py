"""Anonymous events wait for their window: the relay's hold-back.

An anonymous event (its non-personal ``anonymous`` field is true) is not sent when the
relay meets it: it is parked in ``aerie_relay_held`` in the transaction that moves the
relay's position past it, and released at the end of its epoch-aligned window
(``release_seconds``) with every other event of that window, ordered by site and key,
not by commit. A later event under the same key waits behind it. A released event is
given its ``(partition, aerie-seq)`` once and keeps it, so a crash or a republish after a
broker reset sends it under the same number. The table keeps no bytes: a destroyed key
still erases what it seals.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from aerie_services.platform.relay.numbering import partition_of
from aerie_services.platform.relay.sources import STORED_COLUMNS, Outgoing, Source
from aerie_services.platform.storage import HELD_TABLE

log = logging.getLogger("aerie.relay")


@dataclass(frozen=True)
class Parked:
    """A message held back instead of sent; ``release_at`` None: the end of the window now open."""

    position: int
    key: str
    site_id: str | None
    release_at: dt.datetime | None = None


class ReleaseFailed(RuntimeError):
    """A held event that was given a number can no longer be read or decoded.

    Its number stays owed (nothing after it in its partition can be sent), so
    the relay stops rather than leave a gap consumers would wait on forever.
    """


class AnonymousHold:
    """The held events of a relay's sources: parking, releasing, and the numbers owed.

    ``bookkeeping`` gives the relay's own connection; ``sent_numbers(topic)`` the last
    number sent in each partition of a topic.
    """

    def __init__(
        self,
        sources: Mapping[str, Source],
        *,
        partitions: int,
        release_seconds: int,
        bookkeeping: Callable[[], psycopg.Connection[Any]],
        sent_numbers: Callable[[str], dict[int, int]],
    ) -> None:
        self.sources = sources
        self.partitions = partitions
        self.release_seconds = release_seconds
        self.bookkeeping = bookkeeping
        self.sent_numbers = sent_numbers
        self.owing = set(self.holding())
        """Sources that may owe the broker released events."""

    def holding(self) -> list[str]:
        """The sources that may hold events back (a context's stored events)."""
        return [name for name, source in self.sources.items() if source.table is not None]

    def release_due(self) -> int:
        """Give numbers to the held events whose window has ended; return how many.

        Every due event of a source is numbered in one transaction and goes
        out in that source's next send, side by side: ordered by site, then key
        (an anonymous issue's id is a keyed hash, unrelated to when it was
        committed), then position (one key's events stay in order). A source
        sending its log again after a broker reset releases nothing new until it
        has passed the position it had reached (``resend_until``), so new
        numbers come after every number a consumer may already have applied.
        """
        holding = self.holding()
        if not holding:
            return 0
        conn = self.bookkeeping()
        with conn.transaction():
            due = conn.execute(
                f"SELECT h.source, h.position, h.key FROM {HELD_TABLE} AS h "
                "LEFT JOIN aerie_relay_position AS p ON p.source = h.source "
                "WHERE h.source = ANY(%s) AND h.seq IS NULL AND h.release_at <= clock_timestamp() "
                "AND coalesce(p.position, 0) >= coalesce(p.resend_until, 0) "
                "ORDER BY h.source, h.site_id NULLS FIRST, h.key, h.position FOR UPDATE OF h",
                (holding,),
            ).fetchall()
            numbered = []
            for name, rows in itertools.groupby(due, key=lambda row: row[0]):
                last = self._last_numbers(conn, name)
                for _, position, key in rows:
                    partition = partition_of(key, self.partitions)
                    seq = last[partition] = last.get(partition, 0) + 1
                    numbered.append((partition, seq, name, position))
                self.owing.add(name)
            with conn.cursor() as cur:
                cur.executemany(
                    f"UPDATE {HELD_TABLE} SET partition = %s, seq = %s "
                    "WHERE source = %s AND position = %s",
                    numbered,
                )
        if numbered:
            log.info("released %d held events", len(numbered))
        return len(numbered)

    def _last_numbers(self, conn: psycopg.Connection[Any], name: str) -> dict[int, int]:
        """Per partition, the last number given: sent, or owed to a released event."""
        last = self.sent_numbers(self.sources[name].topic)
        for partition, seq in conn.execute(
            f"SELECT partition, max(seq) FROM {HELD_TABLE} WHERE source = %s "
            "AND seq IS NOT NULL GROUP BY partition",
            (name,),
        ):
            last[partition] = max(last.get(partition, 0), seq)
        return last

    def hold_back(
        self, source: Source, messages: list[Outgoing], after: int, upto: int
    ) -> tuple[list[Outgoing], list[Parked]]:
        """Split a batch into what goes out now and what waits for its window.

        Parked: an anonymous event, and an event after a held event of its key
        that still waits (one key's events stay in order). Left out: an event
        parked before (the log is being sent again after a broker reset: it
        goes out under its number, or at the end of its window).
        """
        if source.table is None or not messages:
            return messages, []
        keys = sorted({message.key for message in messages})
        rows = (
            self.bookkeeping()
            .execute(
                f"SELECT position, key, release_at, seq IS NULL FROM {HELD_TABLE} "
                "WHERE source = %s AND (position > %s AND position <= %s "
                "OR seq IS NULL AND key = ANY(%s))",
                (source.name, after, upto, keys),
            )
            .fetchall()
        )
        parked_before = {position for position, *_ in rows if after < position <= upto}
        waiting: dict[str, tuple[int, dt.datetime | None]] = {}
        for position, key, release_at, unnumbered in sorted(rows):
            if unnumbered:
                first = waiting.get(key, (position, release_at))[0]
                waiting[key] = (first, release_at)
        ready, parked = [], []
        for message in messages:
            if message.position in parked_before:
                continue
            behind = waiting.get(message.key)
            if message.anonymous or (behind is not None and message.position > behind[0]):
                release_at = behind[1] if behind else None
                waiting.setdefault(message.key, (message.position, None))
                parked.append(Parked(message.position, message.key, message.site_id, release_at))
            else:
                ready.append(message)
        return ready, parked

    def park(self, conn: psycopg.Connection[Any], source: str, parked: list[Parked]) -> None:
        """Record held events (in the transaction that moves the position past them)."""
        row = conn.execute(
            "SELECT to_timestamp((floor(extract(epoch FROM clock_timestamp()) / %s) + 1) * %s)",
            (self.release_seconds, self.release_seconds),
        ).fetchone()
        window_end = row[0] if row else None
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {HELD_TABLE} (source, position, key, site_id, release_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (source, position) DO NOTHING",
                [
                    (source, p.position, p.key, p.site_id, p.release_at or window_end)
                    for p in parked
                ],
            )

    def owed_numbers(self, source: Source) -> dict[tuple[int, int], int]:
        """``(partition, seq) -> position`` of released events the broker has not acknowledged."""
        if source.name not in self.owing:
            return {}
        rows = (
            self.bookkeeping()
            .execute(
                f"SELECT h.partition, h.seq, h.position FROM {HELD_TABLE} AS h "
                "WHERE h.source = %s AND h.seq IS NOT NULL AND h.seq > coalesce("
                "(SELECT r.seq FROM aerie_relay_partition AS r "
                "WHERE r.topic = %s AND r.partition = h.partition), 0)",
                (source.name, source.topic),
            )
            .fetchall()
        )
        owed = {(int(p), int(s)): int(position) for p, s, position in rows}
        if not owed:
            self.owing.discard(source.name)
        return owed

    def released(self, source: Source, positions: list[int]) -> dict[int, Outgoing]:
        """The released events at ``positions``, read again from the store and converted."""
        if not positions:
            return {}
        if source.table is None:
            raise ReleaseFailed(f"{source.name} holds nothing, yet owes positions {positions}")
        query = SQL("SELECT {columns} FROM {table} WHERE notification_id = ANY(%s) ORDER BY 1")
        with self.bookkeeping().cursor(row_factory=dict_row) as cur:
            rows = cur.execute(
                query.format(
                    columns=SQL(", ").join(Identifier(c) for c in STORED_COLUMNS),
                    table=Identifier(source.table),
                ),
                (positions,),
            ).fetchall()
        converted = {message.position: message for message in source.convert(rows).messages}
        missing = sorted(set(positions) - set(converted))
        if missing:
            raise ReleaseFailed(
                f"released events {source.name}/{missing} cannot be read or decoded again"
            )
        return converted

    def sent(self, source: str, owed: dict[tuple[int, int], int]) -> None:
        """A send of ``source`` was acknowledged: with nothing owed left, it owes nothing."""
        if not owed:
            self.owing.discard(source)

    def start_over(self) -> None:
        """Every source sends its log again (a broker reset): any may owe released events."""
        self.owing.update(self.holding())
