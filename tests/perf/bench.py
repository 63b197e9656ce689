"""Aerie's benchmark: write side, replay, relays, projection and end-to-end latency.

Run with ``make bench`` (``python -m tests.perf.bench``). Starts an embedded
PostgreSQL and Kafka-compatible broker unless ``AERIE_DATABASE_URL`` and/or
``AERIE_KAFKA_BOOTSTRAP`` point at existing ones, and runs the relay, the
projection worker and the gateway as the real processes ``aerie run`` starts.
Prints the machine, each measurement as it finishes, and a summary table.

Order: the write side's own measurements, then a demo history of at least
``HISTORY_COMMANDS`` commands through the command path, a full replay of the
store, one relay and then two relays over the whole store (each relay in a
process of its own), the bare producer in one and two processes, the projection
worker on the relayed backlog, and the end-to-end latency under other traffic.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import multiprocessing
import os
import platform
import queue
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import psycopg
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.people import EMPLOYEE_HIRED
from aerie_events.topics import Topics
from aerie_platform import compose
from aerie_platform.compose import WriteSide
from aerie_platform.migrations import migrate, projection_steps
from aerie_platform.replay import Progress, read_batches, rebuild
from aerie_platform.settings import Settings
from aerie_platform.stack import EmbeddedBroker, EmbeddedPostgres, ensure_database
from aerie_services import demo
from aerie_services.kit.bus import Aerie
from aerie_services.kit.inputs import build_command
from aerie_services.learning.domainmodel import TrainingPassage
from psycopg import sql

from tests.conftest import Platform, token_for, wait_until, write_side

EMPLOYEES = 400
SINGLE_COMMANDS = 2400
BATCH_COMMANDS = 5000
APPEND_EVENTS = 20000
APPEND_CHUNK = 1000
HISTORY_COMMANDS = 200_000
HISTORY_AGENTS = 300  # first guess; scaled until the demo has about HISTORY_COMMANDS commands
HISTORY_DAYS = 90
HISTORY_SEED = 7
REPLAY_SCHEMA = "aerie_bench_replay"
TWO_GROUPS = "coupons,people;learning,performance,voice,surveys"  # about half the events each
BARE_RECORDS = 40000
BARE_VALUE = b"x" * 700
LATENCY_SAMPLES = 200
BACKGROUND_RATE = 500
SITE = "S1"
SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Result:
    """One line of the summary: ``count`` things in ``seconds``, or a ``value`` as is."""

    label: str
    count: int
    seconds: float
    unit: str
    target: str = ""
    value: float | None = None

    @property
    def rate(self) -> float:
        if self.value is not None:
            return self.value
        return self.count / self.seconds if self.seconds else 0.0


def passed(command_id: str) -> dict[str, Any]:
    """A pass of a course of its own (a course is passed once, unless retaken)."""
    return {
        "course_id": f"C-{command_id}"[:64],
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
    print(f"  date:      {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"  load:      {load_average()} (1, 5, 15 min, before the run)")
    print()


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


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
    stack.callback(shutil.rmtree, tmp, True)
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


def bench_platform(
    stack: ExitStack, database_url: str, workdir_prefix: str, name: str
) -> tuple[WriteSide, Platform]:
    """The write side on ``database_url`` and the platform's parts beside it (none started),
    on ``AERIE_KAFKA_BOOTSTRAP`` or an embedded broker, their logs in a fresh folder; both
    closed with ``stack``."""
    bootstrap_servers = broker_address(stack)
    side = write_side(database_url)
    stack.callback(side.close)
    workdir = Path(tempfile.mkdtemp(prefix=workdir_prefix))
    aerie = Platform(database_url, bootstrap_servers, workdir, name)
    stack.callback(aerie.stop)
    return side, aerie


def report(label: str, count: int, seconds: float, unit: str, target: str = "") -> Result:
    """Print one measurement and return it for the summary."""
    result = Result(label, count, seconds, unit, target)
    print(f"  {label}: {count:,} in {seconds:.2f}s = {result.rate:,.0f} {unit}", flush=True)
    return result


def timed(action: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    count = action()
    return count, time.perf_counter() - start


def together(
    target: Callable[..., None], argument_lists: Sequence[tuple[Any, ...]]
) -> tuple[int, float]:
    """Run ``target(*args, ready, go, done)`` in one spawned process per argument list.

    Each process prepares, puts something in ``ready``, waits for ``go`` and
    puts ``(start, end, count, name)`` in ``done``. Returns the summed count and
    the span from the first start to the last end; prints each process's own rate.
    """
    ready, go, done = SPAWN.Queue(), SPAWN.Event(), SPAWN.Queue()
    processes = [
        SPAWN.Process(target=target, args=(*args, ready, go, done)) for args in argument_lists
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=300)
    go.set()
    spans = [done.get(timeout=900) for _ in processes]
    for process in processes:
        process.join()
    if len(spans) > 1:
        for start, end, count, name in sorted(spans, key=lambda span: span[3]):
            print(f"    {name}: {count:,} in {end - start:.2f}s = {count / (end - start):,.0f}/s")
    seconds = max(span[1] for span in spans) - min(span[0] for span in spans)
    return sum(span[2] for span in spans), seconds


# -- write side -------------------------------------------------------------


def hire(bus: Aerie, employees: list[str]) -> None:
    for employee_id in employees:
        bus.handle(
            EMPLOYEE_HIRED,
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
            TRAINING_PASSED,
            channel="bench",
            command_id=f"{prefix}-{i}",
            employee_id=employees[i % len(employees)],
            data=passed(f"{prefix}-{i}"),
        )


def writer_process(
    database_url: str, employees: list[str], prefix: str, count: int, ready: Any, go: Any, done: Any
) -> None:
    """One writer: its own write side and connections; times ``count`` commands after ``go``."""
    side = compose.write_side(database_url)
    pass_trainings(side.bus, employees, f"{prefix}-warm", 20)
    ready.put(prefix)
    go.wait()
    start = time.monotonic()
    pass_trainings(side.bus, employees, prefix, count)
    done.put((start, time.monotonic(), count, prefix))
    side.close()


def concurrent_writes(database_url: str, employees: list[str], writers: int, tag: str) -> Result:
    """``SINGLE_COMMANDS`` commands split over ``writers`` processes, each one per tx."""
    per_writer = SINGLE_COMMANDS // writers
    count, seconds = together(
        writer_process,
        [(database_url, employees, f"w{writers}-{tag}-{n}", per_writer) for n in range(writers)],
    )
    return report(
        f"single command/tx, {writers} writer processes",
        count,
        seconds,
        "commands/s",
        "2,000/s",
    )


def batched_commands(bus: Aerie, employees: list[str], tag: str) -> Result:
    requests = [
        (
            TRAINING_PASSED,
            {
                "command_id": f"m-{tag}-{i}",
                "employee_id": employees[i % len(employees)],
                "data": passed(f"m-{tag}-{i}"),
            },
        )
        for i in range(BATCH_COMMANDS)
    ]
    count, seconds = timed(lambda: len(bus.handle_many(requests, channel="bench")))
    return report("handle_many (check, decide, append)", count, seconds, "commands/s")


def batched_appends(bus: Aerie, employees: list[str], tag: str) -> Result:
    """Append ready aggregates' events, ``APPEND_CHUNK`` per transaction."""
    learning = bus.apps["learning"]
    new = []
    for i in range(APPEND_EVENTS):
        command = build_command(
            TRAINING_PASSED,
            command_id=f"a-{tag}-{i}",
            employee_id=employees[i % len(employees)],
            data=passed(f"a-{tag}-{i}"),
        )
        new.append(
            TrainingPassage.record(
                None,
                command.command_id,
                str(command.employee_id),
                command.meta(site_id=SITE),
                command.data,
            )
        )

    def append() -> int:
        for start in range(0, len(new), APPEND_CHUNK):
            learning.save(*new[start : start + APPEND_CHUNK])
        return len(new)

    count, seconds = timed(append)
    return report(f"append, {APPEND_CHUNK} events per tx", count, seconds, "events/s", "20,000/s")


