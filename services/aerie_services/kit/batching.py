"""Decisions collected during a bulk load and saved many to a transaction.

``ContextApplication.batch()`` collects creations. A context whose commands
change long-lived aggregates (an agent's ladder record takes a KPI fact a
day) also collects decisions: inside a batch each decision loads its
aggregate once, acts on it in memory, and the changed aggregates are saved
together on exit, a chunk of at most ``SAVE_CHUNK`` events per transaction.
Outside a batch, ``decide`` is the usual load, act, save.

A chunk that loses a race (another writer appended first), or holds a retry
its aggregate no longer remembered, is dropped from memory and its commands
are decided again one by one, on fresh loads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from aerie_services.kit.base import (
    SAVE_CHUNK,
    Command,
    ContextApplication,
    Decision,
    Deferred,
    Outcome,
)
from aerie_services.kit.errors import CommandAlreadyRecorded


@dataclass
class DeferredDecision(Deferred):
    """A decision made in memory during a batch, answered when its aggregate is saved."""

    version: int = 0
    duplicate: bool = False


class BatchedDecisions(ContextApplication):
    """A context application whose decisions inside ``batch()`` are saved in chunks."""

    _pending: dict[UUID, Any] | None = None
    _decisions: list[DeferredDecision] | None = None

    @contextlib.contextmanager
    def batch(self) -> Iterator[list[Deferred]]:
        self._pending, self._decisions = {}, []
        try:
            with super().batch() as collected:
                yield collected
        finally:
            pending, decisions = self._pending, self._decisions
            self._pending, self._decisions = None, None
        self._save_decisions(pending, decisions)

    def find(self, aggregate_id: UUID) -> Any:
        if self._pending is not None and aggregate_id in self._pending:
            return self._pending[aggregate_id]
        return super().find(aggregate_id)

    def decide(
        self,
        aggregate_id: UUID,
        command: Command,
        act: Decision,
        admit: Callable[[Any], None] | None = None,
    ) -> Outcome:
        if self._pending is None or self._decisions is None:
            return super().decide(aggregate_id, command, act, admit)
        aggregate = self.find(aggregate_id)
        if admit is not None:
            admit(aggregate)
        if aggregate is not None:
            earlier = aggregate.outcome_of(command, self.context)
            if earlier is not None:
                return self._earlier(aggregate_id, earlier)
        try:
            changed = act(aggregate)
        except self.refusals:
            return self._answer_refusal(aggregate, command)
        self._pending[aggregate_id] = changed
        deferred = DeferredDecision(aggregate_id, command, act, version=changed.version)
        self._decisions.append(deferred)
        return deferred  # type: ignore[return-value]  # answered when the batch is saved

    def _earlier(self, aggregate_id: UUID, earlier: Outcome) -> Outcome:
        """A retry: answered at once if saved, else when its batch is."""
        for decision in self._decisions or []:
            if decision.aggregate_id == aggregate_id and decision.version == earlier.version:
                again = DeferredDecision(
                    aggregate_id, decision.command, decision.act, None, decision.version, True
                )
                self._decisions.append(again)  # type: ignore[union-attr]
                return again  # type: ignore[return-value]
        return self._with_position(earlier)

    def _save_decisions(
        self, pending: dict[UUID, Any] | None, decisions: list[DeferredDecision] | None
    ) -> None:
        if not pending or not decisions:
            return
        chunks: list[list[Any]] = [[]]
        size = 0
        for aggregate in pending.values():
            events = len(aggregate.pending_events)
            if chunks[-1] and size + events > SAVE_CHUNK:
                chunks.append([])
                size = 0
            chunks[-1].append(aggregate)
            size += events
        for chunk in chunks:
            ids = {a.id for a in chunk}
            self._save_chunk(chunk, [d for d in decisions if d.aggregate_id in ids])

    def _save_chunk(self, chunk: list[Any], decisions: list[DeferredDecision]) -> None:
        try:
            recordings = self.save(*chunk)
        except (IntegrityError, CommandAlreadyRecorded):
            for aggregate in chunk:
                self._forget(aggregate.id)
            for decision in decisions:
                decision.outcome = super().decide(
                    decision.aggregate_id, decision.command, decision.act
                )
            return
        by_version = {
            (r.domain_event.originator_id, r.domain_event.originator_version): r for r in recordings
        }
        for decision in decisions:
            recording = by_version[(decision.aggregate_id, decision.version)]
            outcome = self._outcome_of(recording, decision.command)
            decision.outcome = Outcome(**{**outcome.__dict__, "duplicate": decision.duplicate})
