"""The ``aerie`` command.

aerie run          the whole platform on the embedded default (or on AERIE_* servers)
aerie migrate      apply what is new of the versioned migrations
aerie demo         load the deterministic demo through the command path
aerie replay       rebuild read models from the event store; --verify compares digests
aerie quarantine   list what could not be decoded or applied; redrive applies it again
aerie schemas      export or check the event JSON Schemas and the GraphQL SDL
aerie token        issue a signed bearer token for a role (embedded default's local key)
aerie client       add, list or revoke an integration client's credential
aerie publish      send commands from a JSON-lines file through the Kafka door
aerie dead-letters list what was refused, with the reason
aerie outbox       list the emails not sent (or given up); retry queues those given up again
aerie relay | worker | gateway | ingest    one part of the platform, for production
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

from aerie_platform import compose
from aerie_platform.heartbeats import WorkerHeartbeats, worker_label
from aerie_platform.settings import Settings, SettingsError, announce_running

EXAMPLE_QUERY = """{ employees(siteId: "site-north", first: 3) {
    edges { node { id displayName starLevel trainingsPassedCount openIssueCount
                   couponsGranted { count totalAmount } } } }
  surveys(seriesId: "pulse", status: CLOSED) { id title closesOn
    drivers { drivers { rank text quadrant importance performance } }
    driverChart { url } } }"""


TRIAL_RELEASE_SECONDS = 60
"""The relay's window for anonymous events in a local trial (``aerie run`` on the embedded
PostgreSQL holding the demo): its survey results (shown once a survey's held answers and close
are out) appear within a minute. Everywhere else the setting's default (3600 s) holds: a short
window gathers fewer anonymous events together, which makes each easier to tell apart."""
RELEASE_SETTING = "AERIE_ANONYMOUS_RELEASE_SECONDS"


def release_window(given: str | None, *, embedded_database: bool, demo_store: bool) -> str | None:
    """The window ``aerie run`` sets for its relays, or None for the setting's default.

    A window set in ``AERIE_ANONYMOUS_RELEASE_SECONDS`` always holds; otherwise a local
    trial (the embedded PostgreSQL, its store empty or holding the demo) gets
    ``TRIAL_RELEASE_SECONDS``, and any other database the default.
    """
    if given is not None:
        return given
    return str(TRIAL_RELEASE_SECONDS) if embedded_database and demo_store else None


def holds_only_the_demo(side: compose.WriteSide, database_url: str) -> bool:
    """Whether the store is empty (the demo is about to load) or the demo was loaded into it."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        loads = conn.execute("SELECT count(*) FROM aerie_demo_loads").fetchone()
    return bool(loads and loads[0]) or not side.apps["people"].recorder.max_notification_id()


def say(message: str) -> None:
    print(f"aerie: {message}", flush=True)