# -- history and replay -----------------------------------------------------


def history_size() -> tuple[int, int]:
    """(agents, commands): enough demo agents over ``HISTORY_DAYS`` for ``HISTORY_COMMANDS``."""
    guess = HISTORY_AGENTS
    per_agent = demo.count(guess, HISTORY_DAYS, HISTORY_SEED) / guess
    agents = math.ceil(HISTORY_COMMANDS / per_agent)
    while (commands := demo.count(agents, HISTORY_DAYS, HISTORY_SEED)) < HISTORY_COMMANDS:
        agents = math.ceil(agents * HISTORY_COMMANDS * 1.02 / commands)
    return agents, commands


def load_history(side: WriteSide) -> Result:
    """The demo through the command path (``handle_many``, 2,000 commands a call)."""
    agents, commands = history_size()
    print(
        f"  demo: {agents} agents, {HISTORY_DAYS} days, seed {HISTORY_SEED}: {commands:,} commands",
        flush=True,
    )
    bar = Progress("  loading", commands)
    count, seconds = timed(
        lambda: demo.load(
            side.bus, agents=agents, days=HISTORY_DAYS, seed=HISTORY_SEED, progress=bar.update
        )
    )
    bar.done()
    return report("demo history through handle_many", count, seconds, "commands/s")


