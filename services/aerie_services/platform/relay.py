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
- An anonymous event (its non-personal ``anonymous`` field is true) is not sent
  when it is met: it is parked in ``aerie_relay_held`` in the transaction that
  moves the position past it, and released at the end of its epoch-aligned
  window (``anonymous_release_seconds``) with every other event of that window,
  ordered by site and key, not by commit; its ``recorded_at`` is coarsened to
  the hour. A later event under the same key waits behind it. A released event
  keeps its number, so a republish numbers everything as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import psycopg
from aerie_events.catalog import CATALOG
from aerie_events.codec import EventCodec, StoredFact, Undecodable
from aerie_events.signing import SEQ_HEADER, SIGNATURE_HEADER, RelaySignature
from aerie_events.topics import Topics
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.partitioner.default import murmur2
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from aerie_services.kit.base import event_id_of, to_the_hour
from aerie_services.platform.committed import CommittedLog
from aerie_services.platform.storage import HELD_TABLE, QUARANTINE_TABLE

log = logging.getLogger("aerie.relay")

STORED_COLUMNS = ["notification_id", "originator_id", "originator_version", "state"]
DEAD_LETTER_COLUMNS = [
    "id",
    "received_at",
    "source",
    "kind",
    "input",
    "input_bytes",
    "code",
    "reason",
]
QUARANTINE_COLUMNS = [
    "id",
    "quarantined_at",
    "stage",
    "projection",
    "topic",
    "partition",
    "kafka_offset",
    "position",
    "reason",
]
BROKER_CHECK_SECONDS = 2.0
SWEEP_SECONDS = 0.5
PERSONAL_TYPES = frozenset(
    name for name, t in CATALOG.items() if any(f.personal for f in t.fields.values())
)
ANONYMOUS_TYPES = frozenset(
    name
    for name, t in CATALOG.items()
    if "anonymous" in t.fields and not t.fields["anonymous"].personal
)
"""Types whose author may choose not to be named, in a field that is never sealed."""


def partition_of(key: str, partitions: int) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def is_anonymous(fact: StoredFact) -> bool:
    """True for a fact whose author chose not to be named; nothing sealed is opened to tell."""
    return fact.type in ANONYMOUS_TYPES and fact.payload.get("anonymous") is True


@dataclass
class Outgoing:
    """A message to send: its log position, key and bytes; ``anonymous`` ones are held back."""

    position: int
    key: str
    value: bytes
    site_id: str | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class Parked:
    """A message held back instead of sent; ``release_at`` None: the end of the window now open."""

    position: int
    key: str
    site_id: str | None
    release_at: dt.datetime | None = None


@dataclass
class Sending:
    """One send of a source: what goes out now, what is parked, and the position after it."""

    messages: list[Outgoing]
    quarantined: list[tuple[int, str, bytes]]
    parked: list[Parked]
    position: int


class ReleaseFailed(RuntimeError):
    """A held event that was given a number can no longer be read or decoded.

    Its number stays owed (nothing after it in its partition can be sent), so
    the relay stops rather than leave a gap consumers would wait on forever.
    """


@dataclass
class Converted:
    """A batch of log rows as messages, and the rows that could not be converted."""

    messages: list[Outgoing]
    quarantined: list[tuple[int, str, bytes]] = field(default_factory=list)


class KeysOf(Protocol):
    """What the relay needs of the key ring: the live keys of some subjects."""

    def keys_of(self, key_ids: Sequence[str]) -> dict[str, bytes]: ...


@dataclass
class Source:
    """One log the relay publishes: a table read in id order, to one topic.

    ``convert`` turns a batch of rows into messages; a row it cannot convert
    is quarantined (with its reason and original bytes), never skipped in silence.
    ``table`` (the stored events', read again by position when a held event
    is released) is given for a context's events; a source without one holds nothing.
    """

    name: str
    topic: str
    log: CommittedLog
    channel: str
    convert: Callable[[list[dict[str, Any]]], Converted]
    table: str | None = None