# -- whole platform -------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from aerie_platform.stack import EmbeddedBroker, EmbeddedPostgres, ensure_database

    settings = Settings.from_env()
    if taken := port_in_use(settings.http_port):
        say(
            f"port {settings.http_port} is taken ({taken}): stop what listens there, or start "
            f"with AERIE_HTTP_PORT set to a free port"
        )
        return 1
    settings.home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    postgres = broker = None
    if settings.database_url:
        database_url = settings.database_url
        say(f"PostgreSQL: {database_url} (AERIE_DATABASE_URL)")
    else:
        postgres = EmbeddedPostgres(settings.home / "pg")
        database_url = ensure_database(postgres.start(), "aerie")
        say(f"PostgreSQL: embedded, data in {settings.home / 'pg'}")
    if settings.kafka_bootstrap:
        bootstrap = settings.kafka_bootstrap
        say(f"Kafka: {bootstrap} (AERIE_KAFKA_BOOTSTRAP)")
    else:
        broker = EmbeddedBroker(log_path=settings.home / "broker.log")
        bootstrap = broker.start()
        say(
            f"Kafka: embedded tansu broker on {bootstrap} (topics in memory; the relay republishes)"
        )
    env.update(
        AERIE_DATABASE_URL=database_url,
        AERIE_KAFKA_BOOTSTRAP=bootstrap,
        AERIE_HOME=str(settings.home),
    )
    settings = Settings.from_env(env)
    running = announce_running(settings.home, env)
    side = compose.write_side(database_url, settings)
    run_migrations(database_url, side)
    window = release_window(
        env.get(RELEASE_SETTING),
        embedded_database=postgres is not None,
        demo_store=not args.no_demo and holds_only_the_demo(side, database_url),
    )
    if window is not None and RELEASE_SETTING not in env:
        env[RELEASE_SETTING] = window
        say(
            f"anonymous events (issues, survey answers) go out every {window} s: a local trial "
            f"of the demo on the embedded PostgreSQL ({RELEASE_SETTING}; 3600 otherwise)"
        )
    else:
        say(f"anonymous events go out every {settings.anonymous_release_seconds} s")
    logs = settings.home / "logs"
    logs.mkdir(exist_ok=True)
    children: dict[str, subprocess.Popen[bytes]] = {}
    commands: dict[str, list[str]] = {}
    stopping = threading.Event()

    def start(name: str) -> None:
        with open(logs / f"{name}.log", "ab") as log_file:
            children[name] = subprocess.Popen(
                [sys.executable, "-m", "aerie_platform.cli", *commands[name]],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        heartbeats.started(name)
        say(f"started {name} (pid {children[name].pid}, log {logs / (name + '.log')})")

    crashes = CrashLoop()
    groups = compose.relay_groups(side, settings)
    for n in range(len(groups)):
        commands["relay" if n == 0 else f"relay-{n}"] = ["relay", "--group", str(n)]
    heartbeats = WorkerHeartbeats(settings.home, settings.worker_liveness_seconds, {})
    for n in range(settings.workers):
        commands["worker" if n == 0 else f"worker-{n}"] = ["worker", "--index", str(n)]
        heartbeats.labels["worker" if n == 0 else f"worker-{n}"] = worker_label(
            worker_name(settings), n
        )
    for n in range(settings.gateway.processes):
        commands["gateway" if n == 0 else f"gateway-{n}"] = ["gateway"]
    commands["ingest"] = ["ingest"]
    for name in commands:
        start(name)

    def stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if not args.no_demo:
            threading.Thread(
                target=load_demo_in_background,
                args=(side, database_url, args),
                name="demo",
                daemon=True,
            ).start()
        port, announced = settings.http_port, False
        while not stopping.wait(0.25 if not announced else 1.0):
            if not announced and gateway_answers(port):
                announced = True
                say(f"GraphiQL: http://127.0.0.1:{port}/graphql")
                print_demo_tokens(settings, database_url)
                say(f"paste the hr token into GraphiQL's token field, then try:\n{EXAMPLE_QUERY}")
                say("Ctrl-C stops everything; data stays in " + str(settings.home))
            restart_servers(postgres, broker)
            for name, child in list(children.items()):
                if child.poll() is None and heartbeats.stale(name):
                    say(
                        f"{name} wrote no heartbeat for {settings.worker_liveness_seconds} s "
                        f"(stuck behind the relay, or frozen); killing it "
                        f"(see {logs / (name + '.log')})"
                    )
                    child.kill()
                    child.wait()
                if child.poll() is not None and not stopping.is_set():
                    if crashes.record(name):
                        say(
                            f"{name} exited {CrashLoop.LIMIT} times within a minute "
                            f"(last: {child.returncode}); stopping. "
                            f"Its log says why: {logs / (name + '.log')}"
                        )
                        return 1
                    say(
                        f"{name} exited with {child.returncode}; restarting "
                        f"(see {logs / (name + '.log')})"
                    )
                    start(name)
    finally:
        say("stopping")
        running.unlink(missing_ok=True)
        stop_children(list(children.values()))
        side.close()
        if broker:
            broker.stop()
        if postgres:
            postgres.stop()
        say("stopped")
    return 0


STOP_SECONDS = 1.5
"""How long the parts get to stop on their own before they are killed.

Killing one loses nothing: the relay moves its position only after the
broker acknowledged, and a projection commits its rows with its tracking.
"""


def stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    """Ask every part to stop, wait ``STOP_SECONDS`` in all, then kill what still runs."""
    for child in children:
        child.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def port_in_use(port: int) -> str:
    """What answers on 127.0.0.1:``port`` ('' when the port is free to listen on)."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            return error.strerror or "in use"
    return ""


class CrashLoop:
    """Tells a part that keeps dying at start (give up) from one that crashed once (restart)."""

    WINDOW_SECONDS = 60.0
    LIMIT = 5

    def __init__(self) -> None:
        self.exits: dict[str, list[float]] = {}

    def record(self, name: str) -> bool:
        """Note an exit of ``name``; True when it exited ``LIMIT`` times within the window."""
        now = time.monotonic()
        recent = [t for t in self.exits.get(name, []) if now - t < self.WINDOW_SECONDS]
        self.exits[name] = [*recent, now]
        return len(self.exits[name]) >= self.LIMIT


def restart_servers(postgres: Any, broker: Any) -> None:
    """Bring the embedded PostgreSQL and broker back if they died (the parts reconnect)."""
    if postgres is not None and not postgres.alive():
        say("embedded PostgreSQL stopped; starting it again (committed data is on disk)")
        postgres.revive()
    if broker is not None and not broker.alive():
        say(
            "embedded broker stopped; starting it again (it comes back empty: the relay republishes)"
        )
        broker.stop()
        broker.start()


def run_migrations(database_url: str, side: compose.WriteSide) -> None:
    """Apply what is new, saying what; once per start of the platform."""
    from aerie_platform.migrations import all_steps, migrate

    applied = migrate(database_url, list(all_steps(side, compose.projections())))
    for step in applied:
        say(f"migrated {step.component} ({step.schema}) to v{step.version}: {step.name}")
    if not applied:
        say("database schema is up to date")


def require_migrated(database_url: str, side: compose.WriteSide) -> None:
    """A part started alone runs only on a migrated database (``aerie migrate``)."""
    from aerie_platform.migrations import all_steps, pending

    missing = pending(database_url, list(all_steps(side, compose.projections())))
    if missing:
        names = ", ".join(f"{s.component} v{s.version}" for s in missing[:5])
        raise SystemExit(
            f"the database needs migrations first ({names}{', ...' if len(missing) > 5 else ''}): "
            "run `aerie migrate` (`aerie run` does it at start)"
        )


def load_demo_in_background(
    side: compose.WriteSide, database_url: str, args: argparse.Namespace
) -> None:
    """``load_demo_if_wanted``, saying (not raising) why it stopped early."""
    try:
        load_demo_if_wanted(side, database_url, args)
    except Exception as error:  # the next `aerie run` completes the load
        say(f"the demo load stopped ({type(error).__name__}); the next `aerie run` completes it")


def load_demo_if_wanted(
    side: compose.WriteSide, database_url: str, args: argparse.Namespace
) -> None:
    """Load the demo into an empty store, or complete a demo load that was interrupted.

    The demo's command ids are deterministic: loading it again answers what
    was recorded as duplicates and records the rest.
    """
    import psycopg
    from aerie_services import demo

    from aerie_platform.replay import Progress

    with psycopg.connect(database_url, autocommit=True) as conn:
        earlier = conn.execute(
            "SELECT agents, days, seed, completed_at, as_of FROM aerie_demo_loads "
            "ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        if earlier is not None and earlier[3] is not None:
            say("demo loaded earlier: not loaded again")
            return
        if earlier is not None:
            agents, days, seed, _completed, as_of = earlier
            say(f"completing the demo load that was interrupted ({agents} agents, seed {seed})")
        elif side.apps["people"].recorder.max_notification_id():
            say("event store has data: demo not loaded")
            return
        else:
            agents, days, seed = args.agents, args.days, args.seed
            as_of = demo_as_of(args)
            conn.execute(
                "INSERT INTO aerie_demo_loads (agents, days, seed, as_of) VALUES (%s, %s, %s, %s)",
                (agents, days, seed, as_of),
            )
        total = demo.count(agents, days, seed, as_of)
        say(
            f"loading demo: {agents} agents, {days} days up to yesterday at each site, "
            f"seed {seed} ({total} commands)"
        )
        bar = Progress("demo", total)
        demo.load(side.bus, agents=agents, days=days, seed=seed, as_of=as_of, progress=bar.update)
        bar.done()
        conn.execute(
            "UPDATE aerie_demo_loads SET completed_at = now() "
            "WHERE agents = %s AND days = %s AND seed = %s",
            (agents, days, seed),
        )
        say("demo loaded")


def demo_as_of(args: argparse.Namespace) -> dt.datetime:
    """The instant the demo ends the day before: now, or the day after ``--end``."""
    from aerie_services import demo

    end = getattr(args, "end", None)
    return demo.as_of_end(end) if end is not None else demo.now()


def gateway_answers(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
            return True
    except OSError:
        return False


# -- parts ----------------------------------------------------------------------------


def part_side() -> tuple[Settings, str, compose.WriteSide]:
    settings = Settings.from_env()
    database_url = settings.require_database()
    side = compose.write_side(database_url, settings)
    require_migrated(database_url, side)
    return settings, database_url, side


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    database_url = settings.require_database()
    side = compose.write_side(database_url, settings)
    run_migrations(database_url, side)
    side.close()
    return 0


def cmd_relay(args: argparse.Namespace) -> int:
    settings, database_url, side = part_side()
    relay = compose.build_relay(side, settings, database_url, settings.require_broker(), args.group)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    say(f"relay {args.group}: {', '.join(relay.sources)} -> {settings.kafka_bootstrap}")
    relay.run(stop)
    side.close()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """One projection worker: its share of the partitions (``--index`` or AERIE_WORKER_INDEX)."""
    from aerie_projections.worker import WorkerConfig, create_worker
    from aerie_services.platform.relay import ask_republish, ensure_topics
    from faust import Worker

    settings, database_url, side = part_side()
    index = settings.worker_index if args.index is None else args.index
    if not 0 <= index < settings.workers:
        raise SettingsError(
            f"AERIE_WORKER_INDEX={index} is not allowed with AERIE_WORKERS={settings.workers}: "
            f"a number from 0 to {settings.workers - 1}"
        )
    projections = compose.projections(settings.projections)
    compose.configure_managers(projections, settings)
    bootstrap = settings.require_broker()
    topics = sorted({t for p in projections for t in p.topics(settings.topics)})
    chosen = "+".join(settings.projections)
    wait_for_broker(lambda: ensure_topics(bootstrap, topics, settings.partitions), bootstrap)
    config = WorkerConfig(
        database_url=database_url,
        bootstrap=bootstrap,
        topics=settings.topics,
        partitions=settings.partitions,
        group_id=f"{settings.group_id}-{chosen}" if chosen else settings.group_id,
        home=settings.home,
        relay_key=compose.relay_key(settings, database_url),
        assignment=settings.worker_assignment,
        workers=settings.workers,
        worker_index=index,
        name=worker_name(settings),
        stuck_seconds=settings.worker_stuck_seconds,
    )
    app = create_worker(
        config,
        projections,
        compose.command_sender(side.bus),
        republish=lambda topic, reason: ask_republish(database_url, topic, reason),
    )
    Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()
    return 0


def worker_name(settings: Settings) -> str:
    """The name the workers of ``settings`` go by in their home (state folders, heartbeats)."""
    chosen = "+".join(settings.projections)
    return f"worker-{chosen}" if chosen else "worker"


def wait_for_broker(ready: Callable[[], object], bootstrap: str) -> None:
    """Wait (saying so) until the broker answers, rather than fail at start."""
    from kafka.errors import KafkaError

    while True:
        try:
            ready()
            return
        except (KafkaError, OSError) as error:
            say(f"waiting for the broker at {bootstrap}: {error}")
            time.sleep(1.0)


def cmd_gateway(_args: argparse.Namespace) -> int:
    import uvicorn
    from aerie_gateway.app import create_app

    settings, database_url, side = part_side()
    config = compose.gateway_config(settings, database_url)
    server = uvicorn.Server(
        uvicorn.Config(create_app(config, side.bus, on_close=side.close), log_level="warning")
    )
    server.run(sockets=[shared_listener(settings.http_port)])
    return 0


def cmd_ingest(_args: argparse.Namespace) -> int:
    """The Kafka door: commands produced to ``<prefix>.ingest``, until SIGTERM or Ctrl-C."""
    import asyncio

    from aerie_gateway.ingest import run_ingest
    from aerie_services.platform.relay import ensure_topics

    settings, database_url, side = part_side()
    config = compose.ingest_config(settings, database_url)
    wait_for_broker(
        lambda: ensure_topics(config.bootstrap, [config.topic], settings.partitions),
        config.bootstrap,
    )

    async def door() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_ingest(config, side.bus, stop)

    try:
        asyncio.run(door())
    finally:
        side.close()
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Send a file's commands to the Kafka door with a bearer token; say where refusals go."""
    from aerie_platform.publish import publish_lines

    settings = Settings.from_env()
    bootstrap = settings.require_broker()
    topic = settings.topics.of("ingest")
    lines = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
    with lines:
        sent = publish_lines(lines, bootstrap, topic, args.token, say)
    say(
        f"sent {sent} commands to {topic}; refusals become dead letters with their reason: "
        f"`aerie dead-letters list --source ingest`, or the topic {settings.topics.of('deadletter')}"
    )
    return 0


def cmd_dead_letters(args: argparse.Namespace) -> int:
    import psycopg

    settings = Settings.from_env()
    with psycopg.connect(settings.require_database()) as conn:
        rows = conn.execute(
            "SELECT id, received_at, source, kind, code, reason FROM aerie_dead_letters "
            "WHERE %s::text IS NULL OR source LIKE %s || '%%' ORDER BY id DESC LIMIT %s",
            (args.source, args.source, args.limit),
        ).fetchall()
    if not rows:
        say("no dead letters")
        return 0
    for id_, at, source, kind, code, reason in rows:
        say(f"#{id_} {at:%Y-%m-%d %H:%M:%S} {source} {kind or '-'} {code}: {reason}")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    import psycopg
    from aerie_projections.deadlines import outbox
    from aerie_projections.kit import READ_SCHEMA

    settings = Settings.from_env()
    with psycopg.connect(settings.require_database()) as conn:
        if args.action == "retry":
            queued = outbox.requeue_failed(conn, READ_SCHEMA)
            say(f"{queued} notices given up are queued again (the worker sends them)")
            return 0
        rows = outbox.listed(conn, READ_SCHEMA, failed_only=args.failed, limit=args.limit)
    if not rows:
        say("no notice given up" if args.failed else "every notice was sent")
        return 0
    for row in rows:
        state = (
            f"given up {row['failed_at']:%Y-%m-%d %H:%M:%S}"
            if row["failed_at"]
            else f"next attempt {row['next_attempt_at'] or 'now'}"
        )
        say(
            f"{row['created_at']:%Y-%m-%d %H:%M:%S} issue {row['issue_id']} "
            f"{row['reason'].split(':', 1)[0]} to {row['recipient']}: {row['attempts']} attempts, "
            f"{row['last_error'] or 'not tried yet'}; {state}"
        )
    return 0


def shared_listener(port: int) -> Any:
    """A socket on 127.0.0.1:``port`` that every gateway process binds (SO_REUSEPORT).

    The kernel spreads new connections over the processes listening; the
    gateway keeps no state of its own, so any of them can answer any request.
    """
    import socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # answers go out at once
    listener.bind(("127.0.0.1", port))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


# -- tools ------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from aerie_services import demo

    from aerie_platform.replay import Progress

    settings = Settings.from_env()
    database_url = settings.require_database()
    side = compose.write_side(database_url, settings)
    run_migrations(database_url, side)
    as_of = demo_as_of(args)
    total = demo.count(args.agents, args.days, args.seed, as_of)
    say(
        f"loading demo: {args.agents} agents, {args.days} days, seed {args.seed} ({total} commands)"
    )
    bar = Progress("demo", total)
    started = time.monotonic()
    demo.load(
        side.bus,
        agents=args.agents,
        days=args.days,
        seed=args.seed,
        as_of=as_of,
        progress=bar.update,
    )
    bar.done()
    say(
        f"loaded {total} commands in {time.monotonic() - started:.1f}s; "
        "the relay and worker project them"
    )
    side.close()
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from aerie_platform.replay import Progress, compare, rebuild

    _settings, database_url, side = part_side()
    known = {p.name: p for p in compose.projections()}
    if args.projection and args.projection not in known:
        say(f"no projection {args.projection!r}; known: {', '.join(known)}")
        return 2
    chosen = [known[args.projection]] if args.projection else list(known.values())
    bar: Progress | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or Progress(f"replay -> {args.schema}", total)
        bar.update(done)

    started = time.monotonic()
    count = rebuild(database_url, side, chosen, args.schema, progress=progress)
    if bar:
        bar.done()
    side.close()
    seconds = time.monotonic() - started
    names = ", ".join(p.name for p in chosen)
    say(f"rebuilt {names} into {args.schema} from {count:,} stored events in {seconds:.1f}s")
    if not args.verify:
        say(f"compare with the live read models: aerie replay --verify --schema {args.schema}")
        return 0
    differences = compare(database_url, chosen, args.schema)
    if not differences:
        say("verified: the rebuilt read models match the live ones, table by table")
        return 0
    for table, (live, rebuilt) in differences.items():
        say(f"MISMATCH in {table}: live {live} != rebuilt {rebuilt}")
    say("the live projection may still be catching up: wait and run again on a quiet store")
    return 1


def cmd_quarantine(args: argparse.Namespace) -> int:
    import psycopg

    settings = Settings.from_env()
    database_url = settings.require_database()
    if args.action == "redrive":
        return redrive_quarantine(args, settings, database_url)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, quarantined_at, stage, projection, topic, partition, kafka_offset, "
            "position, reason, octet_length(original) FROM aerie_quarantine "
            "ORDER BY id DESC LIMIT %s",
            (args.limit,),
        ).fetchall()
    if not rows:
        say("the quarantine is empty")
        return 0
    for id_, at, stage, projection, topic, partition, offset, position, reason, size in rows:
        where = f"{topic}[{partition}]@{offset}" if partition is not None else f"{topic}#{position}"
        say(
            f"#{id_} {at:%Y-%m-%d %H:%M:%S} {stage} {projection or '-'} {where} ({size} bytes): {reason}"
        )
    return 0


