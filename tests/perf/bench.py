"""Throughput benchmark for Aerie: write side, relay and projection rebuild.

Run with ``make bench`` (``python -m tests.perf.bench``). Starts an embedded
PostgreSQL and Kafka-compatible broker unless ``AERIE_DATABASE_URL`` and/or
``AERIE_KAFKA_BOOTSTRAP`` point at existing ones. Prints the machine the numbers
were taken on, each measurement as it finishes, and a summary table.
"""

from __future__ import annotations

import os
import platform
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from aerie_services.bootstrap import bootstrap
from aerie_services.relay import Relay
from aerie_services.replay import rebuild
from aerie_services.stack import EmbeddedBroker, EmbeddedPostgres, ensure_database

EMPLOYEES = 200
SINGLE_COMMANDS = 1500
BATCH_COMMANDS = 5000
SITE = "S1"
PASSED = {
    "course_id": "C1",
    "course_title": "Basics",
    "score": 80,
    "pass_mark": 60,
    "passed_on": "2026-01-02",
}

Result = tuple[str, int, float, str]


def print_machine() -> None:
    """Print what the numbers were measured on."""
    print("machine:")
    print(f"  cpu_count: {os.cpu_count()}")
    print(f"  processor: {platform.processor() or 'unknown'}")
    print(f"  platform:  {platform.platform()}")
    print(f"  python:    {platform.python_version()}")
    print()


@contextmanager
def database(stack: ExitStack) -> Iterator[str]:
    """Yield a database URL: ``AERIE_DATABASE_URL`` or a fresh embedded server."""
    url = os.environ.get("AERIE_DATABASE_URL")
    if url:
        print("database: AERIE_DATABASE_URL (aerie_bench)")
        yield ensure_database(url, "aerie_bench")
        return
    tmp = Path(tempfile.mkdtemp(prefix="aerie-bench-"))
    pg = EmbeddedPostgres(tmp / "pg")
    stack.callback(pg.stop)
    print(f"database: embedded PostgreSQL in {tmp}")
    yield ensure_database(pg.start(), "bench")


def broker_address(stack: ExitStack) -> str:
    """Return ``AERIE_KAFKA_BOOTSTRAP`` or start an embedded broker."""
    bootstrap_servers = os.environ.get("AERIE_KAFKA_BOOTSTRAP")
    if bootstrap_servers:
        print(f"broker:   AERIE_KAFKA_BOOTSTRAP ({bootstrap_servers})")
        return bootstrap_servers
    broker = EmbeddedBroker()
    stack.callback(broker.stop)
    bootstrap_servers = broker.start()
    print(f"broker:   embedded at {bootstrap_servers}")
    return bootstrap_servers


def timed(action: Callable[[], int]) -> tuple[int, float]:
    """Run ``action``; return its count and the elapsed seconds."""
    start = time.perf_counter()
    count = action()
    return count, time.perf_counter() - start


def report(label: str, count: int, seconds: float, unit: str) -> Result:
    """Print one measurement and return it for the summary."""
    rate = count / seconds if seconds else 0.0
    print(f"  {label}: {count} in {seconds:.2f}s = {rate:,.0f} {unit}")
    return label, count, seconds, unit


def hire(bus: Any, tag: str) -> list[str]:
    """Hire the employees the benchmark records training for."""
    employees = [f"B-{tag}-{i}" for i in range(EMPLOYEES)]
    for i, employee_id in enumerate(employees):
        bus.handle(
            "employee.hired",
            command_id=f"h-{tag}-{i}",
            employee_id=employee_id,
            site_id=SITE,
            data={
                "display_name": "x",
                "team_id": "T1",
                "role": "agent",
                "hired_on": "2026-01-01",
            },
        )
    return employees


def pass_training(bus: Any, employees: list[str], prefix: str, worker: int, count: int) -> None:
    """Record ``count`` passed trainings, one command per transaction."""
    for i in range(count):
        bus.handle(
            "training.passed",
            command_id=f"{prefix}-{worker}-{i}",
            employee_id=employees[(worker * count + i) % len(employees)],
            data=PASSED,
        )


def single_writes(bus: Any, employees: list[str], prefix: str, threads: int) -> int:
    """Run ``SINGLE_COMMANDS`` commands split over ``threads`` writers."""
    per_thread = SINGLE_COMMANDS // threads
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            pass_training(bus, employees, prefix, worker, per_thread)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    if errors:
        raise errors[0]
    return per_thread * threads


def batched_writes(bus: Any, employees: list[str], prefix: str) -> int:
    """Record ``BATCH_COMMANDS`` passed trainings through ``handle_many``."""
    requests = [
        (
            "training.passed",
            {
                "command_id": f"{prefix}-{i}",
                "employee_id": employees[i % len(employees)],
                "data": PASSED,
            },
        )
        for i in range(BATCH_COMMANDS)
    ]
    return len(bus.handle_many(requests, source="bench"))


def run_benchmarks(bus: Any, database_url: str, bootstrap_servers: str) -> list[Result]:
    """Run every measurement in order; return the results."""
    tag = uuid.uuid4().hex[:8]
    results: list[Result] = []
    employees = hire(bus, tag)
    print(f"hired {len(employees)} employees\n")

    print("write side:")
    for threads in (1, 4):
        label = f"single command/tx, {threads} writer(s)"
        count, seconds = timed(lambda t=threads: single_writes(bus, employees, f"p-{tag}-{t}", t))
        results.append(report(label, count, seconds, "commands/s"))
    count, seconds = timed(lambda: batched_writes(bus, employees, f"m-{tag}"))
    results.append(report("handle_many batch", count, seconds, "events/s"))

    print("relay:")
    relay = Relay(database_url, bus.apps, bootstrap_servers, partitions=3)
    count, seconds = timed(relay.catch_up)
    results.append(report("relay catch_up", count, seconds, "messages/s"))

    print("projections:")
    count, seconds = timed(lambda: rebuild(database_url, bus.apps, "bench_replay"))
    results.append(report("rebuild bench_replay", count, seconds, "events/s"))
    return results


def print_summary(results: list[Result]) -> None:
    """Print the results as a table."""
    print("\nsummary:")
    header = f"{'measurement':<38} {'count':>7} {'seconds':>8} {'rate':>10}  unit"
    print(header)
    print("-" * len(header))
    for label, count, seconds, unit in results:
        rate = count / seconds if seconds else 0.0
        print(f"{label:<38} {count:>7} {seconds:>8.2f} {rate:>10,.0f}  {unit}")


def main() -> None:
    """Set up the infrastructure, run the benchmarks and tear everything down."""
    print_machine()
    with ExitStack() as stack, database(stack) as database_url:
        bootstrap_servers = broker_address(stack)
        bus = bootstrap(database_url)
        stack.callback(bus.apps.close)
        results = run_benchmarks(bus, database_url, bootstrap_servers)
    print_summary(results)


if __name__ == "__main__":
    main()