def stored_events(side: WriteSide, contexts: Sequence[str]) -> int:
    return sum(side.apps[c].recorder.max_notification_id() or 0 for c in contexts)


def full_replay(database_url: str, side: WriteSide) -> Result:
    """Every projection rebuilt from the whole store into a schema of its own."""
    projections = compose.projections()
    contexts = sorted({c for p in projections for c in p.contexts()})
    bar = Progress("  replaying", stored_events(side, contexts))
    count, seconds = timed(
        lambda: rebuild(
            database_url,
            side,
            projections,
            REPLAY_SCHEMA,
            progress=lambda done, _total: bar.update(done),
        )
    )
    bar.done()
    return report(
        "full replay, every projection", count, seconds, "events/s", "25,000/s on >= 200k"
    )


COST_SAMPLE = 40_000  # events of the store each projection is timed on
COST_BATCH = 2000


def sample_envelopes(database_url: str, side: WriteSide, contexts: Sequence[str]) -> list[Any]:
    """Batches of the store's first events of ``contexts``, decoded as replay decodes them."""
    batches: queue.Queue[Any] = queue.Queue(maxsize=4)
    stop = threading.Event()
    reader = threading.Thread(
        target=read_batches,
        args=(database_url, side, contexts, COST_BATCH, batches, stop),
        daemon=True,
    )
    reader.start()
    sample: list[Any] = []
    count = 0
    while count < COST_SAMPLE and (item := batches.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        sample.append(item[0])
        count += len(item[0])
    stop.set()
    while reader.is_alive():
        with contextlib.suppress(queue.Empty):
            batches.get_nowait()
        reader.join(0.05)
    return sample


def projection_costs(database_url: str, side: WriteSide) -> list[Result]:
    """Each projection's cost per event it handles: its ``plan`` (Python) and its statements
    (PostgreSQL, round trips included), applied alone to a schema of its own, in batches of
    ``COST_BATCH`` of the store's first events (a manager's commands and timers not included)."""
    projections = compose.projections()
    contexts = sorted({c for p in projections for c in p.contexts()})
    batches = sample_envelopes(database_url, side, contexts)
    events = sum(len(b) for b in batches)
    print(f"  {events:,} events of the store, in batches of {COST_BATCH}", flush=True)
    results = []
    with psycopg.connect(database_url) as conn:
        for projection in projections:
            schema = f"aerie_bench_cost_{projection.name}"
            migrate(database_url, projection_steps(projection, schema))
            quoted = sql.Identifier(schema).as_string(conn)
            handled, in_python, in_postgres = 0, 0.0, 0.0
            for batch in batches:
                mine = [e for e in batch if e.type in projection.handles]
                if not mine:
                    continue
                handled += len(mine)
                start = time.perf_counter()
                statements = projection.plan(mine)
                planned = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    for statement in statements:
                        cur.execute(statement.render(quoted), statement.params)
                in_python += planned - start
                in_postgres += time.perf_counter() - planned
            per = max(handled, 1)
            print(
                f"  {projection.name:<15} {handled:>7,} events: {in_python / per * 1e6:7.1f} µs "
                f"in Python, {in_postgres / per * 1e6:7.1f} µs in PostgreSQL per event handled "
                f"(load {load_average()})",
                flush=True,
            )
            results.append(
                Result(
                    f"{projection.name}: µs per event, Python / PostgreSQL",
                    handled,
                    0,
                    "µs",
                    f"{in_postgres / per * 1e6:.1f} in PostgreSQL",
                    in_python / per * 1e6,
                )
            )
    return results


# -- relay --------------------------------------------------------------------


def relay_env(aerie: Platform, prefix: str, groups: str) -> dict[str, str]:
    """The platform's settings with another topic prefix and relay grouping."""
    env = {k: v for k, v in aerie.env.items() if k.startswith("AERIE_")}
    return {**env, "AERIE_TOPIC_PREFIX": prefix, "AERIE_RELAY_GROUPS": groups}


def relay_process(
    env: dict[str, str],
    database_url: str,
    bootstrap: str,
    group: int,
    ready: Any,
    go: Any,
    done: Any,
) -> None:
    """One relay (group ``group`` of ``env``'s grouping) over the whole store, from the start."""
    # Relaying the same store under a new prefix looks to the relay like a broker
    # that lost its data (its marker topic is under the old prefix): expected here.
    logging.getLogger("aerie.relay").setLevel(logging.ERROR)
    settings = Settings.from_env(env)
    side = compose.write_side(database_url, settings)
    relay = compose.build_relay(side, settings, database_url, bootstrap, group)
    relay.reset()
    relay.check_broker(force=True)
    producer = relay._get_producer()
    for topic in relay.topics():
        producer.partitions_for(topic)  # metadata fetched before the clock starts
    ready.put(group)
    go.wait()
    start = time.monotonic()
    count = relay.catch_up()
    done.put((start, time.monotonic(), count, f"relay {group}"))
    relay._drop_producer()
    relay._drop_bookkeeping()
    side.close()


def relays(aerie: Platform, database_url: str, prefix: str, groups: str) -> tuple[int, float]:
    """Relay the whole store with one relay per group, all started together."""
    env = relay_env(aerie, prefix, groups)
    settings = Settings.from_env(env)
    side = compose.write_side(database_url, settings)
    grouping = compose.relay_groups(side, settings)
    for n, contexts in enumerate(grouping):
        print(f"    group {n}: {', '.join(contexts)}: {stored_events(side, contexts):,} events")
    side.close()
    bootstrap = aerie.env["AERIE_KAFKA_BOOTSTRAP"]
    return together(
        relay_process, [(env, database_url, bootstrap, n) for n in range(len(grouping))]
    )


def bare_process(bootstrap: str, count: int, ready: Any, go: Any, done: Any) -> None:
    """kafka-python alone, the relay's producer settings, ``count`` 700 B records."""
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    topic = f"bench-bare-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1)])
    admin.close()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=2, batch_size=512 * 1024
    )
    producer.partitions_for(topic)
    ready.put(topic)
    go.wait()
    start = time.monotonic()
    futures = [
        producer.send(topic, key=b"k%d" % i, value=BARE_VALUE, partition=i % 3)
        for i in range(count)
    ]
    producer.flush()
    for future in futures:
        future.get(timeout=30)
    done.put((start, time.monotonic(), count, topic))
    producer.close()


