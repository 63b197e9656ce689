"""Building blocks shared by every bounded context.

A ``Command`` asks for one event; a context's ``Application`` loads the
aggregate it concerns, lets the aggregate decide (raising a named
``DomainError`` or recording the event) and saves. Commands are idempotent: an
aggregate remembers the id and digest of each command that changed it, so a
retried command returns the first outcome and stores nothing new.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from aerie_events.catalog import CATALOG, EventType
from aerie_events.codec import seal_payload
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    Mapper,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import get_topic, resolve_topic
from psycopg.sql import SQL, Identifier

from aerie_services.kit.errors import (
    CommandAlreadyRecorded,
    CommandIdReused,
    Conflict,
    DomainError,
    NotOneself,
)

AERIE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:aerie")
log = logging.getLogger("aerie.write")


def stable_id(*parts: str) -> UUID:
    """A deterministic aggregate id from natural keys (e.g. ``"employee", "A-1001"``)."""
    return uuid5(AERIE_NAMESPACE, ":".join(parts))


def event_id_of(aggregate_id: UUID, version: int) -> UUID:
    """The envelope's ``event_id``: stable across relays and replays.

    ``uuid5(aggregate_id, str(version))``, computed without its intermediate objects.
    """
    digest = hashlib.sha1(aggregate_id.bytes + str(version).encode()).digest()
    return UUID(bytes=digest[:16], version=5)


@dataclass(frozen=True)
class Command:
    """A request to record one event of ``kind`` (a catalog type name)."""

    kind: str
    command_id: str
    employee_id: str | None
    """The employee the command is about; None for a kind that names none."""
    data: dict[str, Any]
    occurred_at: str
    actor: dict[str, str] = field(default_factory=lambda: {"kind": "system", "id": "aerie"})
    source: dict[str, str] = field(default_factory=lambda: {"system": "aerie"})
    correlation_id: str | None = None
    causation_id: str | None = None
    site_id: str | None = None  # named by the command only when it decides the site (a hire)

    @property
    def digest(self) -> str:
        """A fingerprint of what the command asks, to tell a retry from a reused id."""
        body = [self.kind, self.employee_id, self.site_id, self.data]
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()

    def meta(
        self,
        *,
        site_id: str | None,
        policy_version: str | None = None,
        key_id: str | None = None,
        employee_id: str | None = None,
    ) -> dict[str, Any]:
        """The envelope facts stored with the event this command records.

        ``employee_id`` names the event's subject when the command itself
        names none (a reply is about the issue's author); ``key_id`` names
        whose key seals the event's personal fields: the subject employee
        unless the caller names another (an anonymous issue).
        """
        subject = employee_id or self.employee_id
        return {
            "type": self.kind,
            "schema_version": CATALOG[self.kind].schema_version,
            "command_id": self.command_id,
            "digest": self.digest,
            "occurred_at": self.occurred_at,
            "site_id": site_id,
            "employee_id": subject,
            "key_id": key_id or subject,
            "actor": self.actor,
            "source": self.source,
            "correlation_id": self.correlation_id or self.command_id,
            "causation_id": self.causation_id,
            "policy_version": policy_version,
        }


def require_oneself(command: Command, what: str) -> None:
    """Refuse a person recording ``what`` in someone else's name (raising an issue, answering
    a survey). The platform's own loaders (system actors) record history for people."""
    if command.actor.get("kind") == "person" and command.actor.get("id") != command.employee_id:
        raise NotOneself(what)


def utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def to_the_hour(moment: str) -> str:
    """An ISO time, in UTC, with minutes and seconds dropped (an anonymous event's times)."""
    instant = dt.datetime.fromisoformat(moment).astimezone(dt.UTC)
    return instant.replace(minute=0, second=0, microsecond=0).isoformat()


@dataclass(frozen=True)
class Outcome:
    """What a command did: the event it recorded (or had recorded, on a retry)."""

    event_id: UUID
    event_type: str
    aggregate_id: UUID
    version: int
    context: str
    position: int | None
    duplicate: bool = False


