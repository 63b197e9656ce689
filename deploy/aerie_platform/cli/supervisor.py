"""The processes of ``aerie run``: each part started with its own log, restarted when it exits.

A part that exits is started again; one that keeps dying at start (``CrashLoop``)
stops the platform, naming its log. The embedded PostgreSQL and broker are
brought back the same way. Stopping asks every part to stop, then kills what
still runs after ``STOP_SECONDS``.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from aerie_platform.cli.console import say
from aerie_platform.heartbeats import WorkerHeartbeats

if TYPE_CHECKING:
    from aerie_platform.stack import EmbeddedBroker, EmbeddedPostgres

STOP_SECONDS = 1.5
"""How long the parts get to stop on their own before they are killed.

Killing one loses nothing: the relay moves its position only after the
broker acknowledged, and a projection commits its rows with its tracking.
"""


def part_commands(relays: int, workers: int, gateways: int) -> dict[str, list[str]]:
    """The platform's parts by name (``relay``, ``relay-1``, ...) and their ``aerie`` command."""
    commands: dict[str, list[str]] = {}
    for n in range(relays):
        commands["relay" if n == 0 else f"relay-{n}"] = ["relay", "--group", str(n)]
    for n in range(workers):
        commands["worker" if n == 0 else f"worker-{n}"] = ["worker", "--index", str(n)]
    for n in range(gateways):
        commands["gateway" if n == 0 else f"gateway-{n}"] = ["gateway"]
    commands["ingest"] = ["ingest"]
    return commands


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


class Supervisor:
    """Runs each part as ``python -m aerie_platform.cli <command>``, its output in ``logs``."""

    def __init__(
        self,
        commands: Mapping[str, list[str]],
        env: Mapping[str, str],
        logs: Path,
        heartbeats: WorkerHeartbeats | None = None,
    ):
        self.heartbeats = heartbeats
        """The workers' heartbeats: a worker that wrote none for their limit is restarted."""
        self.commands = dict(commands)
        self.env = dict(env)
        self.logs = logs
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.crashes = CrashLoop()

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def start_all(self) -> None:
        for name in self.commands:
            self.start(name)

    def start(self, name: str) -> None:
        with open(self.log(name), "ab") as log_file:
            self.children[name] = subprocess.Popen(
                [sys.executable, "-m", "aerie_platform.cli", *self.commands[name]],
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        if self.heartbeats is not None:
            self.heartbeats.started(name)
        say(f"started {name} (pid {self.children[name].pid}, log {self.log(name)})")

    def restart_exited(self, stopping: threading.Event) -> bool:
        """Start again every part that exited; False when one keeps dying (it says which)."""
        for name, child in list(self.children.items()):
            if child.poll() is None and self.heartbeats and self.heartbeats.stale(name):
                say(
                    f"{name} wrote no heartbeat for {self.heartbeats.limit:g} s (stuck behind "
                    f"the relay, or frozen); killing it (see {self.log(name)})"
                )
                child.kill()
                child.wait()
            if child.poll() is not None and not stopping.is_set():
                if self.crashes.record(name):
                    say(
                        f"{name} exited {CrashLoop.LIMIT} times within a minute "
                        f"(last: {child.returncode}); stopping. "
                        f"Its log says why: {self.log(name)}"
                    )
                    return False
                say(f"{name} exited with {child.returncode}; restarting (see {self.log(name)})")
                self.start(name)
        return True

    def stop(self) -> None:
        stop_children(list(self.children.values()))


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


def restart_servers(postgres: EmbeddedPostgres | None, broker: EmbeddedBroker | None) -> None:
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
