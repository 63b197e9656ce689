"""Running a process manager: its batches, its timers, the commands it sends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from aerie_events.envelope import Envelope
from aerie_events.signing import RelaySignature

from aerie_projections.kit import TIMERS_TABLE, unnest
from aerie_projections.manager import CancelTimer, CommandRequest, DueTimer, ProcessManager
from aerie_projections.tracking import TrackedProjection

log = logging.getLogger("aerie.manager")

Sender = Callable[[ProcessManager, CommandRequest], Any]
"""Records one command through the command path (synchronous; run in a thread)."""


class ManagedProjection(TrackedProjection):
    """A tracked projection whose batches also set timers and send commands.

    Commands are sent before the batch commits: if the commit fails, the
    batch comes again and the same command ids are answered as duplicates.
    """

    def __init__(
        self,
        manager: ProcessManager,
        database_url: str,
        schema: str,
        sender: Sender,
        signature: RelaySignature,
    ) -> None:
        super().__init__(manager, database_url, schema, signature)
        self.manager = manager
        self.sender = sender
        self._clock: psycopg.AsyncConnection[Any] | None = None

    async def _run(self, conn: psycopg.AsyncConnection[Any], envelopes: list[Envelope]) -> None:
        await super()._run(conn, envelopes)
        if not envelopes:
            return
        await self._set_timers(conn, self.manager.timers(envelopes))
        for request in self.manager.commands(envelopes):
            await self._send(request)

    async def _set_timers(self, conn: psycopg.AsyncConnection[Any], changes: list[Any]) -> None:
        """Set and cancel the batch's timers: one statement for each, whatever their number.

        The last change of a key wins (a timer set then cancelled in one batch is cancelled).
        """
        last: dict[str, Any] = {change.key: change for change in changes}
        cancels = sorted(k for k, c in last.items() if isinstance(c, CancelTimer))
        sets = [last[k] for k in sorted(last) if not isinstance(last[k], CancelTimer)]
        if cancels:
            await conn.execute(
                f"UPDATE {TIMERS_TABLE} SET cancelled = true WHERE manager = %s "
                "AND timer_key = ANY(%s) AND fired_at IS NULL",
                (self.manager.name, cancels),
            )
        sooner = [t for t in sets if not t.replace and t.earlier]
        if sooner:
            source, params = unnest(
                [("timer_key", "text"), ("due_at", "timestamptz"), ("cause", "uuid")],
                [[t.key, t.due_at, t.cause] for t in sooner],
            )
            await conn.execute(
                f"UPDATE {TIMERS_TABLE} t SET due_at = u.due_at, cause = u.cause "
                f"FROM {source} WHERE t.manager = %s AND t.timer_key = u.timer_key "
                "AND t.fired_at IS NULL AND NOT t.cancelled AND u.due_at < t.due_at",
                (*params, self.manager.name),
            )
        for replace in (True, False):
            chosen = [t for t in sets if t.replace is replace]
            if not chosen:
                continue
            source, params = unnest(
                [
                    ("timer_key", "text"),
                    ("due_at", "timestamptz"),
                    ("data", "jsonb"),
                    ("cause", "uuid"),
                ],
                [[t.key, t.due_at, t.data, t.cause] for t in chosen],
            )
            conflict = (
                "DO UPDATE SET due_at = excluded.due_at, data = excluded.data, "
                "cause = excluded.cause, cancelled = false WHERE aerie_timers.fired_at IS NULL"
                if replace
                else "DO NOTHING"
            )
            await conn.execute(
                f"INSERT INTO {TIMERS_TABLE} (manager, timer_key, due_at, data, cause) "
                f"SELECT %s, timer_key, due_at, data, cause FROM {source} "
                f"ON CONFLICT (manager, timer_key) {conflict}",
                (self.manager.name, *params),
            )

    async def _send(self, request: CommandRequest) -> None:
        try:
            await asyncio.to_thread(self.sender, self.manager, request)
        except Exception as error:
            code = getattr(error, "code", None)
            if code is None:
                raise
            log.warning(
                "%s: command %s refused: %s %s",
                self.manager.name,
                request.command_id,
                code,
                getattr(error, "message", ""),
            )

    def forget_clock(self) -> None:
        """Drop the timers' connection after an error: the next firing opens a new one."""
        self._clock = None

    async def deliver_due(self) -> int:
        """Let the manager deliver its pending side effects (see ``ProcessManager.deliver``)."""
        if self._clock is None or self._clock.closed:
            self._clock = await psycopg.AsyncConnection.connect(self.database_url)
        return await self.manager.deliver(self._clock, self.quoted)

    async def fire_due(self, limit: int = 100) -> int:
        """Fire the timers that are due now, each once; return how many fired."""
        if self._clock is None or self._clock.closed:
            self._clock = await psycopg.AsyncConnection.connect(self.database_url)
        conn = self._clock
        async with conn.transaction():
            cur = await conn.execute(
                f"SELECT timer_key, due_at, cause, data FROM {TIMERS_TABLE} WHERE manager = %s "
                "AND fired_at IS NULL AND NOT cancelled AND due_at <= now() ORDER BY due_at "
                "LIMIT %s FOR UPDATE SKIP LOCKED",
                (self.manager.name, limit),
            )
            due = [DueTimer(k, at, cause, data) for k, at, cause, data in await cur.fetchall()]
            for timer in due:
                for request in await self.manager.on_timer(conn, self.quoted, timer):
                    await self._send(request)
                await conn.execute(
                    f"UPDATE {TIMERS_TABLE} SET fired_at = now() WHERE manager = %s "
                    "AND timer_key = %s",
                    (self.manager.name, timer.key),
                )
        return len(due)
