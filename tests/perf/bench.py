"""Aerie's benchmark: write side, relay, projection and end-to-end latency.

Run with ``make bench`` (``python -m tests.perf.bench``). Starts an embedded
PostgreSQL and Kafka-compatible broker unless ``AERIE_DATABASE_URL`` and/or
``AERIE_KAFKA_BOOTSTRAP`` point at existing ones, and runs the relay, the
projection worker and the gateway as the real processes ``aerie run`` starts.
Prints the machine, each measurement as it finishes, and a summary table.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import psycopg
from aerie_services.bootstrap import bootstrap, build_applications
from aerie_services.bus import Aerie
from aerie_services.relay import Relay
from aerie_services.stack import EmbeddedBroker, EmbeddedPostgres, ensure_database

from tests.conftest import Platform, wait_until

EMPLOYEES = 400
SINGLE_COMMANDS = 2400
BATCH_COMMANDS = 5000
APPEND_EVENTS = 20000
APPEND_CHUNK = 1000
LATENCY_SAMPLES = 200
BACKGROUND_RATE = 500
SITE = "S1"

Result = tuple[str, int, float, str]


def passed(i: int) -> dict[str, Any]:
    return {
        "course_id": f"C{i % 7}",
        "course_title": "Basics",
        "score": 80,
        "pass_mark": 60,
        "passed_on": "2026-01-02",
    }


# -- infrastructure ---------------------------------------------------------


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
    """Yield a database URL: a fresh one on ``AERIE_DATABASE_URL``'s server, or embedded."""
    url = os.environ.get("AERIE_DATABASE_URL")
    name = f"aerie_bench_{uuid.uuid4().hex[:8]}"
    if url:
        print(f"database: AERIE_DATABASE_URL ({name})")
        yield ensure_database(url, name)
        return
    tmp = Path(tempfile.mkdtemp(prefix="aerie-bench-"))
    pg = EmbeddedPostgres(tmp / "pg")
    stack.callback(pg.stop)
    print(f"database: embedded PostgreSQL in {tmp}")
    yield ensure_database(pg.start(), name)


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


def report(label: str, count: int, seconds: float, unit: str) -> Result:
    """Print one measurement and return it for the summary."""
    rate = count / seconds if seconds else 0.0
    print(f"  {label}: {count} in {seconds:.2f}s = {rate:,.0f} {unit}", flush=True)
    return label, count, seconds, unit


