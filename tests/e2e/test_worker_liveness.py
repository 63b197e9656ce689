"""A worker whose projection blocks while the relay has more stops its heartbeat, and says why.

Its supervisor (``aerie run``, ``heartbeats.WorkerHeartbeats``) restarts a
worker whose heartbeat is older than ``AERIE_WORKER_LIVENESS_SECONDS``; here
the projection is blocked by a lock held on its tracking rows, so the worker
cannot make progress whatever it does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aerie_projections.liveness import alive, heartbeat_path

from tests.conftest import Platform, hire, new_id, relay_and_worker, wait_until
from tests.e2e.test_worker_restart import behind, pass_training

pytestmark = pytest.mark.slow

STUCK_SECONDS = 5
WAIT = 120  # seconds: generous, for a loaded machine


@pytest.fixture(scope="module")
def platform(database_url: str, broker: Any, workdir: Path) -> Iterator[Platform]:
    yield from relay_and_worker(
        database_url, broker, workdir, "liveness", AERIE_WORKER_STUCK_SECONDS=str(STUCK_SECONDS)
    )


def test_a_blocked_projection_stops_the_heartbeat_until_it_moves_again(
    platform: Platform, side: Any
) -> None:
    heartbeat = heartbeat_path(Path(platform.env["AERIE_HOME"]), "worker")
    staff = [new_id("LV") for _ in range(3)]
    for employee in staff:
        hire(side.bus, employee)
        pass_training(side.bus, employee)  # the tracking rows of the learning topic exist
    wait_until(lambda: heartbeat.exists() and not behind(platform), WAIT, "not projected")

    with psycopg.connect(platform.database_url) as blocker:
        blocker.execute(  # the profile projection cannot lock its tracking rows
            "SELECT 1 FROM aerie_projection_tracking WHERE projection = 'profile' FOR UPDATE"
        )
        for employee in staff:
            pass_training(side.bus, employee)
        started = time.time()
        wait_until(
            lambda: not alive(heartbeat, started, limit=STUCK_SECONDS + 5),
            WAIT,
            "the heartbeat went on while the worker made no progress",
        )
        log = (platform.logs / "worker.log").read_text()
        assert f"no progress for {STUCK_SECONDS} s while the relay has more" in log
        assert "profile on" in log and "the supervisor restarts this worker" in log
        blocker.rollback()

    wait_until(lambda: not behind(platform), WAIT, "the worker did not go on once unblocked")
    moved_on = time.time()
    wait_until(
        lambda: heartbeat.stat().st_mtime > moved_on, WAIT, "no heartbeat once it moved again"
    )