def bare_producers(bootstrap: str, processes: int) -> tuple[int, float]:
    return together(bare_process, [(bootstrap, BARE_RECORDS)] * processes)


def relay_measurements(aerie: Platform, database_url: str) -> list[Result]:
    """One relay, two relays, the bare producer in one and two processes: same run, same store.

    The two relays publish under the platform's prefix, so the worker started
    next finds the backlog there; the single relay publishes under another.
    """
    prefix = aerie.env["AERIE_TOPIC_PREFIX"]
    bootstrap = aerie.env["AERIE_KAFKA_BOOTSTRAP"]
    print("  one relay, every context:", flush=True)
    count, seconds = relays(aerie, database_url, f"{prefix}one", "")
    one = report("relay: store -> broker, 1 relay", count, seconds, "messages/s")
    print("  bare producer, 1 process:", flush=True)
    count, seconds = bare_producers(bootstrap, 1)
    bare = report("kafka-python producer alone, 1 process", count, seconds, "messages/s")
    print(f"  two relays ({TWO_GROUPS}):", flush=True)
    count, seconds = relays(aerie, database_url, prefix, TWO_GROUPS)
    two = report("relay: store -> broker, 2 relays", count, seconds, "messages/s")
    print("  bare producer, 2 processes:", flush=True)
    count, seconds = bare_producers(bootstrap, 2)
    bare2 = report("kafka-python producer alone, 2 processes", count, seconds, "messages/s")
    share = one.rate / bare.rate if bare.rate else 0.0
    scale = two.rate / one.rate if one.rate else 0.0
    bare_scale = bare2.rate / bare.rate if bare.rate else 0.0
    print(
        f"  1 relay = {share:.0%} of the bare producer; 2 relays = {scale:.2f}x 1 relay; "
        f"2 bare producers = {bare_scale:.2f}x 1",
        flush=True,
    )
    return [
        Result(one.label, one.count, one.seconds, one.unit, "90 % of producer"),
        bare,
        Result(two.label, two.count, two.seconds, two.unit, "1.6x 1 relay"),
        bare2,
        Result("1 relay / bare producer", 0, 0, "%", ">= 90 %", share * 100),
        Result("2 relays / 1 relay", 0, 0, "x", ">= 1.6x", scale),
        Result("2 bare producers / 1", 0, 0, "x", "", bare_scale),
    ]


