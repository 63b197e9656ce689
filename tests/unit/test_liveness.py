"""A worker's liveness: stuck partitions, the heartbeat's age, and the supervisor's reading of it."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from aerie_platform.heartbeats import WorkerHeartbeats
from aerie_projections.gaps import GapFiller
from aerie_projections.liveness import (
    Progress,
    alive,
    heartbeat_path,
    worker_label,
    write_heartbeat,
)
from aerie_projections.tracking import Gap


def test_a_partition_behind_on_the_same_number_is_stuck_after_the_limit() -> None:
    progress = Progress(stuck_seconds=60)
    progress.note("profile", [("aerie.voice", 0, 806)], now=0)
    progress.note("profile", [("aerie.voice", 0, 806)], now=59)
    assert progress.stuck(now=59) == []
    assert progress.stuck(now=60) == [("profile", "aerie.voice", 0)]
    assert progress.unmoved("profile", "aerie.voice", 0, now=61) == 61


def test_a_partition_that_moves_or_catches_up_starts_over() -> None:
    progress = Progress(stuck_seconds=60)
    progress.note("profile", [("aerie.voice", 0, 806), ("aerie.voice", 1, 5)], now=0)
    progress.note("audit", [("aerie.voice", 0, 700)], now=0)
    progress.note("profile", [("aerie.voice", 0, 807)], now=50)  # moved; partition 1 caught up
    assert progress.stuck(now=100) == [("audit", "aerie.voice", 0)]
    assert progress.unmoved("profile", "aerie.voice", 1, now=100) == 0


def test_a_heartbeat_is_alive_within_the_limit_and_a_new_worker_gets_the_limit_from_its_start(
    tmp_path: Path,
) -> None:
    path = heartbeat_path(tmp_path, worker_label("worker", 1))
    assert path.name == "worker-1.alive"
    started = time.time()
    assert alive(path, started, limit=90, now=started + 89)  # none written yet: starting
    assert not alive(path, started, limit=90, now=started + 91)  # hung before its first
    write_heartbeat(path)
    assert alive(path, started, limit=90, now=time.time() + 89)
    assert not alive(path, started, limit=90, now=time.time() + 91)


def test_the_supervisor_finds_a_worker_whose_heartbeat_is_old_and_no_other_part(
    tmp_path: Path,
) -> None:
    heartbeats = WorkerHeartbeats(tmp_path, limit=5, labels={"worker": "worker"})
    heartbeats.started("worker")
    heartbeats.started("gateway")
    write_heartbeat(heartbeat_path(tmp_path, "worker"))
    assert not heartbeats.stale("worker")
    old = time.time() - 10
    os.utime(heartbeat_path(tmp_path, "worker"), (old, old))
    heartbeats.since["worker"] = old
    assert heartbeats.stale("worker")
    assert not heartbeats.stale("gateway")  # not a worker: it has no heartbeat


class Locator:
    """A partition whose numbers sit at ``offsets`` (a fake: the real one reads the broker)."""

    def __init__(self, offsets: dict[int, int]) -> None:
        self.offsets = offsets
        self.asked: list[tuple[str, int, int, int]] = []

    def locate(self, topic: str, partition: int, needed: int, near: int) -> int | None:
        self.asked.append((topic, partition, needed, near))
        return self.offsets.get(needed)

    def close(self) -> None:
        pass


def test_a_gap_seeks_to_where_the_lowest_needed_number_sits_and_is_searched_again_after_a_pause() -> (
    None
):
    now = [0.0]
    sought: list[tuple[str, int, int]] = []
    asked_again: list[tuple[str, str]] = []

    async def seek(topic: str, partition: int, offset: int) -> None:
        sought.append((topic, partition, offset))

    locator = Locator({806: 805})
    filler = GapFiller(
        locator,
        seek,
        lambda topic, reason: asked_again.append((topic, reason)),
        clock=lambda: now[0],
    )
    gaps = [Gap("aerie.voice", 0, 900, 899), Gap("aerie.voice", 0, 806, 806)]
    asyncio.run(filler.fill("profile", gaps))
    assert sought == [("aerie.voice", 0, 805)]  # the lowest number any projection needs
    asyncio.run(filler.fill("audit", [Gap("aerie.voice", 0, 806, 806)]))
    asyncio.run(filler.fill("growth", [Gap("aerie.voice", 0, 950, 949)]))
    assert len(locator.asked) == 1  # just sought to 806: not searched again, nor for 950
    now[0] = 3.0
    asyncio.run(filler.fill("audit", [Gap("aerie.voice", 0, 806, 806)]))
    assert len(locator.asked) == 2

    asyncio.run(filler.fill("profile", [Gap("aerie.voice", 1, 7, 9)]))  # nowhere on the topic
    assert asked_again == [("aerie.voice", "profile needs number 7 of partition 1")]
    now[0] = 20.0
    asyncio.run(filler.fill("profile", [Gap("aerie.voice", 1, 7, 9)]))
    assert len(asked_again) == 1  # the relay is given time to republish
