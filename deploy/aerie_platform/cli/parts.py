"""``aerie relay | worker | gateway | ingest``: one part of the platform alone, for production.

Each runs on a migrated database (``aerie migrate``) until SIGTERM or Ctrl-C;
``aerie run`` starts them all under its supervisor.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from aerie_platform import compose
from aerie_platform.cli.console import say
from aerie_platform.cli.migrate import require_migrated
from aerie_platform.kafka_access import client_options, sasl_login
from aerie_platform.settings import Settings, SettingsError


def part_side() -> tuple[Settings, str, compose.WriteSide]:
    """The settings, database and write side of a part, on a migrated database."""
    settings = compose.read_settings()
    database_url = settings.require_database()
    side = compose.write_side(database_url, settings)
    require_migrated(database_url, side)
    return settings, database_url, side


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


def worker_name(settings: Settings) -> str:
    """The name the workers of ``settings`` go by in their home (state folders, heartbeats)."""
    chosen = "+".join(settings.projections)
    return f"worker-{chosen}" if chosen else "worker"


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
    compose.configure_parts(projections, settings)
    bootstrap = settings.require_broker()
    topics = sorted({t for p in projections for t in p.topics(settings.topics)})
    chosen = "+".join(settings.projections)
    login = client_options(settings.kafka_login)
    wait_for_broker(lambda: ensure_topics(bootstrap, topics, settings.partitions, login), bootstrap)
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
        sasl_login=sasl_login(settings.kafka_login),
    )
    app = create_worker(
        config,
        projections,
        compose.command_sender(side.bus),
        republish=lambda topic, reason: ask_republish(database_url, topic, reason),
    )
    Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()
    return 0


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


def cmd_ingest(_args: argparse.Namespace) -> int:
    """The Kafka door: commands produced to ``<prefix>.ingest``, until SIGTERM or Ctrl-C."""
    import asyncio

    from aerie_gateway.ingest import run_ingest
    from aerie_services.platform.relay import ensure_topics

    settings, database_url, side = part_side()
    config = compose.ingest_config(settings, database_url)
    wait_for_broker(
        lambda: ensure_topics(
            config.bootstrap, [config.topic], settings.partitions, config.client_options
        ),
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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    relay = sub.add_parser("relay", help="run one relay alone")
    relay.add_argument("--group", type=int, default=0, help="which AERIE_RELAY_GROUPS group")
    relay.set_defaults(handler=cmd_relay)
    worker = sub.add_parser("worker", help="run one projection worker alone")
    worker.add_argument(
        "--index", type=int, help="its share of the partitions (default: AERIE_WORKER_INDEX)"
    )
    worker.set_defaults(handler=cmd_worker)
    sub.add_parser("gateway", help="run the gateway alone").set_defaults(handler=cmd_gateway)
    ingest = sub.add_parser(
        "ingest", help="run the Kafka door alone (commands from <prefix>.ingest)"
    )
    ingest.set_defaults(handler=cmd_ingest)