# -- projection ---------------------------------------------------------------


def progress_of(conn: psycopg.Connection, projection: str, topics: list[str]) -> tuple[int, int]:
    """(messages ``projection`` went past, messages the relay sent) on ``topics``."""
    sent = conn.execute(
        "SELECT coalesce(sum(seq), 0) FROM aerie_relay_partition WHERE topic = ANY(%s)",
        (topics,),
    ).fetchone()
    applied = conn.execute(
        "SELECT coalesce(sum(seq), 0) FROM aerie_projection_tracking "
        "WHERE projection = %s AND topic = ANY(%s)",
        (projection, topics),
    ).fetchone()
    return int(applied[0] if applied else 0), int(sent[0] if sent else 0)


def projected(database_url: str, topics: list[str]) -> tuple[int, int]:
    """(messages the profile projection went past, messages the relay sent to its topics)."""
    with psycopg.connect(database_url) as conn:
        return progress_of(conn, "profile", topics)


def relayed_under(database_url: str, prefix: str) -> int:
    """Messages the relay published to the topics of ``prefix`` (each event once)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(seq), 0) FROM aerie_relay_partition WHERE topic LIKE %s",
            (prefix + ".%",),
        ).fetchone()
    return int(row[0]) if row else 0


def caught_up(database_url: str, prefix: str) -> bool:
    """Every projection of the worker has applied every message of its topics."""
    with psycopg.connect(database_url) as conn:
        for projection in compose.projections():
            applied, sent = progress_of(conn, projection.name, projection.topics(Topics(prefix)))
            if applied < sent:
                return False
    return True


def every_projection_caught_up(
    aerie: Platform, database_url: str, started: float, events: int
) -> Result:
    """Wait for the worker's other projections; the events of the store over the whole time."""
    wait_until(
        lambda: caught_up(database_url, aerie.env["AERIE_TOPIC_PREFIX"]),
        1800,
        "the worker's projections did not catch up",
    )
    return report(
        "projection worker, every projection caught up (events of the store)",
        events,
        time.perf_counter() - started,
        "events/s",
    )


def projection_throughput(aerie: Platform, database_url: str) -> Result:
    """Start the worker on the full backlog (every projection, as ``aerie run`` starts it);
    time the profile from its first commit to the last."""
    profile = next(p for p in compose.projections() if p.name == "profile")
    topics = profile.topics(Topics(aerie.env["AERIE_TOPIC_PREFIX"]))
    aerie.start("worker")
    wait_until(lambda: projected(database_url, topics)[0] > 0, 180, "the worker did not start")
    start = time.perf_counter()
    base, total = projected(database_url, topics)
    bar, shown = Progress("  projecting", total - base), time.monotonic()
    while (applied := projected(database_url, topics)[0]) < total:
        if time.monotonic() - shown >= 1.0:
            bar.update(applied - base)
            shown = time.monotonic()
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    bar.update(total - base)
    bar.done()
    return report(
        "projection worker, every projection: profile's events applied",
        total - base,
        seconds,
        "events/s",
        "10,000/s",
    )


