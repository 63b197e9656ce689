"""Filling a gap by its number: find where the needed ``aerie-seq`` sits, never assume an offset.

The relay numbers each partition 1, 2, 3, ... and a number always names the
same event, but the offset it sits at changes: a broker that restarted empty
gets the whole log republished (without the duplicates the old log had), a
send retried after a failure lands after later numbers. So the worker never
derives an offset from a number: ``SequenceLocator`` reads the partition
(outward from where the gap showed) until it meets the number needed, signed by
the relay, and the partition is read again from there. When the partition no
longer holds the number at all (retention, compaction, a lost log), the relay is
asked to republish the topic from the event store (the ``Republish`` the
composition root gives), and the number is looked for again once it has.

Each finding is logged once per partition and number, not at every try.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aerie_events.signing import SIGNATURE_HEADER, RelaySignature
from kafka import KafkaConsumer, TopicPartition

from aerie_projections.tracking import Gap, header, seq_of

log = logging.getLogger("aerie.worker")

FIRST_WINDOW = 512
"""How many messages the first look on each side of the gap reads."""
POLL_MS = 500
RETRY_SECONDS = 3.0
"""How soon a partition's number is looked for again, after a search or a seek."""
NOT_FOUND_RETRY_SECONDS = 30.0
"""How soon a number the partition did not hold is looked for again (the relay republishes)."""


class SequenceLocator:
    """Finds the offset of a relay-signed number in a partition, with a consumer of no group."""

    def __init__(self, bootstrap: str, signature: RelaySignature) -> None:
        self.bootstrap = bootstrap
        self.signature = signature
        self._consumer: KafkaConsumer | None = None
        self._lock = threading.Lock()

    def locate(self, topic: str, partition: int, needed: int, near: int) -> int | None:
        """The offset holding number ``needed``, searched outward from offset ``near``.

        First the messages just after ``near``, then windows before it, each
        four times the last, down to the partition's first offset, then the
        rest after it. ``None`` when the partition does not hold it.
        """
        with self._lock:
            try:
                return self._locate(TopicPartition(topic, partition), needed, near)
            except Exception:
                self.close()
                raise

    def _locate(self, tp: TopicPartition, needed: int, near: int) -> int | None:
        consumer = self._reader()
        consumer.assign([tp])
        first = consumer.beginning_offsets([tp])[tp]
        near = max(near, first)
        if (found := self._scan(tp, needed, near, near + FIRST_WINDOW)) is not None:
            return found
        high, width = near, FIRST_WINDOW
        while high > first:
            low = max(first, high - width)
            if (found := self._scan(tp, needed, low, high)) is not None:
                return found
            high, width = low, width * 4
        return self._scan(tp, needed, near + FIRST_WINDOW, None)

    def _scan(self, tp: TopicPartition, needed: int, start: int, stop: int | None) -> int | None:
        """The first offset in ``[start, stop)`` (``None``: to the end) holding ``needed``."""
        consumer = self._reader()
        consumer.seek(tp, start)
        while True:
            records = consumer.poll(timeout_ms=POLL_MS, max_records=5000).get(tp, [])
            if not records:
                return None  # the end of the partition
            for record in records:
                if stop is not None and record.offset >= stop:
                    return None
                if self._is_needed(tp, record, needed):
                    return int(record.offset)

    def _is_needed(self, tp: TopicPartition, record: Any, needed: int) -> bool:
        try:
            seq = seq_of(record.headers)
        except ValueError:
            return False
        return seq == needed and self.signature.verify(
            tp.topic,
            tp.partition,
            seq,
            record.value or b"",
            header(record.headers, SIGNATURE_HEADER),
        )

    def _reader(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                client_id="aerie-gap-locator",
                group_id=None,
                allow_auto_create_topics=False,  # the relay makes topics, with their layout
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
        return self._consumer

    def close(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            try:
                consumer.close()
            except Exception:
                log.debug("gap locator close failed", exc_info=True)


class Locates(Protocol):
    """What the gap filler needs of a locator (``SequenceLocator``)."""

    def locate(self, topic: str, partition: int, needed: int, near: int) -> int | None: ...

    def close(self) -> None: ...


Seek = Callable[[str, int, int], Awaitable[None]]
"""Read ``(topic, partition)`` again from ``offset``."""
Republish = Callable[[str, str], None]
"""Ask the relay to publish ``topic`` again from the event store, saying why (blocking)."""


@dataclass
class Filling:
    """What was last done for a partition's gap."""

    needed: int
    at: float
    found: bool


@dataclass
class GapFiller:
    """Turns the gaps the projections report into seeks to where each needed number sits.

    Per partition the lowest number any projection needs wins (the others
    skip what they applied, by number). A partition sought for a number is not
    searched again, for it or a higher one, for ``RETRY_SECONDS``; one whose
    number was not found for ``NOT_FOUND_RETRY_SECONDS``.
    """

    locator: Locates
    seek: Seek
    republish: Republish | None
    clock: Callable[[], float] = time.monotonic
    filling: dict[tuple[str, int], Filling] = field(default_factory=dict)
    said: set[tuple[str, int, int, bool]] = field(default_factory=set)

    async def fill(self, name: str, gaps: Sequence[Gap]) -> None:
        """Fill ``gaps`` (reported by projection ``name``)."""
        lowest: dict[tuple[str, int], Gap] = {}
        for gap in gaps:
            key = (gap.topic, gap.partition)
            if key not in lowest or gap.needed < lowest[key].needed:
                lowest[key] = gap
        for key, gap in sorted(lowest.items()):
            if self._recently_tried(key, gap.needed):
                continue
            await self._fill_one(name, gap)

    def _recently_tried(self, key: tuple[str, int], needed: int) -> bool:
        """Searched lately for this number, or sought lately to a lower one (which serves it)."""
        last = self.filling.get(key)
        if last is None or needed < last.needed or (needed > last.needed and not last.found):
            return False
        wait = RETRY_SECONDS if last.found else NOT_FOUND_RETRY_SECONDS
        return self.clock() - last.at < wait

    async def _fill_one(self, name: str, gap: Gap) -> None:
        offset = await asyncio.to_thread(
            self.locator.locate, gap.topic, gap.partition, gap.needed, gap.seen
        )
        key = (gap.topic, gap.partition)
        self.filling[key] = Filling(gap.needed, self.clock(), offset is not None)
        if offset is not None:
            self._say_once(
                (gap.topic, gap.partition, gap.needed, True),
                logging.WARNING,
                "%s: %s[%d] needs number %d, found at offset %d: reading it again from there",
                name,
                gap.topic,
                gap.partition,
                gap.needed,
                offset,
            )
            await self.seek(gap.topic, gap.partition, offset)
            return
        self._say_once(
            (gap.topic, gap.partition, gap.needed, False),
            logging.ERROR,
            "%s: %s[%d] no longer holds number %d: %s; the partition waits for it",
            name,
            gap.topic,
            gap.partition,
            gap.needed,
            "the relay is asked to republish it from the event store"
            if self.republish
            else "republish it from the event store (`aerie relay` after a reset)",
        )
        if self.republish is not None:
            await asyncio.to_thread(
                self.republish,
                gap.topic,
                f"{name} needs number {gap.needed} of partition {gap.partition}",
            )

    def _say_once(self, key: tuple[str, int, int, bool], level: int, text: str, *args: Any) -> None:
        if key in self.said:
            log.debug(text, *args)
            return
        self.said.add(key)
        log.log(level, text, *args)

    def close(self) -> None:
        self.locator.close()
