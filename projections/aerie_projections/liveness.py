"""Whether a worker makes progress: the heartbeat it writes and the check its supervisor reads.

A worker writes its heartbeat file (``heartbeat_path``) at every watchdog tick
while it is well: no partition it owns has stayed behind the relay without
progress for ``stuck_seconds``. A worker whose projection blocks, whose
consumer stopped fetching, or whose event loop froze writes no more heartbeats;
its supervisor finds the file older than ``LIVENESS_SECONDS`` (``alive``) and
restarts it. Killing a worker loses nothing: a projection commits its rows
with its tracking rows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

STUCK_SECONDS = 60.0
"""How long a partition may stay behind the relay without progress before the worker is unwell."""
LIVENESS_SECONDS = 90.0
"""How old a heartbeat may be before the supervisor restarts the worker."""

PartitionKey = tuple[str, str, int]
"""``(projection, topic, partition)``."""


def worker_label(name: str, index: int) -> str:
    """Worker ``index`` among the workers called ``name``: ``name``, ``name-1``, ``name-2``, ..."""
    return name if index == 0 else f"{name}-{index}"


def heartbeat_path(home: Path, name: str) -> Path:
    """Where the worker called ``name`` (``worker``, ``worker-1``, ...) writes its heartbeat."""
    return home / "run" / f"{name}.alive"


def alive(
    path: Path, started: float, *, limit: float = LIVENESS_SECONDS, now: float | None = None
) -> bool:
    """True while the worker started at ``started`` (``time.time()``) wrote a heartbeat lately.

    Lately: within ``limit`` seconds; a worker is given ``limit`` from its start
    to write its first one (a heartbeat older than the start is a former run's).
    """
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        written = 0.0
    return (time.time() if now is None else now) - max(written, started) < limit


def write_heartbeat(path: Path) -> None:
    """Note that the worker is well, now (atomically: the supervisor never reads half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(f"{time.time():.3f}\n")
    os.replace(temporary, path)


@dataclass
class Progress:
    """Which partitions stay behind the relay without moving, and since when.

    ``note`` is given, at each tick, the partitions behind the relay with the
    number each projection needs next; a partition whose number moved (or that
    caught up) starts over.
    """

    stuck_seconds: float = STUCK_SECONDS
    since: dict[PartitionKey, tuple[int, float]] = field(default_factory=dict)

    def note(self, projection: str, behind: Iterable[tuple[str, int, int]], now: float) -> None:
        """``behind``: ``(topic, partition, needed)`` of ``projection``'s lagging partitions."""
        current = {(projection, t, p): needed for t, p, needed in behind}
        for key in [k for k in self.since if k[0] == projection and k not in current]:
            del self.since[key]
        for key, needed in current.items():
            previous = self.since.get(key)
            if previous is None or previous[0] != needed:
                self.since[key] = (needed, now)

    def unmoved(self, projection: str, topic: str, partition: int, now: float) -> float:
        """For how long the partition has stayed behind on the same number (0: not behind)."""
        noted = self.since.get((projection, topic, partition))
        return 0.0 if noted is None else now - noted[1]

    def stuck(self, now: float) -> list[PartitionKey]:
        """The partitions behind without progress for ``stuck_seconds`` or more."""
        return sorted(k for k, (_, at) in self.since.items() if now - at >= self.stuck_seconds)
