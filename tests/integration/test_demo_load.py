"""The demo load of `aerie run`: interrupted, it is completed on the next run."""

import argparse
import datetime as dt
from itertools import islice
from typing import Any

import psycopg
from aerie_platform.cli.demo import load_demo_if_wanted
from aerie_services import demo
from aerie_services.registry import registry

from tests.conftest import write_side

AGENTS, DAYS, SEED, END = 6, 4, 11, dt.date(2026, 4, 4)


def stored_events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return sum(
            conn.execute(f"SELECT count(*) FROM {context}_events").fetchone()[0]
            for context in registry().names()
        )


def test_an_interrupted_demo_load_is_completed_and_then_not_loaded_again(
    fresh_database: Any,
) -> None:
    complete_url, interrupted_url = fresh_database("demo_whole"), fresh_database("demo_cut")
    args = argparse.Namespace(agents=AGENTS, days=DAYS, seed=SEED, end=END)
    whole = write_side(complete_url)
    load_demo_if_wanted(whole, complete_url, args)
    expected = stored_events(complete_url)
    whole.close()

    side = write_side(interrupted_url)
    with psycopg.connect(interrupted_url, autocommit=True) as conn:  # as a load that was cut
        conn.execute(
            "INSERT INTO aerie_demo_loads (agents, days, seed, as_of) VALUES (%s, %s, %s, %s)",
            (AGENTS, DAYS, SEED, demo.as_of_end(END)),
        )
    started = islice(demo.generate(AGENTS, DAYS, SEED, demo.as_of_end(END)), 10)
    side.bus.handle_many(list(started), channel="demo", trusted_time=True)
    assert 0 < stored_events(interrupted_url) < expected

    other = argparse.Namespace(agents=1, days=1, seed=1, end=None)
    load_demo_if_wanted(side, interrupted_url, other)
    assert stored_events(interrupted_url) == expected  # completed with the interrupted sizes
    load_demo_if_wanted(side, interrupted_url, args)
    assert stored_events(interrupted_url) == expected  # and not loaded again
    side.close()