class ContextEvents:
    """Converts a context's stored events into envelopes, through the one codec."""

    def __init__(self, context: str, codec: EventCodec, keys: Callable[[], KeysOf]) -> None:
        self.context = context
        self.codec = codec
        self.keys = keys

    def envelopes(self, rows: list[dict[str, Any]]) -> list[Any]:
        """The rows' envelopes (replay); an undecodable row raises ``Undecodable``."""
        converted = self._convert(rows, as_json=False)
        if converted.quarantined:
            position, reason, _ = converted.quarantined[0]
            raise Undecodable(f"stored event {self.context}/{position}: {reason}")
        return [message.value for message in converted.messages]

    def __call__(self, rows: list[dict[str, Any]]) -> Converted:
        return self._convert(rows, as_json=True)

    def _convert(self, rows: list[dict[str, Any]], *, as_json: bool) -> Converted:
        converted = Converted([])
        facts: list[tuple[dict[str, Any], StoredFact]] = []
        for row in rows:
            state = bytes(row["state"])
            try:
                fact = self.codec.read(state)
            except Undecodable as error:
                converted.quarantined.append((row["notification_id"], error.reason, state))
                continue
            if fact is not None:
                facts.append((row, fact))
        needed = sorted({f.key_id for _, f in facts if f.key_id and f.type in PERSONAL_TYPES})
        keys = self.keys().keys_of(needed) if needed else {}
        for row, fact in facts:
            try:
                envelope = self.codec.envelope(
                    fact,
                    event_id=event_id_of(row["originator_id"], row["originator_version"]),
                    position=row["notification_id"],
                    context=self.context,
                    keys=keys,
                )
            except Undecodable as error:
                converted.quarantined.append(
                    (row["notification_id"], error.reason, bytes(row["state"]))
                )
                continue
            anonymous = is_anonymous(fact)
            if anonymous:  # neither its time nor its place in the log sits next to its author's
                envelope = replace(
                    envelope, recorded_at=to_the_hour(envelope.recorded_at), position=0
                )
            value: Any = envelope.to_json() if as_json else envelope
            converted.messages.append(
                Outgoing(row["notification_id"], envelope.key, value, envelope.site_id, anonymous)
            )
        return converted


def dead_letter_messages(rows: list[dict[str, Any]]) -> Converted:
    return Converted(
        [
            Outgoing(
                row["id"],
                str(row["kind"] or "unknown"),
                json.dumps({**row, "received_at": row["received_at"].isoformat()}).encode(),
            )
            for row in rows
        ]
    )


def quarantine_messages(rows: list[dict[str, Any]]) -> Converted:
    return Converted(
        [
            Outgoing(
                row["id"],
                str(row["projection"] or row["stage"]),
                json.dumps({**row, "quarantined_at": row["quarantined_at"].isoformat()}).encode(),
            )
            for row in rows
        ]
    )


