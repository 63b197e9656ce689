"""``aerie run``: the whole platform on the embedded default (or on AERIE_* servers).

It starts (or finds) PostgreSQL and the broker, migrates, starts every part
under the ``Supervisor``, loads the demo in the background and says where to
look once the gateway answers.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

from aerie_platform import compose
from aerie_platform.cli.console import say
from aerie_platform.cli.demo import add_demo_arguments, holds_only_the_demo, load_demo_in_background
from aerie_platform.cli.keys import print_demo_tokens
from aerie_platform.cli.migrate import run_migrations
from aerie_platform.cli.parts import worker_name
from aerie_platform.cli.supervisor import Supervisor, part_commands, restart_servers
from aerie_platform.heartbeats import WorkerHeartbeats, worker_label
from aerie_platform.settings import announce_running

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


def cmd_run(args: argparse.Namespace) -> int:
    from aerie_platform.kafka_cluster import local_broker
    from aerie_platform.stack import EmbeddedPostgres, ensure_database

    settings = compose.read_settings()
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
        broker, started = local_broker(settings.home, env)
        bootstrap = broker.start()
        say(f"Kafka: {started} on {bootstrap}")
    env.update(
        AERIE_DATABASE_URL=database_url,
        AERIE_KAFKA_BOOTSTRAP=bootstrap,
        AERIE_HOME=str(settings.home),
    )
    settings = compose.read_settings(env)
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
    relays = len(compose.relay_groups(side, settings))
    commands = part_commands(relays, settings.workers, settings.gateway.processes)
    workers = {
        name: worker_label(worker_name(settings), n)
        for n, name in enumerate(name for name in commands if name.startswith("worker"))
    }
    heartbeats = WorkerHeartbeats(settings.home, settings.worker_liveness_seconds, workers)
    parts = Supervisor(commands, env, logs, heartbeats)
    parts.start_all()
    stopping = threading.Event()

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
            if not parts.restart_exited(stopping):
                return 1
    finally:
        say("stopping")
        running.unlink(missing_ok=True)
        parts.stop()
        side.close()
        if broker:
            broker.stop()
        if postgres:
            postgres.stop()
        say("stopped")
    return 0


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


def gateway_answers(port: int) -> bool:
    """Whether a gateway answers its health check on 127.0.0.1:``port``."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
            return True
    except OSError:
        return False


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="start the whole platform and load the demo")
    add_demo_arguments(run)
    run.add_argument("--no-demo", action="store_true")
    run.set_defaults(handler=cmd_run)
