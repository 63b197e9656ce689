"""Read-your-writes: wait until a projection has applied a write, without the client polling.

Every projection batch commits with a ``NOTIFY aerie_applied`` that says how
far it got in each topic partition. One connection per gateway process
listens and keeps those positions; a waiter reads its partition's position
once from the tracking table, then waits to be told, and gives up at its
deadline. While the listening connection is down, waiters read the tracking
table every ``FALLBACK_SECONDS`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import psycopg
from aerie_events.topics import Topics
from aerie_projections.kit import APPLIED_CHANNEL
from aerie_projections.positions import Applied, applied_position, read_notice
from aerie_services.platform.relay import partition_of
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger("aerie.gateway")

FALLBACK_SECONDS = 0.25


class AppliedPositions:
    """Tells waiters when a projection has applied a log position of a topic's partition."""

    def __init__(self, database_url: str, pool: AsyncConnectionPool) -> None:
        self.database_url = database_url
        self.pool = pool
        self._applied: Applied = {}
        self._moved = asyncio.Event()
        self._listening = False
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
        key = (projection, topic, partition)
        deadline = time.monotonic() + seconds
        await self._read(key)
        while self._applied.get(key, 0) < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            moved = self._moved
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), min(remaining, FALLBACK_SECONDS))
            if not self._listening:
                await self._read(key)
        return True

    async def _read(self, key: tuple[str, str, int]) -> None:
        async with self.pool.connection() as conn:
            found = await applied_position(conn, *key)
        self._applied[key] = max(self._applied.get(key, 0), found)

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.database_url, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {APPLIED_CHANNEL}")
                    self._listening = True
                    async for notice in conn.notifies():
                        self._told(notice.payload)
            except psycopg.Error as error:
                log.warning("not told of applied batches (%s); retrying", type(error).__name__)
            self._listening = False
            await asyncio.sleep(1.0)

    def _told(self, payload: str) -> None:
        for key, position in read_notice(payload).items():
            self._applied[key] = max(self._applied.get(key, 0), position)
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()


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
