"""Read-your-writes: wait until a projection has applied a write, without the client polling.

Every projection batch commits with a ``NOTIFY aerie_applied`` (its name as
payload). One connection per gateway process listens; a waiter looks at the
projection's tracking row for the event's topic and partition whenever the
projection says it applied something, and gives up at its deadline. Should
the listening connection drop, waiters still look every ``FALLBACK_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import psycopg
from aerie_events.topics import Topics
from aerie_projections.kit import APPLIED_CHANNEL
from aerie_projections.profile import queries as profile
from aerie_services.relay import partition_of
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger("aerie.gateway")

FALLBACK_SECONDS = 0.25


class AppliedPositions:
    """Tells waiters when a projection has applied a log position of a topic's partition."""

    def __init__(self, database_url: str, pool: AsyncConnectionPool) -> None:
        self.database_url = database_url
        self.pool = pool
        self._applied: dict[str, asyncio.Event] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="applied-positions")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait(
        self, projection: str, topic: str, partition: int, position: int, seconds: float
    ) -> bool:
        """True once ``projection`` applied ``position`` of ``topic[partition]``; False at timeout."""
        deadline = time.monotonic() + seconds
        while True:
            applied = self._applied.setdefault(projection, asyncio.Event())
            async with self.pool.connection() as conn:
                reached = await profile.applied_position(conn, projection, topic, partition)
            if reached >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(applied.wait(), min(remaining, FALLBACK_SECONDS))

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.database_url, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {APPLIED_CHANNEL}")
                    async for notice in conn.notifies():
                        self._wake(notice.payload)
            except psycopg.Error as error:
                log.warning("not told of applied batches (%s); retrying", type(error).__name__)
                await asyncio.sleep(1.0)

    def _wake(self, projection: str) -> None:
        woken = self._applied.pop(projection, None)
        if woken is not None:
            woken.set()


class Freshness:
    """What a request asks of ``AppliedPositions``: by context and event key, not partition."""

    def __init__(self, positions: AppliedPositions, topics: Topics, partitions: int) -> None:
        self.positions = positions
        self.topics = topics
        self.partitions = partitions

    async def applied(
        self,
        projection: str,
        context: str,
        key: str | None,
        position: int | None,
        seconds: float,
    ) -> bool:
        """Whether ``projection`` applied the event at ``position`` of ``context``'s log."""
        if key is None or position is None:
            return False  # held back (an anonymous issue) or not known: say so
        topic = self.topics.of(context)
        partition = partition_of(key, self.partitions)
        return await self.positions.wait(projection, topic, partition, position, seconds)
