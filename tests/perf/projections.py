"""Each projection's cost per event: its plan in Python, its statements in PostgreSQL.

Run with ``make bench-projections`` (``python -m tests.perf.projections``; ``make bench``
prints the same after its replay, on its larger history). Loads the demo
(``AERIE_BENCH_DEMO_AGENTS`` agents, 90 days) through the command path on an embedded
PostgreSQL (or ``AERIE_DATABASE_URL``), then applies each projection alone to a schema of
its own, in batches of the store's events, and prints the microseconds per event it
handles, so the price of a new projection shows when it lands.
"""

from __future__ import annotations

import os
import threading
from contextlib import ExitStack

from aerie_services import demo

from tests.conftest import write_side
from tests.perf.bench import database, load_average, print_machine, projection_costs

DEMO_AGENTS = int(os.environ.get("AERIE_BENCH_DEMO_AGENTS", "150"))


def main() -> None:
    print_machine()
    with ExitStack() as stack, database(stack) as database_url:
        side = write_side(database_url)
        stack.callback(side.close)
        commands = demo.load(side.bus, agents=DEMO_AGENTS, days=90, seed=7)
        print(f"demo: {DEMO_AGENTS} agents, 90 days: {commands:,} commands (load {load_average()})")
        projection_costs(database_url, side)
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