class Relay:
    """Publishes some logs (a group of contexts, and perhaps the platform's own) to Kafka.

    Several relays may run at once, each with its own group of sources: each
    topic has exactly one relay, which numbers its partitions. Anonymous events
    wait ``anonymous_release_seconds`` windows (aligned to the epoch, on the
    database's clock) in ``aerie_relay_held``; see ``release_due``.
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
    ) -> None:
        self.database_url = database_url
        self.signature = signature
        self.sources = {source.name: source for source in sources}
        self.bootstrap = bootstrap
        self.topics_of = topics
        self.partitions = partitions
        self.group = group
        self.release_seconds = anonymous_release_seconds
        self.batch_size = 5000
        self._owing = set(self._holding())  # sources that may owe the broker released events
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdminClient | None = None
        self._db: psycopg.Connection[Any] | None = None
        self._last_reset_check = 0.0

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
                    self.release_due()
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
        owed = self._owed_numbers(source) if name in self._owing else {}
        if not owed:
            self._owing.discard(name)
            if batch.position == position:
                return 0
        converted = source.convert(batch.rows) if batch.rows else Converted([])
        ready, parked = self._hold_back(source, converted.messages, position, batch.position)
        sending = Sending(ready, converted.quarantined, parked, batch.position)
        sent = self._send(source, sending, owed)
        return sent or int(batch.position != position)

    def catch_up(self) -> int:
        """Send everything committed so far and release what is due (used by tools and tests)."""
        total = 0
        self.check_broker(force=True)
        while True:
            self.release_due()
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

    # -- holding back anonymous events ----------------------------------------

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
        holding = self._holding()
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
                self._owing.add(name)
            with conn.cursor() as cur:
                cur.executemany(
                    f"UPDATE {HELD_TABLE} SET partition = %s, seq = %s "
                    "WHERE source = %s AND position = %s",
                    numbered,
                )
        if numbered:
            log.info("released %d held events", len(numbered))
        return len(numbered)

    def _holding(self) -> list[str]:
        return [name for name, source in self.sources.items() if source.table is not None]

    def _last_numbers(self, conn: psycopg.Connection[Any], name: str) -> dict[int, int]:
        """Per partition, the last number given: sent, or owed to a released event."""
        last = self._partition_seqs(self.sources[name].topic)
        for partition, seq in conn.execute(
            f"SELECT partition, max(seq) FROM {HELD_TABLE} WHERE source = %s "
            "AND seq IS NOT NULL GROUP BY partition",
            (name,),
        ):
            last[partition] = max(last.get(partition, 0), seq)
        return last

    def _hold_back(
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

    def _park(self, conn: psycopg.Connection[Any], source: str, parked: list[Parked]) -> None:
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

    def _owed_numbers(self, source: Source) -> dict[tuple[int, int], int]:
        """``(partition, seq) -> position`` of released events the broker has not acknowledged."""
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
        return {(int(p), int(s)): int(position) for p, s, position in rows}

    def _released(self, source: Source, positions: list[int]) -> dict[int, Outgoing]:
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

    # -- sending --------------------------------------------------------------

    def _numbered(
        self,
        messages: list[Outgoing],
        seqs: dict[int, int],
        owed: dict[tuple[int, int], int],
    ) -> list[tuple[int, int, Outgoing | int]]:
        """Number each message in its partition; an owed number goes to its released event.

        ``owed`` maps ``(partition, seq)`` to the position of the released event
        that has that number; the numbers given here are taken out of it.
        """
        numbered: list[tuple[int, int, Outgoing | int]] = []

        def give_owed(partition: int) -> None:
            while (partition, seqs.get(partition, 0) + 1) in owed:
                seq = seqs[partition] = seqs.get(partition, 0) + 1
                numbered.append((partition, seq, owed.pop((partition, seq))))

        for message in messages:
            partition = partition_of(message.key, self.partitions)
            give_owed(partition)
            seq = seqs[partition] = seqs.get(partition, 0) + 1
            numbered.append((partition, seq, message))
        for partition in sorted({p for p, _ in owed}):
            give_owed(partition)
        return numbered

    def _send(self, source: Source, sending: Sending, owed: dict[tuple[int, int], int]) -> int:
        """Send, await every acknowledgement, then save numbering, parked events and position.

        Returns how many messages went out.
        """
        topic = source.topic
        seqs = self._partition_seqs(topic)
        numbered = self._numbered(sending.messages, seqs, owed)
        released = self._released(source, [m for _, _, m in numbered if isinstance(m, int)])
        offsets: dict[int, int] = {}
        futures = []
        producer = self._get_producer()
        for partition, seq, item in numbered:
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
                self._park(conn, source.name, sending.parked)
            conn.execute(
                "INSERT INTO aerie_relay_position (source, position) VALUES (%s, %s) "
                "ON CONFLICT (source) DO UPDATE SET position = excluded.position",
                (source.name, sending.position),
            )
        if not owed:
            self._owing.discard(source.name)
        return len(numbered)

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
        self.ensure_topics()

    def ensure_topics(self) -> None:
        ensure_topics(self.bootstrap, self.topics(), self.partitions)

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
        self._get_admin().create_topics([NewTopic(self._epoch_topic(epoch), 1, 1)])
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
        """Start every source over; remember how far each had got (see ``release_due``).

        Held events stay held: a released one is sent again under its number,
        one still waiting goes out at the end of its window, not before.
        """
        conn.execute("DELETE FROM aerie_relay_partition WHERE topic = ANY(%s)", (self.topics(),))
        conn.execute(
            "UPDATE aerie_relay_position SET resend_until = greatest(resend_until, position), "
            "position = 0 WHERE source = ANY(%s)",
            (list(self.sources),),
        )
        self._owing.update(self._holding())

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
            )
        return self._producer

    def _drop_bookkeeping(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _get_admin(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap, client_id=f"aerie-relay-{self.group}"
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


def ensure_topics(bootstrap: str, topics: Sequence[str], partitions: int) -> None:
    """Create the topics that do not exist yet (each with ``partitions`` partitions)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="aerie-admin")
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(t, partitions, 1) for t in missing])
    finally:
        admin.close()