def timed(action: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    count = action()
    return count, time.perf_counter() - start


# -- write side -------------------------------------------------------------


def hire(bus: Aerie, employees: list[str]) -> None:
    for employee_id in employees:
        bus.handle(
            "employee.hired",
            command_id=f"hire-{employee_id}",
            employee_id=employee_id,
            site_id=SITE,
            data={
                "display_name": "x",
                "team_id": "T1",
                "role": "agent",
                "hired_on": "2026-01-01",
            },
        )


def pass_trainings(bus: Aerie, employees: list[str], prefix: str, count: int) -> None:
    """Record ``count`` passed trainings, one command per transaction."""
    for i in range(count):
        bus.handle(
            "training.passed",
            command_id=f"{prefix}-{i}",
            employee_id=employees[i % len(employees)],
            data=passed(i),
        )


def writer_process(
    database_url: str, employees: list[str], prefix: str, count: int, go: Any, done: Any
) -> None:
    """One writer: its own connections; waits for ``go``, reports (start, end)."""
    bus = Aerie(build_applications(database_url))
    pass_trainings(bus, employees, f"{prefix}-warm", 20)
    go.wait()
    start = time.monotonic()
    pass_trainings(bus, employees, prefix, count)
    done.put((start, time.monotonic()))
    bus.apps.close()


def concurrent_writes(database_url: str, employees: list[str], writers: int, tag: str) -> Result:
    """``SINGLE_COMMANDS`` commands split over ``writers`` processes, each one per tx."""
    spawn = multiprocessing.get_context("spawn")
    go, done = spawn.Event(), spawn.Queue()
    per_writer = SINGLE_COMMANDS // writers
    processes = [
        spawn.Process(
            target=writer_process,
            args=(database_url, employees, f"w{writers}-{tag}-{n}", per_writer, go, done),
        )
        for n in range(writers)
    ]
    for process in processes:
        process.start()
    time.sleep(3.0)  # let every writer connect and warm up
    go.set()
    spans = [done.get(timeout=300) for _ in processes]
    for process in processes:
        process.join()
    seconds = max(end for _, end in spans) - min(start for start, _ in spans)
    return report(
        f"single command/tx, {writers} writer processes",
        per_writer * writers,
        seconds,
        "commands/s",
    )


def batched_commands(bus: Aerie, employees: list[str], tag: str) -> Result:
    requests = [
        (
            "training.passed",
            {
                "command_id": f"m-{tag}-{i}",
                "employee_id": employees[i % len(employees)],
                "data": passed(i),
            },
        )
        for i in range(BATCH_COMMANDS)
    ]
    count, seconds = timed(lambda: len(bus.handle_many(requests, source="bench")))
    return report("handle_many (check, decide, append)", count, seconds, "commands/s")


def batched_appends(bus: Aerie, employees: list[str], tag: str) -> Result:
    """Append ready aggregates' events, ``APPEND_CHUNK`` per transaction."""
    from aerie_services.commands import build_command

    learning = bus.apps.learning
    new = []
    for i in range(APPEND_EVENTS):
        command = build_command(
            "training.passed",
            command_id=f"a-{tag}-{i}",
            employee_id=employees[i % len(employees)],
            data=passed(i),
        )
        _id, _command, act = learning.passage_decision(command, SITE)
        new.append(act(None))

    def append() -> int:
        for start in range(0, len(new), APPEND_CHUNK):
            learning.save(*new[start : start + APPEND_CHUNK])
        return len(new)

    count, seconds = timed(append)
    return report(f"append, {APPEND_CHUNK} events per tx", count, seconds, "events/s")


# -- relay and projection ---------------------------------------------------


def relay_throughput(bus: Aerie, database_url: str, bootstrap_servers: str) -> Result:
    relay = Relay(database_url, bus.apps, bootstrap_servers, partitions=3)
    count, seconds = timed(relay.catch_up)
    return report("relay: store -> broker, acknowledged", count, seconds, "messages/s")


def bare_producer(bootstrap_servers: str) -> Result:
    """kafka-python alone, same sizes and settings as the relay: the ceiling the relay works under."""
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    topic = f"bench-bare-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    admin.create_topics([NewTopic(topic, 3, 1)])
    admin.close()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", linger_ms=2, batch_size=512 * 1024
    )
    value, count = b"x" * 700, 20000

    def send() -> int:
        futures = [
            producer.send(topic, key=b"k%d" % i, value=value, partition=i % 3) for i in range(count)
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
        return count

    try:
        sent, seconds = timed(send)
    finally:
        producer.close()
    return report("kafka-python producer alone, 700 B records", sent, seconds, "messages/s")


def projected(database_url: str) -> tuple[int, int]:
    """(messages applied by the projection, messages the relay sent to context topics)."""
    with psycopg.connect(database_url) as conn:
        sent = conn.execute(
            "SELECT coalesce(sum(seq), 0) FROM aerie_relay_partition "
            "WHERE topic NOT LIKE '%%.deadletter'"
        ).fetchone()
        applied = conn.execute(
            "SELECT coalesce(sum(seq), 0) FROM aerie_read.projection_position"
        ).fetchone()
    return int(applied[0] if applied else 0), int(sent[0] if sent else 0)


def projection_throughput(aerie: Platform, database_url: str) -> Result:
    """Start the worker on a full backlog; time it from its first commit to the last."""
    aerie.start("worker")
    wait_until(lambda: projected(database_url)[0] > 0, 120, "the worker did not start")
    start = time.perf_counter()
    base, total = projected(database_url)
    while projected(database_url)[0] < total:
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    return report("projection worker: broker -> read model", total - base, seconds, "events/s")


# -- end to end -------------------------------------------------------------


def background_traffic(database_url: str, employees: list[str], rate: int, stop: Any) -> None:
    """Record ``rate`` commands per second until ``stop`` is set."""
    bus = Aerie(build_applications(database_url))
    interval, next_at, i = 1.0 / rate, time.monotonic(), 0
    while not stop.is_set():
        bus.handle(
            "training.passed",
            command_id=f"bg-{uuid.uuid4().hex}",
            employee_id=employees[i % len(employees)],
            data=passed(i),
        )
        i += 1
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    bus.apps.close()


class Client:
    """One keep-alive HTTP connection to the gateway."""

    def __init__(self, port: int) -> None:
        self.http = HTTPConnection("127.0.0.1", port, timeout=30)

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables})
        self.http.request("POST", "/graphql", body, {"content-type": "application/json"})
        return json.loads(self.http.getresponse().read())


PASS = """mutation($i: PassTrainingInput!) { passTraining(input: $i) { eventId } }"""
VIEW = """query($id: ID!) { employee(id: $id) { trainingsPassedCount } }"""