# -- end to end -------------------------------------------------------------


def background_traffic(database_url: str, employees: list[str], rate: int, stop: Any) -> None:
    """Record ``rate`` commands per second until ``stop`` is set."""
    side = compose.write_side(database_url)
    interval, next_at, i = 1.0 / rate, time.monotonic(), 0
    while not stop.is_set():
        command_id = f"bg-{uuid.uuid4().hex}"
        side.bus.handle(
            TRAINING_PASSED,
            channel="bench",
            command_id=command_id,
            employee_id=employees[i % len(employees)],
            data=passed(command_id),
        )
        i += 1
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    side.close()


class Client:
    """One keep-alive HTTP connection to the gateway."""

    def __init__(self, port: int) -> None:
        self.http = HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {
            "content-type": "application/json",
            "authorization": f"Bearer {token_for()}",
        }

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables})
        self.http.request("POST", "/graphql", body, self.headers)
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
    aerie.start("relay", "--group", "0")
    aerie.start("gateway")
    aerie.wait_for_gateway(60)
    stop = SPAWN.Event()
    load = SPAWN.Process(
        target=background_traffic, args=(database_url, employees[1:], BACKGROUND_RATE, stop)
    )
    load.start()
    time.sleep(3.0)
    client = Client(aerie.port)
    wait_until(
        lambda: client.graphql(VIEW, {"id": employees[0]})["data"]["employee"], 120, "no view yet"
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
        Result("end-to-end latency p50", len(ms), 0, "ms", "50 ms", p50),
        Result("end-to-end latency p99", len(ms), 0, "ms", "250 ms", p99),
    ]


# -- running ------------------------------------------------------------------


def run_benchmarks(side: WriteSide, database_url: str, aerie: Platform) -> list[Result]:
    started = time.monotonic()
    bus = side.bus
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

    print(f"\nhistory ({time.monotonic() - started:.0f}s in):", flush=True)
    results.append(load_history(side))

    print(f"\nreplay ({time.monotonic() - started:.0f}s in):", flush=True)
    results.append(full_replay(database_url, side))

    print(f"\nprojections' cost per event ({time.monotonic() - started:.0f}s in):", flush=True)
    results += projection_costs(database_url, side)

    print(f"\nrelay ({time.monotonic() - started:.0f}s in):", flush=True)
    results += relay_measurements(aerie, database_url)

    print(f"\nprojection ({time.monotonic() - started:.0f}s in):", flush=True)
    worker_started = time.perf_counter()
    results.append(projection_throughput(aerie, database_url))
    events = relayed_under(database_url, aerie.env["AERIE_TOPIC_PREFIX"])
    results.append(every_projection_caught_up(aerie, database_url, worker_started, events))

    print(f"\nend to end ({time.monotonic() - started:.0f}s in):", flush=True)
    results += end_to_end_latency(aerie, database_url, employees)
    print(
        f"\nall measurements in {time.monotonic() - started:.0f}s; "
        f"load average now {load_average()}"
    )
    return results


def print_summary(results: list[Result]) -> None:
    print(f"\nsummary ({os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}):")
    header = f"{'measurement':<50} {'count':>8} {'seconds':>8} {'rate':>10}  {'unit':<11} target"
    print(header)
    print("-" * len(header))
    for r in results:
        if r.value is not None:
            count = f"{r.count:>8}" if r.count else f"{'':>8}"
            print(f"{r.label:<50} {count} {'':>8} {r.value:>10.2f}  {r.unit:<11} {r.target}")
            continue
        print(
            f"{r.label:<50} {r.count:>8} {r.seconds:>8.2f} {r.rate:>10,.0f}  {r.unit:<11} "
            f"{r.target}"
        )


def main() -> None:
    """Set up the infrastructure, run every measurement and tear everything down."""
    print_machine()
    with ExitStack() as stack, database(stack) as database_url:
        side, aerie = bench_platform(
            stack, database_url, "aerie-bench-run-", f"b{uuid.uuid4().hex[:6]}"
        )
        aerie.migrate()
        print(f"logs:     {aerie.logs}\n")
        results = run_benchmarks(side, database_url, aerie)
    print_summary(results)


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
