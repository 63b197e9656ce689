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
  everything from the event store, with the same numbering.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from aerie_events.catalog import CATALOG
from aerie_events.envelope import Envelope
from aerie_events.topics import CONTEXTS, DEAD_LETTER, topic_for
from eventsourcing.persistence import Notification
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.partitioner.default import murmur2

from aerie_services.base import event_id_of
from aerie_services.bus import Applications
from aerie_services.committed import CommittedLog

log = logging.getLogger("aerie.relay")

SEQ_HEADER = "aerie-seq"
DEAD_LETTER_CHANNEL = "aerie_dead_letters"
STORED_COLUMNS = ["notification_id", "originator_id", "originator_version", "topic", "state"]
DEAD_LETTER_COLUMNS = ["id", "received_at", "source", "kind", "input", "code", "reason"]
BROKER_CHECK_SECONDS = 2.0
SWEEP_SECONDS = 0.5


def partition_of(key: str, partitions: int) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def envelope_of(app: Any, notification: Any) -> Envelope | None:
    """The envelope of a stored event, or ``None`` for the store's internal events.

    The stored state is read as JSON directly (it is the library's JSON
    transcoding, uncompressed and unencrypted); reconstructing domain event
    objects would cost several times more for nothing the envelope needs.
    """
    state = json.loads(notification.state)
    meta = state.get("meta")
    if meta is None:
        return None
    kind = meta["type"]
    return Envelope(
        event_id=event_id_of(notification.originator_id, notification.originator_version),
        type=kind,
        schema_version=CATALOG[kind].schema_version,
        occurred_at=meta["occurred_at"],
        recorded_at=state["timestamp"]["_data_"],
        position=notification.id,
        context=app.context,
        site_id=meta["site_id"],
        employee_id=meta["employee_id"],
        actor=meta["actor"],
        source=meta["source"],
        correlation_id=meta["correlation_id"],
        causation_id=meta["causation_id"],
        policy_version=meta["policy_version"],
        payload=state["payload"],
    )