def redrive_quarantine(args: argparse.Namespace, settings: Settings, database_url: str) -> int:
    from aerie_platform.redrive import Redriven, redrive

    def report(result: Redriven) -> None:
        say(f"#{result.entry} {'applied' if result.applied else 'kept'}: {result.detail}")

    try:
        results = redrive(
            database_url,
            compose.projections(),
            settings.topics,
            compose.context_names(),
            ids=args.ids,
            projection=args.projection,
            unsigned=args.unsigned,
            report=report,
        )
    except ValueError as error:
        say(str(error))
        return 2
    applied = sum(r.applied for r in results)
    if not results:
        say("nothing to redrive: no entry waits (`aerie quarantine list` shows them all)")
    else:
        say(f"{applied} of {len(results)} applied; the rest stay in quarantine with their reason")
    return 0 if applied == len(results) else 1


def print_demo_tokens(settings: Settings, database_url: str) -> None:
    """A ready token for each demo role (12 hours), and how to make others."""
    import psycopg
    from aerie_gateway.clients import ensure_client
    from aerie_gateway.identity import issue_token
    from aerie_services.demo import people_to_sign_in_as

    tokens = compose.token_settings(settings, database_url)
    if tokens.local_key is None:
        say("tokens come from your identity provider (AERIE_LOCAL_TOKENS=off)")
        return
    people = people_to_sign_in_as()
    with psycopg.connect(database_url) as conn:  # the demo's integration clients
        for role, claims in people.items():
            if claims.get("client"):
                ensure_client(conn, claims["client"], role, claims.get("site"))
    lines = []
    for role, claims in people.items():
        token = issue_token(tokens, role=role, **claims)
        scope = ", ".join(f"{k} {v}" for k, v in claims.items() if k != "subject")
        lines.append(f"  {role} {claims['subject']}{f' ({scope})' if scope else ''}:\n    {token}")
    say("bearer tokens for the demo, one per role (valid 12 hours):\n" + "\n".join(lines))
    say("more: aerie token --role ROLE --subject ID [--site S] [--team T] [--department D]")


