"""The ``aerie`` command.

aerie run        the whole platform on the embedded default (or on AERIE_* servers)
aerie demo       load the deterministic demo through the command path
aerie replay     rebuild read models from the event store; --verify compares digests
aerie schemas    export or check the event JSON Schemas and the GraphQL SDL
aerie relay | worker | gateway    one part of the platform, for production
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import warnings

from aerie_services.settings import Settings

EXAMPLE_QUERY = """{ employees(siteId: "site-north", first: 3) {
    edges { node { id displayName starLevel trainingsPassedCount openIssueCount
                   couponsGranted { count totalAmount } lastSurvey { surveyId overall } } } } }"""


def say(message: str) -> None:
    print(f"aerie: {message}", flush=True)


# -- whole platform -------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from aerie_services.stack import EmbeddedBroker, EmbeddedPostgres, ensure_database

    settings = Settings.from_env()
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

    from aerie_services.bootstrap import bootstrap as build_bus

    bus = build_bus(database_url)  # creates every table before the parts start
    logs = settings.home / "logs"
    logs.mkdir(exist_ok=True)
    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = threading.Event()

    def start(name: str) -> None:
        with open(logs / f"{name}.log", "ab") as log_file:
            children[name] = subprocess.Popen(
                [sys.executable, "-m", "aerie_services.cli", name],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        say(f"started {name} (pid {children[name].pid}, log {logs / (name + '.log')})")

    for name in ("relay", "worker", "gateway"):
        start(name)

    def stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if not args.no_demo:
            load_demo_if_empty(bus, args)
        port = settings.http_port
        say(f"GraphiQL: http://127.0.0.1:{port}/graphql")
        say(f"try this query there:\n{EXAMPLE_QUERY}")
        say("Ctrl-C stops everything; data stays in " + str(settings.home))
        while not stopping.wait(1.0):
            for name, child in list(children.items()):
                if child.poll() is not None and not stopping.is_set():
                    say(
                        f"{name} exited with {child.returncode}; restarting (see {logs / (name + '.log')})"
                    )
                    start(name)
    finally:
        say("stopping")
        for child in children.values():
            child.terminate()
        for child in children.values():
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        bus.apps.close()
        if broker:
            broker.stop()
        if postgres:
            postgres.stop()
        say("stopped")
    return 0


def load_demo_if_empty(bus: object, args: argparse.Namespace) -> None:
    from aerie_services import demo
    from aerie_services.replay import Progress

    people = bus.apps.people  # type: ignore[attr-defined]
    if people.recorder.max_notification_id():
        say("event store has data: demo not loaded again")
        return
    total = demo.count(args.agents, args.days, args.seed)
    say(
        f"loading demo: {args.agents} agents, {args.days} days, seed {args.seed} ({total} commands)"
    )
    bar = Progress("demo", total)
    demo.load(bus, agents=args.agents, days=args.days, seed=args.seed, progress=bar.update)  # type: ignore[arg-type]
    bar.done()


# -- parts ----------------------------------------------------------------------------


def cmd_relay(_args: argparse.Namespace) -> int:
    from aerie_services.bootstrap import build_applications, migrate
    from aerie_services.relay import Relay

    settings = Settings.from_env()
    database_url = settings.require_database()
    migrate(database_url)
    relay = Relay(
        database_url,
        build_applications(database_url),
        settings.require_broker(),
        settings.partitions,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    say(f"relay: event store -> {settings.kafka_bootstrap}")
    relay.run(stop)
    return 0


def cmd_worker(_args: argparse.Namespace) -> int:
    from aerie_services.bootstrap import build_applications, migrate
    from aerie_services.relay import Relay

    settings = Settings.from_env()
    database_url = settings.require_database()
    migrate(database_url)
    apps = build_applications(database_url)
    relay = Relay(database_url, apps, settings.require_broker(), settings.partitions)
    wait_for_broker(relay.ensure_topics, settings.require_broker())
    apps.close()

    from aerie_projections.app import create_app
    from faust import Worker

    app = create_app(settings)
    Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()
    return 0


def wait_for_broker(ready: object, bootstrap: str) -> None:
    """Wait (saying so) until the broker answers, rather than fail at start."""
    from kafka.errors import KafkaError

    while True:
        try:
            ready()  # type: ignore[operator]
            return
        except (KafkaError, OSError) as error:
            say(f"waiting for the broker at {bootstrap}: {error}")
            time.sleep(1.0)


def cmd_gateway(_args: argparse.Namespace) -> int:
    import uvicorn
    from aerie_gateway.app import create_app

    settings = Settings.from_env()
    uvicorn.run(
        create_app(settings), host="127.0.0.1", port=settings.http_port, log_level="warning"
    )
    return 0


# -- tools ------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from aerie_services import demo
    from aerie_services.bootstrap import bootstrap
    from aerie_services.replay import Progress

    bus = bootstrap(Settings.from_env().require_database())
    total = demo.count(args.agents, args.days, args.seed)
    say(
        f"loading demo: {args.agents} agents, {args.days} days, seed {args.seed} ({total} commands)"
    )
    bar = Progress("demo", total)
    started = time.monotonic()
    demo.load(bus, agents=args.agents, days=args.days, seed=args.seed, progress=bar.update)
    bar.done()
    say(
        f"loaded {total} commands in {time.monotonic() - started:.1f}s; the relay and worker project them"
    )
    bus.apps.close()
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from aerie_services.bootstrap import build_applications
    from aerie_services.replay import Progress, compare, rebuild

    database_url = Settings.from_env().require_database()
    apps = build_applications(database_url)
    bar: Progress | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or Progress(f"replay -> {args.schema}", total)
        bar.update(done)

    count = rebuild(database_url, apps, args.schema, progress=progress)
    if bar:
        bar.done()
    apps.close()
    say(f"rebuilt {args.schema} from {count} stored events")
    if not args.verify:
        say(f"compare with the live read models: aerie replay --verify --schema {args.schema}")
        return 0
    differences = compare(database_url, args.schema)
    if not differences:
        say("verified: the rebuilt read models match the live ones, table by table")
        return 0
    for table, (live, rebuilt) in differences.items():
        say(f"MISMATCH in {table}: live {live} != rebuilt {rebuilt}")
    say("the live projection may still be catching up: wait and run again on a quiet store")
    return 1


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
    run.add_argument("--no-demo", action="store_true")
    replay = sub.add_parser("replay", help="rebuild read models from the event store")
    replay.add_argument("--schema", default="aerie_read_replay")
    replay.add_argument(
        "--verify", action="store_true", help="compare digests with the live read models"
    )
    schemas = sub.add_parser("schemas", help="export or check JSON Schemas and SDL")
    schemas.add_argument("action", choices=("export", "check"))
    for name in ("relay", "worker", "gateway"):
        sub.add_parser(name, help=f"run the {name} alone")
    args = parser.parse_args(argv)
    handler = globals()[f"cmd_{args.command}"]
    return int(handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
