"""How long a projection worker takes from its process start to its first applied message.

On the embedded stack (embedded PostgreSQL + tansu), with a relay running:
1. first start: an event waits in Kafka, the worker starts;
2. restart after SIGKILL: the worker is killed, an event is recorded while it is down,
   the worker starts again (the dead member is still in the group in group mode);
3. then a new event after the restart: how long until it is applied.

Run: `make bench-worker` (or .venv/bin/python -m tests.perf.worker_start [ROUNDS])
(extra environment, e.g. AERIE_WORKER_ASSIGNMENT=group, goes to the worker).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from aerie_events.catalog.people import EMPLOYEE_HIRED
from aerie_platform import compose
from aerie_platform.stack import EmbeddedBroker, EmbeddedPostgres, ensure_database

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


def hire(bus: Any, employee_id: str) -> None:
    bus.handle(
        EMPLOYEE_HIRED,
        command_id=f"hire-{employee_id}",
        employee_id=employee_id,
        site_id="site-b",
        data={"display_name": "B", "team_id": "t", "role": "agent", "hired_on": "2026-01-05"},
    )


def shown(url: str, employee_id: str) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT 1 FROM aerie_read.employee_profile WHERE employee_id = %s", (employee_id,)
        ).fetchone()
    return row is not None


def wait_shown(url: str, employee_id: str, timeout: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if shown(url, employee_id):
            return time.monotonic()
        time.sleep(0.02)
    raise SystemExit(f"{employee_id} was not applied within {timeout}s")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="aerie-bench-"))
    postgres = EmbeddedPostgres(work / "pg")
    url = ensure_database(postgres.start(), "bench")
    broker = EmbeddedBroker(log_path=work / "broker.log")
    bootstrap = broker.start()
    env = {
        **os.environ,
        "AERIE_DATABASE_URL": url,
        "AERIE_KAFKA_BOOTSTRAP": bootstrap,
        "AERIE_HOME": str(work / "home"),
    }
    cli = [sys.executable, "-m", "aerie_platform.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    side = compose.write_side(url)
    logs = work / "logs"
    logs.mkdir()

    def start(part: str) -> subprocess.Popen[bytes]:
        with open(logs / f"{part}.log", "ab") as log:
            return subprocess.Popen([*cli, part], env=env, stdout=log, stderr=subprocess.STDOUT)

    relay = start("relay")
    worker = None
    try:
        first = f"B-{uuid.uuid4().hex[:8]}"
        hire(side.bus, first)
        time.sleep(3)  # the relay has sent it
        t0 = time.monotonic()
        worker = start("worker")
        print(f"first start: first applied message after {wait_shown(url, first) - t0:.2f} s")
        for n in range(ROUNDS):
            time.sleep(2)
            worker.kill()
            worker.wait()
            down = f"B-{uuid.uuid4().hex[:8]}"
            hire(side.bus, down)
            time.sleep(1)
            t0 = time.monotonic()
            worker = start("worker")
            resumed = wait_shown(url, down) - t0
            after = f"B-{uuid.uuid4().hex[:8]}"
            t1 = time.monotonic()
            hire(side.bus, after)
            latency = wait_shown(url, after) - t1
            print(
                f"restart {n + 1} after SIGKILL: the event recorded while down applied "
                f"{resumed:.2f} s after the process start; a new event then in {latency:.3f} s"
            )
    finally:
        for process in (worker, relay):
            if process is not None:
                process.kill()
                process.wait()
        side.close()
        broker.stop()
        postgres.stop()
        print(f"logs in {logs}")


if __name__ == "__main__":
    main()
