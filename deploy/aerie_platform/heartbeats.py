"""The supervisor's view of its workers' heartbeats: which one stopped making progress.

``aerie run`` calls ``started(name)`` when it starts a part and, in its loop,
``stale(name)`` for each running one: a worker whose heartbeat
(``aerie_projections.liveness``) is older than the limit is killed, and the
loop's usual restart of an exited part starts it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from aerie_projections.liveness import alive, heartbeat_path, worker_label

__all__ = ["WorkerHeartbeats", "worker_label"]


@dataclass
class WorkerHeartbeats:
    """Heartbeats of the workers ``labels`` names (part name -> the worker's label)."""

    home: Path
    limit: float
    labels: dict[str, str]
    since: dict[str, float] = field(default_factory=dict)

    def started(self, name: str) -> None:
        """Note that part ``name`` was (re)started now: it has ``limit`` to write a heartbeat."""
        self.since[name] = time.time()

    def stale(self, name: str) -> bool:
        """True when ``name`` is a worker that wrote no heartbeat for ``limit`` seconds."""
        label = self.labels.get(name)
        if label is None or name not in self.since:
            return False
        return not alive(heartbeat_path(self.home, label), self.since[name], limit=self.limit)
