"""The growth projections' throughput: a worker of their own on a backlog of the demo.

The demo (300 agents, 90 days: about 26,000 commands, two thirds of them KPI
facts) is recorded and relayed to the broker first; then one worker starts
with ``AERIE_PROJECTIONS=growth,energy,study`` and is timed from its first
commit until the three have applied every message of their topics. Two rates
are printed: the distinct events of their topics (each counted once, the
figure the target is about), and the applications summed over the three
projections (an event two of them read counts twice; each reads every message
of its topics, including types it does not handle). The messages of the first
commit fall before the clock starts: the distinct count leaves out the same
share of them. Run with ``make bench-growth``; ``make bench`` runs it too.
"""

from __future__ import annotations

import os
import time
import uuid
from contextlib import ExitStack

import psycopg
from aerie_events.topics import Topics
from aerie_platform import compose

from tests.conftest import wait_until
from tests.perf.bench import bench_platform, database, print_machine, report

PROJECTIONS = tuple(os.environ.get("AERIE_BENCH_PROJECTIONS", "growth,energy,study").split(","))
TARGET = "10,000/s"


def relayed(database_url: str, topics: list[str]) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(seq), 0) FROM aerie_relay_partition WHERE topic = ANY(%s)",
            (topics,),
        ).fetchone()
    return int(row[0]) if row else 0


def applied(database_url: str, topics_of: dict[str, list[str]]) -> int:
    """Messages the growth projections went past, summed over the three."""
    total = 0
    with psycopg.connect(database_url) as conn:
        for name, topics in topics_of.items():
            row = conn.execute(
                "SELECT coalesce(sum(seq), 0) FROM aerie_projection_tracking "
                "WHERE projection = %s AND topic = ANY(%s)",
                (name, topics),
            ).fetchone()
            total += int(row[0]) if row else 0
    return total


def main() -> None:
    from aerie_services import demo

    print_machine()
    with ExitStack() as stack, database(stack) as database_url:
        side, aerie = bench_platform(
            stack, database_url, "aerie-growth-", f"gr{uuid.uuid4().hex[:6]}"
        )
        aerie.migrate()
        print("loading the demo (300 agents, 90 days)...", flush=True)
        started = time.perf_counter()
        commands = demo.load(side.bus, agents=300, days=90, seed=7)
        print(f"  {commands:,} commands in {time.perf_counter() - started:.1f}s", flush=True)
        prefix = Topics(aerie.env["AERIE_TOPIC_PREFIX"])
        by_name = {p.name: p for p in compose.projections()}
        topics_of = {name: by_name[name].topics(prefix) for name in PROJECTIONS}
        aerie.start("relay")
        all_topics = sorted({t for topics in topics_of.values() for t in topics})
        wait_until(
            lambda: relayed(database_url, all_topics) > 0 and _settled(database_url, all_topics),
            600,
            "the relay did not publish the backlog",
        )
        expected = sum(relayed(database_url, topics) for topics in topics_of.values())
        aerie.env["AERIE_PROJECTIONS"] = ",".join(PROJECTIONS)
        aerie.start("worker")
        wait_until(lambda: applied(database_url, topics_of) > 0, 180, "the worker did not start")
        start, base = time.perf_counter(), applied(database_url, topics_of)
        wait_until(
            lambda: applied(database_url, topics_of) >= expected, 900, "the worker did not catch up"
        )
        seconds = time.perf_counter() - start
        print(
            f"\n{os.cpu_count()} CPUs; PostgreSQL, broker and worker on the same machine; logs: {aerie.logs}"
        )
        distinct = relayed(database_url, all_topics)
        timed_share = (expected - base) / expected
        report(
            f"growth projections ({', '.join(PROJECTIONS)}), one worker: distinct events",
            round(distinct * timed_share),
            seconds,
            "events/s",
            TARGET,
        )
        report(
            "  the same run: messages applied, summed over the projections",
            expected - base,
            seconds,
            "applications/s",
        )


_last: dict[str, tuple[int, float]] = {}


def _settled(database_url: str, topics: list[str]) -> bool:
    """The relay sent the same number of messages for two seconds: the backlog is out."""
    now = relayed(database_url, topics)
    before = _last.get("sent")
    if before is None or before[0] != now:
        _last["sent"] = (now, time.monotonic())
        return False
    return time.monotonic() - before[1] >= 2


if __name__ == "__main__":
    main()