def visible_after_mutation(client: Client, employee_id: str, n: int) -> float:
    """Seconds from an accepted ``passTraining`` to its count showing in the view."""
    before = client.graphql(VIEW, {"id": employee_id})["data"]["employee"]["trainingsPassedCount"]
    answer = client.graphql(
        PASS,
        {
            "i": {
                "commandId": f"lat-{employee_id}-{n}",
                "employeeId": employee_id,
                "courseId": f"LAT-{n}",
                "courseTitle": "Latency",
                "score": 90,
                "passMark": 60,
                "passedOn": "2026-01-03",
            }
        },
    )
    accepted = time.perf_counter()
    if "errors" in answer:
        raise RuntimeError(answer["errors"])
    while True:
        view = client.graphql(VIEW, {"id": employee_id})["data"]["employee"]
        if view["trainingsPassedCount"] > before:
            return time.perf_counter() - accepted
        time.sleep(0.002)


def end_to_end_latency(aerie: Platform, database_url: str, employees: list[str]) -> list[Result]:
    aerie.start("relay")
    aerie.start("gateway")
    aerie.wait_for_gateway()
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    load = spawn.Process(
        target=background_traffic, args=(database_url, employees[1:], BACKGROUND_RATE, stop)
    )
    load.start()
    time.sleep(3.0)
    client = Client(aerie.port)
    wait_until(
        lambda: client.graphql(VIEW, {"id": employees[0]})["data"]["employee"], 60, "no view yet"
    )
    samples = [visible_after_mutation(client, employees[0], n) for n in range(LATENCY_SAMPLES)]
    stop.set()
    load.join()
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"  mutation accepted -> visible in a query, {BACKGROUND_RATE} events/s of other "
        f"traffic: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms ({len(ms)} samples)",
        flush=True,
    )
    return [
        ("end-to-end latency p50 (ms)", len(ms), p50 / 1000, "ms"),
        ("end-to-end latency p99 (ms)", len(ms), p99 / 1000, "ms"),
    ]


# -- running ------------------------------------------------------------------


def run_benchmarks(bus: Aerie, database_url: str, aerie: Platform) -> list[Result]:
    tag = uuid.uuid4().hex[:8]
    employees = [f"B-{tag}-{i}" for i in range(EMPLOYEES)]
    hire(bus, employees)
    print(f"hired {len(employees)} employees\n")

    print("write side:", flush=True)
    count, seconds = timed(lambda: pass_trainings(bus, employees, f"one-{tag}", 1000) or 1000)
    results = [report("single command/tx, 1 writer", count, seconds, "commands/s")]
    for writers in (4, 8):
        results.append(concurrent_writes(database_url, employees, writers, tag))
    results.append(batched_commands(bus, employees, tag))
    results.append(batched_appends(bus, employees, tag))

    print("relay:", flush=True)
    os.environ["AERIE_TOPIC_PREFIX"] = aerie.env["AERIE_TOPIC_PREFIX"]
    results.append(relay_throughput(bus, database_url, aerie.env["AERIE_KAFKA_BOOTSTRAP"]))
    results.append(bare_producer(aerie.env["AERIE_KAFKA_BOOTSTRAP"]))

    print("projection:", flush=True)
    results.append(projection_throughput(aerie, database_url))

    print("end to end:", flush=True)
    results += end_to_end_latency(aerie, database_url, employees)
    return results


def print_summary(results: list[Result]) -> None:
    print(f"\nsummary ({os.cpu_count()} CPUs):")
    header = f"{'measurement':<46} {'count':>7} {'seconds':>8} {'rate':>10}  unit"
    print(header)
    print("-" * len(header))
    for label, count, seconds, unit in results:
        if unit == "ms":
            print(f"{label:<46} {count:>7} {'':>8} {seconds * 1000:>10.1f}  ms")
            continue
        rate = count / seconds if seconds else 0.0
        print(f"{label:<46} {count:>7} {seconds:>8.2f} {rate:>10,.0f}  {unit}")


def main() -> None:
    """Set up the infrastructure, run every measurement and tear everything down."""
    print_machine()
    with ExitStack() as stack, database(stack) as database_url:
        bootstrap_servers = broker_address(stack)
        bus = bootstrap(database_url)
        stack.callback(bus.apps.close)
        workdir = Path(tempfile.mkdtemp(prefix="aerie-bench-run-"))
        aerie = Platform(database_url, bootstrap_servers, workdir, f"b{uuid.uuid4().hex[:6]}")
        stack.callback(aerie.stop)
        print(f"logs:     {aerie.logs}\n")
        results = run_benchmarks(bus, database_url, aerie)
    print_summary(results)


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