class AerieAggregate(Aggregate):
    """Base aggregate: remembers which command produced each of its events.

    ``commands_kept`` bounds that memory to the latest commands (``None``: all of
    them), for an aggregate whose life is long (an agent's ladder takes a fact a
    day): an older retry is then answered from the command's registration
    platform-wide, by the append (``CommandAlreadyRecorded``) or when the
    aggregate's rules refuse the retry's effect. ``shared_entries`` names
    the dicts whose values are never changed in place (only set or deleted): a copy
    of the aggregate (the cache gives each decision one) copies those dicts, not
    their values.
    """

    commands_kept: ClassVar[int | None] = None
    shared_entries: ClassVar[frozenset[str]] = frozenset({"commands"})

    def remember(self, meta: dict[str, Any], event_type: str, version: int) -> None:
        commands = self.__dict__.setdefault("commands", {})
        commands[meta["command_id"]] = (meta["digest"], event_type, version)
        kept = type(self).commands_kept
        while kept is not None and len(commands) > kept:
            del commands[next(iter(commands))]  # the oldest: dicts keep their order
            self.__dict__["commands_forgotten"] = True

    @property
    def forgot_commands(self) -> bool:
        """True once the aggregate no longer remembers every command that changed it."""
        return bool(self.__dict__.get("commands_forgotten"))

    def snapshot_state(self) -> dict[str, Any]:
        """The aggregate as data the transcoder stores (``AerieSnapshot``); a subclass with
        values it cannot store (dates, sets, dataclasses) converts them and back."""
        state = {k: v for k, v in vars(self).items() if k not in _NOT_IN_SNAPSHOTS}
        state["commands"] = [[c, *seen] for c, seen in state.get("commands", {}).items()]
        return state

    @classmethod
    def from_snapshot_state(cls, aggregate_id: UUID, version: int, state: dict[str, Any]) -> Any:
        """The aggregate ``snapshot_state`` gave, at ``version``."""
        restored = object.__new__(cls)
        restored.__dict__.update(state, _id=aggregate_id, _version=version, _pending_events=[])
        restored.__dict__["commands"] = {
            c: (digest, kind, at) for c, digest, kind, at in state.get("commands", [])
        }
        return restored

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        shared = type(self).shared_entries
        for name, value in self.__dict__.items():
            copied = dict(value) if name in shared else copy.deepcopy(value, memo)
            clone.__dict__[name] = copied
        return clone

    def outcome_of(self, command: Command, context: str) -> Outcome | None:
        """The earlier outcome of ``command`` if it already changed this aggregate."""
        seen = self.__dict__.get("commands", {}).get(command.command_id)
        if seen is None:
            return None
        digest, event_type, version = seen
        if digest != command.digest:
            raise CommandIdReused(command.command_id)
        return Outcome(
            event_id_of(self.id, version), event_type, self.id, version, context, None, True
        )


_NOT_IN_SNAPSHOTS = frozenset({"_id", "_version", "_pending_events"})


class AerieSnapshot(Snapshot):
    """An aggregate's state at one version, as its ``snapshot_state`` gives it, in the
    library's snapshot store (``ContextApplication.snapshot_every`` says how often)."""

    @classmethod
    def take(cls, aggregate: Any) -> AerieSnapshot:
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=cls.create_timestamp(),
            topic=get_topic(type(aggregate)),
            state=aggregate.snapshot_state(),
        )

    def mutate(self, _: None) -> Any:
        aggregate_class = resolve_topic(self.topic)
        return aggregate_class.from_snapshot_state(
            self.originator_id, self.originator_version, self.state
        )


SAVE_CHUNK = 1000
Decision = Callable[[Any], AerieAggregate]
"""Receives the aggregate (``None`` when it does not exist yet) and returns it changed or new."""


class SubjectKeys(Protocol):
    """What the write side needs of the key ring: the keys of subjects, created if missing."""

    def ensure(self, key_ids: Sequence[str]) -> Mapping[str, bytes]: ...


class SealingMapper(Mapper[UUID]):
    """The library's mapper, sealing each catalog event's personal fields first.

    Personal fields (as the catalog marks them) are encrypted with the key of
    the event's ``key_id`` subject; destroying that key later erases them
    everywhere they are decoded, without rewriting the store. Aggregates
    never read personal fields, so events loaded back keep them sealed.
    """

    def __init__(self, transcoder: Any, keys: SubjectKeys) -> None:
        super().__init__(transcoder=transcoder)
        self.keys = keys

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        sealed = self._sealed(domain_event)
        return super().to_stored_event(sealed)

    def _sealed(self, domain_event: Any) -> Any:
        meta = getattr(domain_event, "meta", None)
        payload = getattr(domain_event, "payload", None)
        if not isinstance(meta, dict) or not isinstance(payload, dict):
            return domain_event
        event_type = CATALOG.get(meta.get("type", ""))
        key_id = meta.get("key_id")
        if event_type is None or key_id is None or not personal_values(event_type, payload):
            return domain_event
        key = self.keys.ensure([key_id])[key_id]
        clone = copy.copy(domain_event)
        object.__setattr__(
            clone, "payload", seal_payload(event_type, payload, key_id=key_id, key=key)
        )
        return clone


def personal_values(event_type: EventType, payload: Mapping[str, Any]) -> bool:
    """True when the payload holds a value in a field the catalog marks personal."""
    return any(
        spec.personal and payload.get(name) is not None for name, spec in event_type.fields.items()
    )


