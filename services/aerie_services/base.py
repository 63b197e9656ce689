"""Building blocks shared by every bounded context.

A ``Command`` asks for one event; a context's ``Application`` loads the
aggregate it concerns, lets the aggregate decide (raising a named
``DomainError`` or recording the event) and saves. Commands are idempotent: an
aggregate remembers the id and digest of each command that changed it, so a
retried command returns the first outcome and stores nothing new.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from aerie_services.errors import CommandIdReused, Conflict

AERIE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:aerie")


def stable_id(*parts: str) -> UUID:
    """A deterministic aggregate id from natural keys (e.g. ``"employee", "A-1001"``)."""
    return uuid5(AERIE_NAMESPACE, ":".join(parts))


def event_id_of(aggregate_id: UUID, version: int) -> UUID:
    """The envelope's ``event_id``: stable across relays and replays."""
    return uuid5(aggregate_id, str(version))


@dataclass(frozen=True)
class Command:
    """A request to record one event of ``kind`` (a catalog type name)."""

    kind: str
    command_id: str
    employee_id: str | None
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

    def meta(self, *, site_id: str | None, policy_version: str | None = None) -> dict[str, Any]:
        """The envelope facts stored with the event this command records."""
        return {
            "type": self.kind,
            "command_id": self.command_id,
            "digest": self.digest,
            "occurred_at": self.occurred_at,
            "site_id": site_id,
            "employee_id": self.employee_id,
            "actor": self.actor,
            "source": self.source,
            "correlation_id": self.correlation_id or self.command_id,
            "causation_id": self.causation_id,
            "policy_version": policy_version,
        }


def utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


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
    """Base aggregate: remembers which command produced each of its events."""

    def remember(self, meta: dict[str, Any], event_type: str, version: int) -> None:
        commands = self.__dict__.setdefault("commands", {})
        commands[meta["command_id"]] = (meta["digest"], event_type, version)

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


A = TypeVar("A", bound=AerieAggregate)
SAVE_CHUNK = 1000
Decision = Callable[[Any], AerieAggregate]


class ContextApplication(Application):
    """One bounded context's application: its event store table is ``<name>_events``."""

    context: ClassVar[str]
    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "20000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }

    def save(self, *aggregates: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Append the pending events of ``aggregates``, atomically; return their recordings.

        The library's ``save`` also takes bare events and tells them apart with
        ``isinstance`` against runtime protocols, which costs about 15 µs per
        object on Python 3.11; Aerie only ever saves aggregates.
        """
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    def find(self, aggregate_id: UUID) -> Any:
        """The aggregate with that id, or ``None``."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def decide(self, aggregate_id: UUID, command: Command, act: Decision) -> Outcome:
        """Load, let ``act`` decide (it returns the changed or new aggregate), save.

        ``act`` receives ``None`` when the aggregate does not exist yet. On a
        concurrent write to the same aggregate the whole decision is retried.
        """
        for _attempt in range(8):
            aggregate = self.find(aggregate_id)
            if aggregate is not None:
                earlier = aggregate.outcome_of(command, self.context)
                if earlier is not None:
                    return self._with_position(earlier)
            changed = act(aggregate)
            try:
                recordings = self.save(changed)
            except IntegrityError:
                self._forget(aggregate_id)
                continue
            return self._outcome_of(recordings[-1], command)
        raise Conflict()

    def _forget(self, aggregate_id: UUID) -> None:
        """Drop a cached aggregate that lost a race, so the retry reads the store."""
        if self.repository.cache is not None:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(aggregate_id, evict=True)

    def create(self, aggregate_id: UUID, command: Command, act: Decision) -> Outcome:
        """Record a creation without reading first; a clash falls back to ``decide``.

        Creation ids come from natural keys, so a retry or a second creation
        clashes on the store's unique key and is then answered by ``decide``.
        """
        try:
            recordings = self.save(act(None))
        except IntegrityError:
            return self.decide(aggregate_id, command, act)
        return self._outcome_of(recordings[-1], command)

    def create_many(self, decisions: Sequence[tuple[UUID, Command, Decision]]) -> list[Outcome]:
        """Record many creations, ``SAVE_CHUNK`` per transaction; fall back one by one on a clash."""
        outcomes: list[Outcome] = []
        for start in range(0, len(decisions), SAVE_CHUNK):
            outcomes += self._create_chunk(decisions[start : start + SAVE_CHUNK])
        return outcomes

    def _create_chunk(self, decisions: Sequence[tuple[UUID, Command, Decision]]) -> list[Outcome]:
        try:
            created = [act(None) for _id, _command, act in decisions]
            recordings = self.save(*created)
        except IntegrityError:
            return [self.decide(*decision) for decision in decisions]
        by_id = {r.domain_event.originator_id: r for r in recordings}
        return [self._outcome_of(by_id[agg_id], cmd) for agg_id, cmd, _act in decisions]

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