def cmd_token(args: argparse.Namespace) -> int:
    from aerie_gateway.identity import Unauthenticated, issue_token

    settings = Settings.from_env()
    database_url = settings.require_database()
    tokens = compose.token_settings(settings, database_url)
    if tokens.local_key is None:
        say("local tokens are off (AERIE_LOCAL_TOKENS=off): ask your identity provider")
        return 2
    if not args.subject and not args.client:
        say("name --subject (a person's employee id) or --client (an integration client)")
        return 2
    if not 0 < args.hours <= MAX_TOKEN_HOURS:
        say(f"--hours {args.hours:g} is not allowed: more than 0, at most {MAX_TOKEN_HOURS}")
        return 2
    claims = {"site": args.site, "team": args.team, "department": args.department}
    if args.client:
        refused = client_refused(database_url, args.client, args.role)
        if refused:
            say(f"no token issued: {refused}")
            return 2
        claims = {"site": args.site, "client": args.client}
    try:
        token = issue_token(
            tokens,
            role=args.role,
            subject=args.subject or f"client:{args.client}",
            valid_seconds=int(args.hours * 3600),
            **claims,
        )
    except Unauthenticated as error:
        say(f"no token issued: {error.message}")
        return 2
    print(token)
    return 0


MAX_TOKEN_HOURS = 168


