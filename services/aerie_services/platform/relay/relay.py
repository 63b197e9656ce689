"""The relay: committed events, from the event store's notification logs to Kafka.

Contract:

- One topic per bounded context, key = employee id (an anonymous issue is
  keyed by its issue id), value = the JSON envelope.
- At-least-once: a batch is sent, the broker's acknowledgement awaited, and
  only then is the relay's position saved in PostgreSQL. A crash re-sends the
  unacknowledged tail.
- Each message carries the header ``aerie-seq``: its number within its
  partition (1, 2, 3, ...). The partition is chosen by the relay
  (murmur2(key) mod partitions) so the numbering is deterministic: re-sending
  from any saved position yields the same numbers. Consumers skip numbers
  they applied and rewind when they see a gap.
- A broker that lost its data (its empty epoch topic is gone) is detected and the relay republishes
  everything from the event store, with the same numbering. So does a topic a
  consumer found missing a number in (``ask_republish``).
- An anonymous event waits for its window (``holdback.AnonymousHold``); its
  ``recorded_at`` is coarsened to the hour and its position is withheld
  (``sources.ContextEvents``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from aerie_events.signing import SEQ_HEADER, SIGNATURE_HEADER, RelaySignature
from aerie_events.topics import Topics
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from aerie_services.platform.relay.holdback import AnonymousHold, Parked
from aerie_services.platform.relay.numbering import numbered
from aerie_services.platform.relay.sources import Converted, Outgoing, Source
from aerie_services.platform.storage import QUARANTINE_TABLE, REPUBLISH_TABLE

log = logging.getLogger("aerie.relay")

BROKER_CHECK_SECONDS = 2.0
BROKER_REPLICATION = -1
"""Topics get the broker's ``default.replication.factor`` (3 on a three-broker cluster)."""
SWEEP_SECONDS = 0.5


@dataclass
class Sending:
    """One send of a source: what goes out now, what is parked, and the position after it."""

    messages: list[Outgoing]
    quarantined: list[tuple[int, str, bytes]]
    parked: list[Parked]
    position: int


