"""What the worker needs of faust that faust does not offer: the one place that reaches inside it.

Two needs, both in faust-streaming's aiokafka driver:

- **A short fetch wait.** faust fixes aiokafka's ``fetch_max_wait_ms`` at 1,500 ms
  and has no setting for it: a quiet partition's next event would wait up to 1.5 s,
  thirty times the 50 ms event-to-view target. The consumer thread here builds
  faust's own consumer and shortens that wait before it starts.
- **Static partition ownership, started from the tracking rows.** faust only knows
  consumer groups: a JoinGroup on every start (5 s on the embedded broker) and,
  after a crash, the dead member's session timeout. Here ``subscribe`` assigns the
  owned partitions (``StaticShare``) and runs faust's own on-assigned path once, as
  its rebalance listener would after a join; faust's recovery then seeks "to the
  committed offsets", which here means just after what the projections tracked.

``tests/integration/test_ownership.py`` pins each behaviour relied on here (the
hooks overridden, the wait in force, no group member, where each partition starts):
a faust upgrade that changes one of them fails that test, not production.
Nothing else in the project touches faust's or aiokafka's internals.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import faust
import faust.transport.drivers.aiokafka as aiokafka_driver
import psycopg
from faust.types import TP

from aerie_projections.kit import TRACKING_TABLE

log = logging.getLogger("aerie.worker")

FETCH_MAX_WAIT_MS = 10
"""How long the broker may hold a fetch open while a partition has nothing new."""


@dataclass(frozen=True)
class StaticShare:
    """This worker's fixed share of the partitions, and where each of them starts.

    Worker ``index`` of ``workers`` owns partition p of every topic it reads
    when ``p % workers == index`` (the relay writes partitions ``0..partitions-1``
    only). Each owned partition is read from just after the lowest Kafka offset
    its readers (``readers``: topic -> the projections reading it) have tracked,
    or from the beginning when one of them has applied nothing there yet. The
    offset is only where reading starts: each message is judged by its number,
    and a gap is filled by finding the number needed (``gaps.SequenceLocator``).
    """

    workers: int
    index: int
    partitions: int
    database_url: str
    readers: Mapping[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.workers:
            raise ValueError(f"worker index {self.index} is not in 0..{self.workers - 1}")

    def owned(self, topics: Iterable[str]) -> set[TP]:
        return {
            TP(topic, p)
            for topic in topics
            for p in range(self.partitions)
            if p % self.workers == self.index
        }

    async def start_offsets(self, partitions: Iterable[TP]) -> dict[TP, int | None]:
        """The offset each partition is read from (``None``: from the beginning)."""
        rows = [
            (tp.topic, tp.partition, name)
            for tp in partitions
            for name in self.readers.get(tp.topic, ())
        ]
        if not rows:
            return {}
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True
        ) as conn:
            cur = await conn.execute(
                "SELECT r.topic, r.partition, min(coalesce(t.kafka_offset, -1)) "
                "FROM unnest(%s::text[], %s::int[], %s::text[]) AS r(topic, partition, projection) "
                f"LEFT JOIN {TRACKING_TABLE} t USING (projection, topic, partition) "
                "GROUP BY r.topic, r.partition",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return {
                TP(topic, partition): offset + 1 if offset >= 0 else None
                for topic, partition, offset in await cur.fetchall()
            }


class LowLatencyConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    """faust's aiokafka consumer thread, with the fetch wait shortened to ``FETCH_MAX_WAIT_MS``."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts
        return consumer


class StaticConsumerThread(LowLatencyConsumerThread):
    """The consumer thread on a fixed assignment: no consumer group at all.

    faust still commits offsets, as a member of no generation (-1), which Kafka
    and tansu accept from a group without members: lag tools keep working,
    nothing reads them.
    """

    _assigning: asyncio.Future[None] | None = None

    @property
    def share(self) -> StaticShare:
        transport: Any = self.transport  # faust types it generically; ours carries the share
        return transport.share

    async def subscribe(self, topics: Iterable[str]) -> None:
        await self.call_thread(self._assign_share, set(topics))

    async def _assign_share(self, topics: set[str]) -> None:
        owned = aiokafka_driver.ensure_aiokafka_TPset(self.share.owned(topics))
        consumer = self._ensure_consumer()
        previous = consumer.assignment()
        if owned == previous:
            return
        log.info("assigned %d partitions statically (no consumer group)", len(owned))
        # In the background, as after a join: faust's on-assigned path waits for
        # this subscribe call to have returned.
        self._assigning = asyncio.ensure_future(self._assigned(previous, owned))

    async def _assigned(self, previous: set[Any], owned: set[Any]) -> None:
        listener = self._rebalance_listener
        try:
            await listener.on_partitions_revoked(previous)  # also marks the rebalance's start
            self._ensure_consumer().assign(owned)
            await listener.on_partitions_assigned(owned)
        except Exception as error:  # the worker stops, and its supervisor starts it again
            log.exception("static assignment failed: %r", error)
            await self.crash(error)

    async def seek_to_committed(self) -> Mapping[TP, int | None]:  # type: ignore[override]
        # None for a partition with nothing applied yet, as aiokafka's committed() answers
        return await self.call_thread(self._seek_to_tracked)

    async def _seek_to_tracked(self) -> dict[TP, int | None]:
        """Seek each assigned partition to just after what was applied.

        Only a hint: each message is judged by its number. A start the partition
        no longer reaches (a broker that restarted empty, a log republished with
        other offsets) is found by the worker's watchdog, which looks for the
        number needed wherever it sits in the partition.
        """
        consumer = self._ensure_consumer()
        assigned = consumer.assignment()
        if not assigned:
            return {}
        starts = await self.share.start_offsets(assigned)
        sought: dict[TP, int | None] = {}
        for tp in assigned:
            start = starts.get(TP(tp.topic, tp.partition))  # aiokafka's own class: not equal
            if start is not None:
                consumer.seek(tp, start)
            sought[tp] = start
        if beginning := [tp for tp, start in sought.items() if start is None]:
            await consumer.seek_to_beginning(*beginning)
        return sought


class LowLatencyConsumer(aiokafka_driver.Consumer):
    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return LowLatencyConsumerThread(self, loop=self.loop, beacon=self.beacon)


class StaticConsumer(aiokafka_driver.Consumer):
    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return StaticConsumerThread(self, loop=self.loop, beacon=self.beacon)


class LowLatencyTransport(aiokafka_driver.Transport):
    """faust's aiokafka transport in a consumer group, with the short fetch wait."""

    Consumer = LowLatencyConsumer


class StaticTransport(aiokafka_driver.Transport):
    """The aiokafka transport whose consumer reads a ``StaticShare``, with the short fetch wait."""

    Consumer = StaticConsumer

    def __init__(self, url: Any, app: faust.App, share: StaticShare) -> None:
        super().__init__(url, app)
        self.share = share


def use_ownership(app: faust.App, share: StaticShare | None) -> None:
    """Give ``app`` its transport: ``share``'s partitions statically, or faust's group if None."""
    url = app.conf.broker_consumer
    app.transport = (
        LowLatencyTransport(url, app) if share is None else StaticTransport(url, app, share)
    )