def client_refused(database_url: str, client_id: str, role: str) -> str:
    """Why a token for ``client_id`` in ``role`` may not be issued ('' when it may)."""
    import psycopg
    from aerie_gateway.clients import find_client

    with psycopg.connect(database_url) as conn:
        client = find_client(conn, client_id)
    if client is None or client.revoked:
        return f"no active client {client_id!r} (`aerie client list` shows them)"
    if client.role != role:
        return f"client {client_id!r} is a {client.role}, not a {role}"
    return ""


def cmd_client(args: argparse.Namespace) -> int:
    import psycopg
    from aerie_gateway import clients

    if args.action in ("add", "revoke") and not args.client_id:
        say(f"name the client: aerie client {args.action} CLIENT_ID")
        return 2
    settings = Settings.from_env()
    database_url = settings.require_database()
    with psycopg.connect(database_url) as conn:
        if args.action == "add":
            try:
                secret = clients.add_client(conn, args.client_id, args.role, args.site)
            except clients.ClientRefused as error:
                say(f"no client added: {error}")
                return 2
            say(f"client {args.client_id} ({args.role}) added; its secret, shown only now:")
            print(secret)
            say(
                f"ask for a token: POST /token with grant_type=client_credentials, "
                f"client_id={args.client_id} and this client_secret"
            )
        elif args.action == "revoke":
            if not clients.revoke_client(conn, args.client_id):
                say(f"no active client {args.client_id!r}: `aerie client list` shows them")
                return 2
            say(f"client {args.client_id} revoked: its secret and tokens are refused from now on")
        else:
            for client in clients.list_clients(conn):
                state = "revoked" if client.revoked else "active"
                say(f"{client.client_id} {client.role} {client.site_id or '-'} {state}")
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    from aerie_events.schema import SCHEMA_DIR, export_schemas, schema_drift
    from aerie_gateway.schema import SDL_PATH, sdl

    if args.action == "export":
        written = export_schemas()
        SDL_PATH.write_text(sdl())
        say(f"wrote {len(written)} event schemas to {SCHEMA_DIR} and the SDL to {SDL_PATH}")
        return 0
    drift = schema_drift()
    if SDL_PATH.read_text() != sdl():
        drift.append(str(SDL_PATH))
    if drift:
        say("out of date: " + ", ".join(drift) + " (run `make schemas`)")
        return 1
    say("event schemas and SDL match the code")
    return 0


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    parser = argparse.ArgumentParser(
        prog="aerie", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the whole platform and load the demo")
    demo_parser = sub.add_parser("demo", help="load the demo data through the command path")
    for p in (run, demo_parser):
        p.add_argument("--agents", type=int, default=300)
        p.add_argument("--days", type=int, default=90)
        p.add_argument("--seed", type=int, default=7)
        p.add_argument(
            "--end",
            type=dt.date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="the demo's last day at every site (default: yesterday in each site's zone)",
        )
    run.add_argument("--no-demo", action="store_true")
    sub.add_parser("migrate", help="apply what is new of the versioned migrations")
    replay = sub.add_parser("replay", help="rebuild read models from the event store")
    replay.add_argument("--schema", default="aerie_read_replay")
    replay.add_argument("--projection", help="rebuild only this projection")
    replay.add_argument(
        "--verify", action="store_true", help="compare digests with the live read models"
    )
    schemas = sub.add_parser("schemas", help="export or check JSON Schemas and SDL")
    schemas.add_argument("action", choices=("export", "check"))
    quarantine = sub.add_parser(
        "quarantine", help="list, or apply again, what could not be decoded or applied"
    )
    quarantine.add_argument("action", choices=("list", "redrive"))
    quarantine.add_argument("ids", nargs="*", type=int, help="redrive only these entries (#id)")
    quarantine.add_argument("--projection", help="redrive only this projection's entries")
    quarantine.add_argument(
        "--unsigned",
        action="store_true",
        help="also redrive messages whose relay signature did not verify (checked by you)",
    )
    quarantine.add_argument("--limit", type=int, default=50, help="list at most this many")
    token = sub.add_parser("token", help="issue a bearer token signed with the local key")
    token.add_argument("--role", required=True, help="agent, team_lead, site_manager, ...")
    token.add_argument("--subject", help="the employee id (or a name)")
    token.add_argument("--client", help="a registered integration client (aerie client add)")
    token.add_argument("--site")
    token.add_argument("--team")
    token.add_argument("--department")
    token.add_argument(
        "--hours",
        type=float,
        default=12.0,
        help=f"how long it is valid (at most {MAX_TOKEN_HOURS})",
    )
    client = sub.add_parser("client", help="add, list or revoke integration clients")
    client.add_argument("action", choices=("add", "list", "revoke"))
    client.add_argument("client_id", nargs="?", default="")
    client.add_argument("--role", default="site_publisher", help="site_publisher, hris or lms")
    client.add_argument("--site", help="the site a site_publisher publishes for")
    relay = sub.add_parser("relay", help="run one relay alone")
    relay.add_argument("--group", type=int, default=0, help="which AERIE_RELAY_GROUPS group")
    worker = sub.add_parser("worker", help="run one projection worker alone")
    worker.add_argument(
        "--index", type=int, help="its share of the partitions (default: AERIE_WORKER_INDEX)"
    )
    sub.add_parser("gateway", help="run the gateway alone")
    sub.add_parser("ingest", help="run the Kafka door alone (commands from <prefix>.ingest)")
    publish = sub.add_parser(
        "publish", help="send commands (one JSON object a line) through the Kafka door"
    )
    publish.add_argument("file", help="a JSON-lines file, or - for standard input")
    publish.add_argument("--token", required=True, help="a bearer token (aerie token --client)")
    letters = sub.add_parser("dead-letters", help="list what was refused, with the reason")
    letters.add_argument("action", choices=("list",))
    letters.add_argument("--limit", type=int, default=50, help="list at most this many")
    letters.add_argument("--source", help="only those whose source starts so, e.g. ingest")
    mails = sub.add_parser(
        "outbox", help="list the routing and escalation emails not sent, or queue those given up"
    )
    mails.add_argument("action", choices=("list", "retry"))
    mails.add_argument("--failed", action="store_true", help="only those given up")
    mails.add_argument("--limit", type=int, default=50, help="list at most this many")
    args = parser.parse_args(argv)
    handler = globals()[f"cmd_{args.command.replace('-', '_')}"]
    return int(handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
