"""``aerie demo`` and the demo load of ``aerie run``: the deterministic demo, as commands."""

from __future__ import annotations

import argparse
import datetime as dt
import time

from aerie_platform import compose
from aerie_platform.cli.console import say
from aerie_platform.cli.migrate import run_migrations


def cmd_demo(args: argparse.Namespace) -> int:
    from aerie_services import demo

    from aerie_platform.replay import Progress

    settings = compose.read_settings()
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


def holds_only_the_demo(side: compose.WriteSide, database_url: str) -> bool:
    """Whether the store is empty (the demo is about to load) or the demo was loaded into it."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        loads = conn.execute("SELECT count(*) FROM aerie_demo_loads").fetchone()
    return bool(loads and loads[0]) or not side.apps["people"].recorder.max_notification_id()


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's size and seed, for ``aerie demo`` and the load of ``aerie run``."""
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the demo's last day at every site (default: yesterday in each site's zone)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="load the demo data through the command path")
    add_demo_arguments(demo)
    demo.set_defaults(handler=cmd_demo)