class Relay:
    """Publishes some logs (a group of contexts, and perhaps the platform's own) to Kafka.

    Several relays may run at once, each with its own group of sources: each
    topic has exactly one relay, which numbers its partitions. Anonymous events
    wait ``anonymous_release_seconds`` windows (aligned to the epoch, on the
    database's clock) in ``aerie_relay_held``; see ``holdback.AnonymousHold``.
    """

    def __init__(
        self,
        database_url: str,
        sources: Sequence[Source],
        bootstrap: str,
        *,
        topics: Topics,
        signature: RelaySignature,
        partitions: int = 3,
        group: str = "all",
        anonymous_release_seconds: int = 3600,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        """``client_options``: the Kafka clients' login (e.g. SASL), kafka-python's names."""
        self.database_url = database_url
        self.client_options = dict(client_options or {})
        self.signature = signature
        self.sources = {source.name: source for source in sources}
        self.bootstrap = bootstrap
        self.topics_of = topics
        self.partitions = partitions
        self.group = group
        self.release_seconds = anonymous_release_seconds
        self.batch_size = 5000
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdminClient | None = None
        self._db: psycopg.Connection[Any] | None = None
        self._last_reset_check = 0.0
        self.hold = AnonymousHold(
            self.sources,
            partitions=partitions,
            release_seconds=anonymous_release_seconds,
            bookkeeping=self.bookkeeping,
            sent_numbers=self._partition_seqs,
        )

    # -- the loop -------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set; survive broker and database outages.

        After a pass it sends again at once from the sources that moved; the
        others wait for their NOTIFY (sent on commit), or 10 ms while a log
        waits on an id still in flight. Every ``SWEEP_SECONDS`` it releases the
        held events whose window has ended and looks at every source (after a
        broker reset, all of them start over).
        """
        listener: psycopg.Connection[Any] | None = None
        due: set[str] = set()
        sweep_at = 0.0
        while not stop.is_set():
            try:
                sweep = time.monotonic() >= sweep_at
                if sweep:
                    due, sweep_at = set(self.sources), time.monotonic() + SWEEP_SECONDS
                listener = listener or self._listen()
                self.check_broker()
                if sweep:
                    self.hold.release_due()
                moved = {name for name in due if self.pump_source(name)}
                waiting = {name for name, source in self.sources.items() if source.log.waiting}
                timeout = 0.0 if moved else 0.01 if waiting else SWEEP_SECONDS
                due = moved | waiting | self._notified(listener, timeout)
            except (KafkaError, OSError, psycopg.OperationalError) as error:
                log.warning("relay paused: %s; retrying in 1s", error)
                self.close()
                if listener is not None:
                    listener.close()
                    listener = None
                self._last_reset_check = sweep_at = 0.0
                stop.wait(1.0)
        self.close()
        if listener is not None:
            listener.close()

    def pump(self) -> int:
        """Send what is new in every source once; return how many messages were sent."""
        return sum(self.pump_source(name) for name in self.sources)

    def pump_source(self, name: str) -> int:
        """Send what is new in one log, and the released events it owes the broker.

        Returns how many messages were sent (1 if the log only moved: rows
        skipped, quarantined or parked).
        """
        source = self.sources[name]
        position = self._position(name)
        batch = source.log.read(self.bookkeeping(), position, self.batch_size)
        owed = self.hold.owed_numbers(source)
        if not owed and batch.position == position:
            return 0
        converted = source.convert(batch.rows) if batch.rows else Converted([])
        ready, parked = self.hold.hold_back(source, converted.messages, position, batch.position)
        sending = Sending(ready, converted.quarantined, parked, batch.position)
        sent = self._send(source, sending, owed)
        return sent or int(batch.position != position)

    def catch_up(self) -> int:
        """Send everything committed so far and release what is due (used by tools and tests)."""
        total = 0
        self.check_broker(force=True)
        while True:
            self.hold.release_due()
            moved = self.pump()
            if not moved:
                return total
            total += moved

    def close(self) -> None:
        """Close the relay's broker clients and its connection (they reopen on next use)."""
        self._drop_producer()
        self._drop_bookkeeping()

    def bookkeeping(self) -> psycopg.Connection[Any]:
        """The relay's own connection (autocommit) for its positions and key look-ups."""
        if self._db is None or self._db.closed:
            self._db = psycopg.connect(self.database_url, autocommit=True)
        return self._db

    # -- sending --------------------------------------------------------------

    def _send(self, source: Source, sending: Sending, owed: dict[tuple[int, int], int]) -> int:
        """Send, await every acknowledgement, then save numbering, parked events and position.

        Returns how many messages went out.
        """
        topic = source.topic
        seqs = self._partition_seqs(topic)
        given = numbered(sending.messages, seqs, owed, self.partitions)
        released = self.hold.released(source, [m for _, _, m in given if isinstance(m, int)])
        offsets: dict[int, int] = {}
        futures = []
        producer = self._get_producer()
        for partition, seq, item in given:
            message = released[item] if isinstance(item, int) else item
            proof = self.signature.sign(topic, partition, seq, message.value)
            futures.append(
                (
                    partition,
                    producer.send(
                        topic,
                        key=message.key.encode(),
                        value=message.value,
                        partition=partition,
                        headers=[(SEQ_HEADER, str(seq).encode()), (SIGNATURE_HEADER, proof)],
                    ),
                )
            )
        producer.flush()
        for partition, future in futures:
            metadata = future.get(timeout=30)
            offsets[partition] = max(offsets.get(partition, -1), metadata.offset)
        conn = self.bookkeeping()
        with conn.transaction():
            for position, reason, original in sending.quarantined:
                log.error("stored event %s/%s quarantined: %s", source.name, position, reason)
                conn.execute(
                    f"INSERT INTO {QUARANTINE_TABLE} (stage, projection, topic, position, "
                    "reason, original) VALUES ('relay', NULL, %s, %s, %s, %s)",
                    (topic, position, reason, original),
                )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO aerie_relay_partition (topic, partition, seq, kafka_offset) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (topic, partition) "
                    "DO UPDATE SET seq = excluded.seq, kafka_offset = excluded.kafka_offset",
                    [(topic, p, seqs[p], offset) for p, offset in offsets.items()],
                )
            if sending.parked:
                self.hold.park(conn, source.name, sending.parked)
            conn.execute(
                "INSERT INTO aerie_relay_position (source, position) VALUES (%s, %s) "
                "ON CONFLICT (source) DO UPDATE SET position = excluded.position",
                (source.name, sending.position),
            )
        self.hold.sent(source.name, owed)
        return len(given)

    def _position(self, source: str) -> int:
        row = (
            self.bookkeeping()
            .execute("SELECT position FROM aerie_relay_position WHERE source = %s", (source,))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def _partition_seqs(self, topic: str) -> dict[int, int]:
        rows = (
            self.bookkeeping()
            .execute("SELECT partition, seq FROM aerie_relay_partition WHERE topic = %s", (topic,))
            .fetchall()
        )
        return {int(p): int(s) for p, s in rows}

    # -- the broker -----------------------------------------------------------

    def topics(self) -> list[str]:
        return [source.topic for source in self.sources.values()]

    def check_broker(self, force: bool = False) -> None:
        """Create missing topics; if the broker lost data, start over from the store."""
        if not force and time.monotonic() - self._last_reset_check < BROKER_CHECK_SECONDS:
            return
        self._last_reset_check = time.monotonic()
        if self._broker_lost_data():
            log.warning("the broker lost relayed events: republishing from the event store")
        elif asked := self._republish_asked():
            log.warning("republishing from the event store, as asked: %s", "; ".join(asked))
            self.reset()
        self.ensure_topics()

    def _republish_asked(self) -> list[str]:
        """Take the requests to republish this relay's topics (see ``ask_republish``)."""
        rows = (
            self.bookkeeping()
            .execute(
                f"DELETE FROM {REPUBLISH_TABLE} WHERE topic = ANY(%s) RETURNING topic, reason",
                (self.topics(),),
            )
            .fetchall()
        )
        return [f"{topic}: {reason}" for topic, reason in rows]

    def ensure_topics(self) -> None:
        ensure_topics(self.bootstrap, self.topics(), self.partitions, self.client_options)

    @property
    def _epoch_source(self) -> str:
        return f"epoch:{self.group}"

    def _broker_lost_data(self) -> bool:
        """True when the broker no longer has this relay's epoch topic (it restarted empty).

        On start the relay creates an empty topic ``<prefix>.epoch.<group>-<id>`` and
        keeps the id in PostgreSQL; nothing writes to or reads from that topic, so it
        is never auto-created: if it is gone, so is everything the relay sent.
        """
        row = (
            self.bookkeeping()
            .execute(
                "SELECT position FROM aerie_relay_position WHERE source = %s", (self._epoch_source,)
            )
            .fetchone()
        )
        present = set(self._get_admin().list_topics())
        if row is not None and self._epoch_topic(int(row[0])) in present:
            return False
        self._new_epoch(lost=row is not None)
        return row is not None

    def _epoch_topic(self, epoch: int) -> str:
        return self.topics_of.epoch(epoch).replace(".epoch.", f".epoch.{self.group}-")

    def _new_epoch(self, lost: bool) -> None:
        epoch = time.time_ns()
        self._get_admin().create_topics([NewTopic(self._epoch_topic(epoch), 1, BROKER_REPLICATION)])
        conn = self.bookkeeping()
        with conn.transaction():
            if lost:
                self._forget_sent(conn)
            conn.execute(
                "INSERT INTO aerie_relay_position (source, position) VALUES (%s, %s) "
                "ON CONFLICT (source) DO UPDATE SET position = excluded.position",
                (self._epoch_source, epoch),
            )

    def _forget_sent(self, conn: psycopg.Connection[Any]) -> None:
        """Start every source over; remember how far each had got (see ``AnonymousHold.release_due``).

        Held events stay held: a released one is sent again under its number,
        one still waiting goes out at the end of its window, not before.
        """
        conn.execute("DELETE FROM aerie_relay_partition WHERE topic = ANY(%s)", (self.topics(),))
        conn.execute(
            "UPDATE aerie_relay_position SET resend_until = greatest(resend_until, position), "
            "position = 0 WHERE source = ANY(%s)",
            (list(self.sources),),
        )
        self.hold.start_over()

    def reset(self) -> None:
        """Forget what was sent: the next pump republishes everything, numbered as before."""
        conn = self.bookkeeping()
        with conn.transaction():
            self._forget_sent(conn)

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=f"aerie-relay-{self.group}",
                # topics are made by ensure_topics with the platform's partition count; a send
                # retried into a broker that restarted empty must not make one with its default
                allow_auto_create_topics=False,
                acks="all",
                linger_ms=2,
                batch_size=512 * 1024,
                max_request_size=8 * 1024 * 1024,
                retries=5,
                # A broker that restarted empty no longer knows this producer's id and
                # refuses its retries until the delivery times out: give up after 10 s
                # (not 120), so the relay drops the producer and starts a new one.
                request_timeout_ms=5_000,
                delivery_timeout_ms=10_000,
                **self.client_options,
            )
        return self._producer

    def _drop_bookkeeping(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _get_admin(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap,
                client_id=f"aerie-relay-{self.group}",
                **self.client_options,
            )
        return self._admin

    def _drop_producer(self) -> None:
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:
                log.debug("admin close failed", exc_info=True)
            self._admin = None
        if self._producer is not None:
            try:
                self._producer.close(timeout=2)
            except Exception:
                log.debug("producer close failed", exc_info=True)
            self._producer = None

    # -- waking up ------------------------------------------------------------

    def _listen(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.database_url, autocommit=True)
        for source in self.sources.values():
            conn.execute(f'LISTEN "{source.channel}"')
        return conn

    def _notified(self, listener: psycopg.Connection[Any], timeout: float) -> set[str]:
        """The sources whose channels were notified, waiting up to ``timeout`` for the first."""
        channels = {source.channel: name for name, source in self.sources.items()}
        first = list(listener.notifies(timeout=timeout, stop_after=1))
        rest = list(listener.notifies(timeout=0.0)) if first else []
        return {channels[n.channel] for n in first + rest if n.channel in channels}


def ask_republish(database_url: str, topic: str, reason: str) -> None:
    """Ask the relay of ``topic`` to publish it again from the event store, numbered as before.

    For a consumer that needs a number the topic no longer holds (retention,
    compaction, a lost log). The relay takes the request within
    ``BROKER_CHECK_SECONDS``; consumers skip what they applied by number.
    """
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO {REPUBLISH_TABLE} (topic, reason) VALUES (%s, %s) "
            "ON CONFLICT (topic) DO NOTHING",
            (topic, reason[:500]),
        )