def notification_of(row: dict[str, Any]) -> Notification:
    return Notification(
        id=row["notification_id"],
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


@dataclass
class Outgoing:
    position: int
    key: str
    value: bytes


class Relay:
    """Publishes every context's committed events, and the dead letters, to Kafka."""

    def __init__(
        self, database_url: str, apps: Applications, bootstrap: str, partitions: int = 3
    ) -> None:
        self.database_url = database_url
        self.apps = apps.by_context()
        self.bootstrap = bootstrap
        self.partitions = partitions
        self.batch_size = 5000
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdminClient | None = None
        self._db: psycopg.Connection[Any] | None = None
        self._last_reset_check = 0.0
        self._logs = {
            context: CommittedLog(app.recorder.events_table_name, "notification_id", STORED_COLUMNS)
            for context, app in self.apps.items()
        }
        self._logs[DEAD_LETTER] = CommittedLog("aerie_dead_letters", "id", DEAD_LETTER_COLUMNS)

    # -- the loop -------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set; survive broker and database outages.

        After a pass it sends again at once from the sources that moved; the
        others wait for their NOTIFY (sent on commit), or 10 ms while a log
        waits on an id still in flight. Every ``SWEEP_SECONDS`` it looks at every
        source (after a broker reset, all of them start over).
        """
        listener: psycopg.Connection[Any] | None = None
        due: set[str] = set()
        sweep_at = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= sweep_at:
                    due, sweep_at = self.sources(), time.monotonic() + SWEEP_SECONDS
                listener = listener or self._listen()
                self.check_broker()
                moved = {source for source in due if self.pump_source(source)}
                waiting = {source for source, log in self._logs.items() if log.waiting}
                timeout = 0.0 if moved else 0.01 if waiting else SWEEP_SECONDS
                due = moved | waiting | self._notified(listener, timeout)
            except (KafkaError, OSError, psycopg.OperationalError) as error:
                log.warning("relay paused: %s; retrying in 1s", error)
                self._drop_producer()
                self._drop_bookkeeping()
                if listener is not None:
                    listener.close()
                    listener = None
                self._last_reset_check = sweep_at = 0.0
                stop.wait(1.0)
        self._drop_producer()
        self._drop_bookkeeping()
        if listener is not None:
            listener.close()

    def sources(self) -> set[str]:
        """Every log the relay publishes: each context's, and the dead letters."""
        return set(self._logs)

    def pump(self) -> int:
        """Send what is new in every source once; return how many messages were sent."""
        return sum(self.pump_source(source) for source in self._logs)

    def pump_source(self, source: str) -> int:
        """Send what is new in one log; return how many messages were sent (1 if only skipped)."""
        if source == DEAD_LETTER:
            return self._pump_dead_letters()
        return self._pump_context(source, self.apps[source])

    def catch_up(self) -> int:
        """Send everything committed so far (used by tools and tests)."""
        total = 0
        self.check_broker(force=True)
        while moved := self.pump():
            total += moved
        return total

    # -- sources --------------------------------------------------------------

    def _pump_context(self, context: str, app: Any) -> int:
        position = self._position(context)
        batch = self._logs[context].read(self._bookkeeping(), position, self.batch_size)
        if batch.position == position:
            return 0
        outgoing = []
        for row in batch.rows:
            envelope = envelope_of(app, notification_of(row))
            if envelope is not None:
                outgoing.append(Outgoing(row["notification_id"], envelope.key, envelope.to_json()))
        self._send(topic_for(context), outgoing, batch.position, context)
        return len(outgoing) or 1

    def _pump_dead_letters(self) -> int:
        position = self._position(DEAD_LETTER)
        batch = self._logs[DEAD_LETTER].read(self._bookkeeping(), position, self.batch_size)
        if batch.position == position:
            return 0
        outgoing = [
            Outgoing(
                row["id"],
                str(row["kind"] or "unknown"),
                json.dumps({**row, "received_at": row["received_at"].isoformat()}).encode(),
            )
            for row in batch.rows
        ]
        self._send(topic_for(DEAD_LETTER), outgoing, batch.position, DEAD_LETTER)
        return len(outgoing) or 1

    # -- sending --------------------------------------------------------------

    def _send(self, topic: str, outgoing: list[Outgoing], last_position: int, source: str) -> None:
        """Send, await every acknowledgement, then save numbering and position together."""
        seqs = self._partition_seqs(topic)
        offsets: dict[int, int] = {}
        futures = []
        producer = self._get_producer()
        for message in outgoing:
            partition = partition_of(message.key, self.partitions)
            seqs[partition] = seqs.get(partition, 0) + 1
            futures.append(
                (
                    partition,
                    producer.send(
                        topic,
                        key=message.key.encode(),
                        value=message.value,
                        partition=partition,
                        headers=[(SEQ_HEADER, str(seqs[partition]).encode())],
                    ),
                )
            )
        producer.flush()
        for partition, future in futures:
            metadata = future.get(timeout=30)
            offsets[partition] = max(offsets.get(partition, -1), metadata.offset)
        conn = self._bookkeeping()
        with conn.transaction():
            for partition, offset in offsets.items():
                conn.execute(
                    "INSERT INTO aerie_relay_partition (topic, partition, seq, kafka_offset) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (topic, partition) "
                    "DO UPDATE SET seq = excluded.seq, kafka_offset = excluded.kafka_offset",
                    (topic, partition, seqs[partition], offset),
                )
            conn.execute(
                "INSERT INTO aerie_relay_position (source, position) VALUES (%s, %s) "
                "ON CONFLICT (source) DO UPDATE SET position = excluded.position",
                (source, last_position),
            )

    def _bookkeeping(self) -> psycopg.Connection[Any]:
        """The relay's own connection for its positions (it is their only writer)."""
        if self._db is None or self._db.closed:
            self._db = psycopg.connect(self.database_url, autocommit=True)
        return self._db

    def _position(self, source: str) -> int:
        conn = self._bookkeeping()
        row = conn.execute(
            "SELECT position FROM aerie_relay_position WHERE source = %s", (source,)
        ).fetchone()
        return int(row[0]) if row else 0

    def _partition_seqs(self, topic: str) -> dict[int, int]:
        conn = self._bookkeeping()
        rows = conn.execute(
            "SELECT partition, seq FROM aerie_relay_partition WHERE topic = %s", (topic,)
        ).fetchall()
        return {int(p): int(s) for p, s in rows}

    # -- the broker -----------------------------------------------------------

    def topics(self) -> list[str]:
        return [topic_for(c) for c in (*CONTEXTS, DEAD_LETTER)]

    def check_broker(self, force: bool = False) -> None:
        """Create missing topics; if the broker lost data, start over from the store."""
        if not force and time.monotonic() - self._last_reset_check < BROKER_CHECK_SECONDS:
            return
        self._last_reset_check = time.monotonic()
        if self._broker_lost_data():
            log.warning("the broker lost relayed events: republishing from the event store")
        self.ensure_topics()

    def ensure_topics(self) -> None:
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="aerie-relay")
        try:
            existing = set(admin.list_topics())
            missing = [t for t in self.topics() if t not in existing]
            if missing:
                with contextlib.suppress(TopicAlreadyExistsError):
                    admin.create_topics([NewTopic(t, self.partitions, 1) for t in missing])
        finally:
            admin.close()

    def _broker_lost_data(self) -> bool:
        """True when the broker no longer has this relay's epoch topic (it restarted empty).

        On start the relay creates an empty topic ``<prefix>.epoch.<id>`` and keeps
        the id in PostgreSQL; nothing writes to or reads from that topic, so it
        is never auto-created: if it is gone, so is everything the relay sent.
        """
        row = (
            self._bookkeeping()
            .execute("SELECT position FROM aerie_relay_position WHERE source = 'epoch'")
            .fetchone()
        )
        present = set(self._get_admin().list_topics())
        if row is not None and self._epoch_topic(int(row[0])) in present:
            return False
        self._new_epoch(lost=row is not None)
        return row is not None

    def _epoch_topic(self, epoch: int) -> str:
        return f"{topic_for(DEAD_LETTER).rsplit('.', 1)[0]}.epoch.{epoch}"

    def _new_epoch(self, lost: bool) -> None:
        epoch = time.time_ns()
        self._get_admin().create_topics([NewTopic(self._epoch_topic(epoch), 1, 1)])
        conn = self._bookkeeping()
        with conn.transaction():
            if lost:
                conn.execute("DELETE FROM aerie_relay_partition")
                conn.execute("DELETE FROM aerie_relay_position")
            conn.execute(
                "INSERT INTO aerie_relay_position (source, position) VALUES ('epoch', %s) "
                "ON CONFLICT (source) DO UPDATE SET position = excluded.position",
                (epoch,),
            )

    def reset(self) -> None:
        """Forget what was sent: the next pump republishes everything, numbered as before."""
        conn = self._bookkeeping()
        with conn.transaction():
            conn.execute("DELETE FROM aerie_relay_partition")
            conn.execute("DELETE FROM aerie_relay_position WHERE source <> 'epoch'")

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id="aerie-relay",
                acks="all",
                linger_ms=2,
                batch_size=512 * 1024,
                max_request_size=8 * 1024 * 1024,
                retries=5,
            )
        return self._producer

    def _drop_bookkeeping(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _get_admin(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap, client_id="aerie-relay"
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
        for app in self.apps.values():
            conn.execute(f'LISTEN "{app.recorder.channel_name}"')
        conn.execute(f"LISTEN {DEAD_LETTER_CHANNEL}")
        return conn

    def _notified(self, listener: psycopg.Connection[Any], timeout: float) -> set[str]:
        """The sources whose channels were notified, waiting up to ``timeout`` for the first."""
        channels = {app.recorder.channel_name: context for context, app in self.apps.items()}
        channels[DEAD_LETTER_CHANNEL] = DEAD_LETTER
        first = list(listener.notifies(timeout=timeout, stop_after=1))
        rest = list(listener.notifies(timeout=0.0)) if first else []
        return {channels.get(notify.channel, DEAD_LETTER) for notify in first + rest}