@dataclass
class Deferred:
    """A creation collected during a batch, answered when the batch is saved."""

    aggregate_id: UUID
    command: Command
    act: Decision
    outcome: Outcome | None = None


class ContextApplication(Application[UUID]):
    """One bounded context's application; its event store table is ``<context>_events``.

    The context's name is given at construction (from its registry entry), so
    renaming a class can never point it at a new, empty table. All contexts of
    a process share one connection pool (``factory``) and one key ring.
    """

    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "20000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }
    snapshot_every: int | None = None
    """Keep an aggregate's state as a snapshot each time a save takes it past a multiple of
    this many versions (``None``: never), so reading it afresh reads fewer events than this."""
    refusals: tuple[type[BaseException], ...] = (DomainError,)
    """What a decision raises before it changes anything: no reason to drop the cached aggregate."""

    def __init__(
        self,
        context: str,
        *,
        env: Mapping[str, str],
        factory: Callable[[Any], InfrastructureFactory[Any]],
        keys: SubjectKeys,
    ) -> None:
        self.name = context
        self._factory_for = factory
        self.keys = keys
        self._batch: list[Deferred] | None = None
        super().__init__(env=dict(env))

    @property
    def context(self) -> str:
        return self.name

    def construct_factory(self, env: Any) -> InfrastructureFactory[Any]:
        return self._factory_for(env)

    def construct_mapper(self) -> Mapper[UUID]:
        return SealingMapper(self.construct_transcoder(), self.keys)

    def save(self, *aggregates: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Append the pending events of ``aggregates`` (or events given as such) atomically.

        The subjects' keys are ensured in one round trip for the whole save,
        so a bulk load does not fetch them one event at a time.
        """
        key_ids = sorted(
            {
                event.meta["key_id"]
                for given in aggregates
                for event in getattr(given, "pending_events", [given])
                if _needs_key(event)
            }
        )
        if key_ids:
            self.keys.ensure(key_ids)
        crossing = [a for a in aggregates if self._snapshot_due(a)]
        recordings = super().save(*aggregates, **kwargs)
        if crossing:
            self._keep_snapshots(crossing)
        return recordings

    def _snapshot_due(self, given: Any) -> bool:
        """True when saving ``given`` takes it past a multiple of ``snapshot_every``."""
        pending = len(getattr(given, "pending_events", ()))
        if not self.snapshot_every or not pending or not isinstance(given, AerieAggregate):
            return False
        return (
            given.version // self.snapshot_every > (given.version - pending) // self.snapshot_every
        )

    def _keep_snapshots(self, aggregates: Sequence[AerieAggregate]) -> None:
        """Snapshot the saved aggregates as they are in memory (just stored: no read back), and
        drop their older snapshots (only the latest is read). A snapshot that cannot be stored
        is only a slower read later: the events are recorded."""
        if self.snapshots is None:
            return
        recorder: Any = self.snapshots.recorder
        statement = SQL(
            "DELETE FROM {schema}.{table} AS s USING unnest(%s::uuid[], %s::int[]) AS k(id, v) "
            "WHERE s.originator_id = k.id AND s.originator_version < k.v"
        ).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
        )
        try:
            self.snapshots.put([AerieSnapshot.take(a) for a in aggregates])
            with recorder.datastore.transaction(commit=True) as cursor:
                cursor.execute(
                    statement, ([a.id for a in aggregates], [a.version for a in aggregates])
                )
        except Exception as error:  # its class only: a database's words may quote values
            log.warning("snapshots of %s not kept (%s)", self.context, type(error).__name__)

    def find(self, aggregate_id: UUID) -> Any:
        """The aggregate with that id, or ``None``."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def decide(
        self,
        aggregate_id: UUID,
        command: Command,
        act: Decision,
        admit: Callable[[Any], None] | None = None,
    ) -> Outcome:
        """Load, let ``act`` decide, save. On a concurrent write the decision is retried.

        A refusal ``act`` raises (one of ``refusals``) comes before it changes
        anything. Any other failure once ``act`` has started (a save refused for
        a reused command id, a lost connection) may leave the aggregate ahead of
        the store: it is dropped from the cache, so the next decision reads the
        store, even in an application that decides on its cached aggregates
        themselves (``DEEPCOPY_FROM_AGGREGATE_CACHE=n``).

        ``admit`` (given the aggregate, or None) may refuse the caller before
        anything else is looked at, a retry's earlier outcome included: a caller
        it refuses learns nothing of the aggregate, not even that a command of
        that id changed it.
        """
        for _attempt in range(8):
            aggregate = self.find(aggregate_id)
            if admit is not None:
                admit(aggregate)
            if aggregate is not None:
                earlier = aggregate.outcome_of(command, self.context)
                if earlier is not None:
                    return self._with_position(earlier)
            try:
                changed = act(aggregate)
            except self.refusals:
                return self._answer_refusal(aggregate, command)
            except BaseException:
                self._forget(aggregate_id)
                raise
            try:
                recordings = self.save(changed)
            except IntegrityError:
                self._forget(aggregate_id)
                continue
            except CommandAlreadyRecorded:
                self._forget(aggregate_id)
                return self._recorded_before(command)
            except BaseException:
                self._forget(aggregate_id)
                raise
            return self._outcome_of(recordings[-1], command)
        raise Conflict()

    def _answer_refusal(self, aggregate: Any, command: Command) -> Outcome:
        """Called while a decision's refusal is handled: the first outcome of the command if
        it is a retry of one the aggregate forgot (refused for its own effect), else the
        refusal raised again."""
        if aggregate is not None and aggregate.forgot_commands:
            recorder: Any = self.recorder
            found = recorder.recorded_command(command.command_id)
            if found is not None and found[1] == aggregate.id:
                return self._recorded_before(command, found)
        raise  # the refusal being handled

    def _recorded_before(self, command: Command, found: Any = None) -> Outcome:
        """The first outcome of ``command``, from the platform's register of command ids."""
        recorder: Any = self.recorder
        found = found or recorder.recorded_command(command.command_id)
        if found is None or found[0] != command.digest:  # another context's, or other content
            raise CommandIdReused(command.command_id)
        _digest, aggregate_id, version, position = found
        return Outcome(
            event_id_of(aggregate_id, version),
            command.kind,
            aggregate_id,
            version,
            self.context,
            position,
            True,
        )

    def create(self, aggregate_id: UUID, command: Command, act: Decision) -> Outcome:
        """Record a creation without reading first; a clash falls back to ``decide``.

        Creation ids come from natural keys, so a retry or a second creation
        clashes on the store's unique key and is then answered by ``decide``.
        Inside ``batch()`` the creation is collected and saved with the others.
        """
        if self._batch is not None:
            deferred = Deferred(aggregate_id, command, act)
            self._batch.append(deferred)
            return deferred  # type: ignore[return-value]  # answered when the batch is saved
        try:
            recordings = self.save(act(None))
        except IntegrityError:
            return self.decide(aggregate_id, command, act)
        except CommandAlreadyRecorded:
            return self._recorded_before(command)
        return self._outcome_of(recordings[-1], command)

    @contextlib.contextmanager
    def batch(self) -> Iterator[list[Deferred]]:
        """Collect the creations made inside; save them ``SAVE_CHUNK`` per transaction on exit."""
        collected: list[Deferred] = []
        self._batch = collected
        try:
            yield collected
        finally:
            self._batch = None
        for start in range(0, len(collected), SAVE_CHUNK):
            self._create_chunk(collected[start : start + SAVE_CHUNK])

    def _create_chunk(self, chunk: Sequence[Deferred]) -> None:
        try:
            recordings = self.save(*[item.act(None) for item in chunk])
        except (IntegrityError, CommandAlreadyRecorded):
            for item in chunk:
                item.outcome = self.decide(item.aggregate_id, item.command, item.act)
            return
        by_id = {r.domain_event.originator_id: r for r in recordings}
        for item in chunk:
            item.outcome = self._outcome_of(by_id[item.aggregate_id], item.command)

    def _forget(self, aggregate_id: UUID) -> None:
        """Drop a cached aggregate that lost a race or failed to save, so the next read is the store's."""
        if self.repository.cache is not None:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(aggregate_id, evict=True)

    def _outcome_of(self, recording: Any, command: Command) -> Outcome:
        event = recording.domain_event
        return Outcome(
            event_id_of(event.originator_id, event.originator_version),
            command.kind,
            event.originator_id,
            event.originator_version,
            self.context,
            recording.notification.id,
        )

    def _with_position(self, outcome: Outcome) -> Outcome:
        recorder: Any = self.recorder
        table = recorder.events_table_name
        with recorder.datastore.get_connection() as conn:
            row = conn.execute(
                f"SELECT notification_id FROM {table} "
                "WHERE originator_id = %s AND originator_version = %s",
                (outcome.aggregate_id, outcome.version),
            ).fetchone()
        position = row["notification_id"] if row else None
        return Outcome(**{**outcome.__dict__, "position": position})


def _needs_key(event: Any) -> bool:
    meta = getattr(event, "meta", None)
    payload = getattr(event, "payload", None)
    if not isinstance(meta, dict) or not isinstance(payload, dict) or not meta.get("key_id"):
        return False
    event_type = CATALOG.get(meta.get("type", ""))
    return event_type is not None and personal_values(event_type, payload)