def ensure_topics(
    bootstrap: str,
    topics: Sequence[str],
    partitions: int,
    client_options: Mapping[str, Any] | None = None,
) -> None:
    """Create the topics that do not exist yet (each with ``partitions`` partitions)."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, client_id="aerie-admin", **(client_options or {})
    )
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(t, partitions, BROKER_REPLICATION) for t in missing])
        present = [t for t in topics if t in existing]
        if present:
            _check_partitions(admin.describe_topics(present), partitions)
    finally:
        admin.close()


class TopicLayoutError(SystemExit):
    """A topic has another number of partitions than the platform numbers: the part stops."""


def _check_partitions(described: Sequence[Mapping[str, Any]], partitions: int) -> None:
    """Refuse topics with fewer partitions than the platform numbers: events would be numbered
    into partitions that do not exist. A topic with more (one a client made with the broker's
    default after the broker restarted empty) is used as it is: the relay writes only to, and
    the workers read only from, partitions 0 to ``partitions - 1``; it is said once."""
    for topic in described:
        found = len(topic["partitions"])
        if found < partitions:
            raise TopicLayoutError(
                f"topic {topic['name']} has {found} partitions, and the platform is set to "
                f"{partitions} (AERIE_TOPIC_PARTITIONS): the relay numbers partitions "
                f"0..{partitions - 1} by the key's hash. Set AERIE_TOPIC_PARTITIONS={found} on "
                "every part, or recreate the topic; nothing was sent."
            )
        if found > partitions:
            log.warning(
                "topic %s has %d partitions; the platform uses the first %d "
                "(AERIE_TOPIC_PARTITIONS) and leaves the others empty",
                topic["name"],
                found,
                partitions,
            )
