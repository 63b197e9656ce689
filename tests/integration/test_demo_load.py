"""The demo load of `aerie run`: interrupted, it is completed on the next run."""

import argparse
from itertools import islice
from typing import Any

import psycopg
from aerie_platform.cli import load_demo_if_wanted
from aerie_services import demo

from tests.conftest import write_side

AGENTS, DAYS, SEED = 6, 4, 11


def stored_events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return sum(
            conn.execute(f"SELECT count(*) FROM {context}_events").fetchone()[0]
            for context in ("people", "learning", "performance", "voice", "coupons", "surveys")
        )


def test_an_interrupted_demo_load_is_completed_and_then_not_loaded_again(
    fresh_database: Any,
) -> None:
    complete_url, interrupted_url = fresh_database("demo_whole"), fresh_database("demo_cut")
    args = argparse.Namespace(agents=AGENTS, days=DAYS, seed=SEED)
    whole = write_side(complete_url)
    load_demo_if_wanted(whole, complete_url, args)
    expected = stored_events(complete_url)
    whole.close()

    side = write_side(interrupted_url)
    with psycopg.connect(interrupted_url, autocommit=True) as conn:  # as a load that was cut
        conn.execute(
            "INSERT INTO aerie_demo_loads (agents, days, seed) VALUES (%s, %s, %s)",
            (AGENTS, DAYS, SEED),
        )
    side.bus.handle_many(list(islice(demo.generate(AGENTS, DAYS, SEED), 10)), channel="demo")
    assert 0 < stored_events(interrupted_url) < expected

    load_demo_if_wanted(side, interrupted_url, argparse.Namespace(agents=1, days=1, seed=1))
    assert stored_events(interrupted_url) == expected  # completed with the interrupted sizes
    load_demo_if_wanted(side, interrupted_url, args)
    assert stored_events(interrupted_url) == expected  # and not loaded again
    side.close()
