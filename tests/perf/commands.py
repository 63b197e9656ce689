"""The write side alone: a command's cost against the agent's history, concurrent single
commands, and a bulk load through the command path.

Run with ``make bench-commands`` (``python -m tests.perf.commands``; also part of
``make bench``). Starts an embedded PostgreSQL unless ``AERIE_DATABASE_URL`` names
a server; needs no broker. Prints the load average with every figure.

1. **History.** ``HISTORY_AGENTS`` agents with about 10 events on their ladder record and
   as many with about 1,000 (daily KPI facts, loaded in bulk), then KPI commands one per
   transaction on both kinds, interleaved: p50 and p99 of each, on the process's cached
   records (``warm``) and on records read from the store (``cold``: the aggregate dropped
   from the cache first, as a process meets an agent it has not seen).
2. **Single commands**, one per transaction, from 1, 4 and 8 writer processes.
3. **A bulk load** through the command path: the demo's history (``handle_many``).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from aerie_events.catalog.performance import KPI_RECORDED
from aerie_platform.compose import WriteSide
from aerie_platform.replay import Progress
from aerie_services import demo
from aerie_services.performance.domainmodel import StarLadder

from tests.conftest import write_side
from tests.growth_support import STEADY
from tests.perf.bench import (
    EMPLOYEES,
    Result,
    concurrent_writes,
    database,
    hire,
    load_average,
    pass_trainings,
    print_machine,
    print_summary,
    report,
    timed,
)

HISTORY_AGENTS = 40
SHORT_HISTORY = 10
LONG_HISTORY = 1000
HISTORY_SAMPLES = 5  # commands per agent and kind of read: 200 samples of each
BULK_AGENTS = int(os.environ.get("AERIE_BENCH_BULK_AGENTS", "150"))
BULK_DAYS = 90
BULK_SEED = 7
TODAY = dt.date.today()


def kpi_command(employee: str, day: dt.date) -> tuple[str, dict[str, Any]]:
    return KPI_RECORDED, {
        "command_id": f"kpi-{employee}-{day}",
        "employee_id": employee,
        "data": {"day": day.isoformat(), **STEADY},
    }


def first_day(history: int) -> dt.date:
    """The first KPI day of a history of ``history`` facts, leaving room for the samples."""
    return TODAY - dt.timedelta(days=history + 2 * HISTORY_SAMPLES + 2)


def with_history(side: WriteSide, agents: list[str], history: int) -> None:
    """Give each agent ``history`` daily KPI facts, in bulk (their ladder record's events)."""
    start = first_day(history)
    requests = [
        kpi_command(agent, start + dt.timedelta(days=n)) for agent in agents for n in range(history)
    ]
    for at in range(0, len(requests), 2000):
        side.bus.handle_many(requests[at : at + 2000], channel="bench", trusted_time=True)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def command_cost(side: WriteSide, tag: str) -> list[Result]:
    """p50/p99 of a KPI command on an agent with a short and with a long history."""
    short = [f"H{tag}-s{n}" for n in range(HISTORY_AGENTS)]
    long = [f"H{tag}-l{n}" for n in range(HISTORY_AGENTS)]
    hire(side.bus, short + long)
    start = time.perf_counter()
    with_history(side, short, SHORT_HISTORY)
    with_history(side, long, LONG_HISTORY)
    loaded = HISTORY_AGENTS * (SHORT_HISTORY + LONG_HISTORY)
    print(f"  histories: {loaded:,} KPI facts in {time.perf_counter() - start:.1f}s", flush=True)
    performance = side.apps["performance"]
    cache = performance.repository.cache
    next_day = {
        **{a: first_day(SHORT_HISTORY) + dt.timedelta(days=SHORT_HISTORY) for a in short},
        **{a: first_day(LONG_HISTORY) + dt.timedelta(days=LONG_HISTORY) for a in long},
    }
    samples: dict[tuple[str, str], list[float]] = {}
    for read in ("warm", "cold"):
        for _round in range(HISTORY_SAMPLES):
            for small, large in zip(short, long, strict=True):
                for kind, agent in (("10", small), ("1,000", large)):
                    if read == "cold" and cache is not None:
                        cache.get(StarLadder.id_for(agent), evict=True)
                    kind_, inputs = kpi_command(agent, next_day[agent])
                    next_day[agent] += dt.timedelta(days=1)
                    start = time.perf_counter()
                    side.bus.handle(kind_, channel="bench", **inputs)
                    elapsed = (time.perf_counter() - start) * 1000
                    samples.setdefault((read, kind), []).append(elapsed)
    results = []
    for read in ("warm", "cold"):
        p50 = {k: statistics.median(samples[(read, k)]) for k in ("10", "1,000")}
        for kind in ("10", "1,000"):
            ms = samples[(read, kind)]
            print(
                f"  KPI command, agent with {kind} events, {read}: p50 {p50[kind]:.2f} ms, "
                f"p99 {percentile(ms, 0.99):.2f} ms ({len(ms)} samples; load {load_average()})",
                flush=True,
            )
            results.append(
                Result(
                    f"KPI command p50, {kind} events of history, {read}", 0, 0, "ms", "", p50[kind]
                )
            )
        ratio = p50["1,000"] / p50["10"]
        print(f"  {read}: 1,000 events / 10 events = {ratio:.2f}x (target within 1.20x)")
        results.append(
            Result(f"1,000 / 10 events of history, {read}", 0, 0, "x", "<= 1.20x", ratio)
        )
    return results


def single_commands(database_url: str, side: WriteSide, tag: str) -> list[Result]:
    employees = [f"B-{tag}-{i}" for i in range(EMPLOYEES)]
    hire(side.bus, employees)
    count, seconds = timed(lambda: pass_trainings(side.bus, employees, f"one-{tag}", 1000) or 1000)
    results = [report("single command/tx, 1 writer", count, seconds, "commands/s")]
    print(f"    load {load_average()}", flush=True)
    for writers in (4, 8):
        results.append(concurrent_writes(database_url, employees, writers, tag))
        print(f"    load {load_average()}", flush=True)
    return results


def bulk_load(side: WriteSide) -> Result:
    """The demo's history through the command path (``handle_many``, 2,000 a call)."""
    commands = demo.count(BULK_AGENTS, BULK_DAYS, BULK_SEED)
    print(f"  demo: {BULK_AGENTS} agents, {BULK_DAYS} days: {commands:,} commands", flush=True)
    bar = Progress("  loading", commands)
    count, seconds = timed(
        lambda: demo.load(
            side.bus, agents=BULK_AGENTS, days=BULK_DAYS, seed=BULK_SEED, progress=bar.update
        )
    )
    bar.done()
    result = report("bulk load: the demo through handle_many", count, seconds, "commands/s")
    print(f"    load {load_average()}", flush=True)
    return Result(result.label, count, seconds, result.unit, "5,000/s")


def main() -> None:
    print_machine()
    tag = uuid.uuid4().hex[:6]
    with ExitStack() as stack, database(stack) as database_url:
        side = write_side(database_url)
        stack.callback(side.close)
        only = set(filter(None, os.environ.get("AERIE_BENCH_PARTS", "").split(",")))
        parts: list[tuple[str, Callable[[], list[Result]]]] = [
            ("history", lambda: command_cost(side, tag)),
            ("single", lambda: single_commands(database_url, side, tag)),
            ("bulk", lambda: [bulk_load(side)]),
        ]
        results: list[Result] = []
        for name, part in parts:
            if only and name not in only:
                continue
            print(f"\n{name} (load {load_average()}):", flush=True)
            results += part()
    print_summary(results)
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
