"""``aerie replay``: rebuild read models from the event store; ``--verify`` compares digests."""

from __future__ import annotations

import argparse
import time

from aerie_platform import compose
from aerie_platform.cli.console import say
from aerie_platform.cli.parts import part_side


def cmd_replay(args: argparse.Namespace) -> int:
    from aerie_platform.replay import Progress, compare, rebuild

    _settings, database_url, side = part_side()
    known = {p.name: p for p in compose.projections()}
    if args.projection and args.projection not in known:
        say(f"no projection {args.projection!r}; known: {', '.join(known)}")
        return 2
    chosen = [known[args.projection]] if args.projection else list(known.values())
    bar: Progress | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or Progress(f"replay -> {args.schema}", total)
        bar.update(done)

    started = time.monotonic()
    count = rebuild(database_url, side, chosen, args.schema, progress=progress)
    if bar:
        bar.done()
    side.close()
    seconds = time.monotonic() - started
    names = ", ".join(p.name for p in chosen)
    say(f"rebuilt {names} into {args.schema} from {count:,} stored events in {seconds:.1f}s")
    if not args.verify:
        say(f"compare with the live read models: aerie replay --verify --schema {args.schema}")
        return 0
    differences = compare(database_url, chosen, args.schema)
    if not differences:
        say("verified: the rebuilt read models match the live ones, table by table")
        return 0
    for table, (live, rebuilt) in differences.items():
        say(f"MISMATCH in {table}: live {live} != rebuilt {rebuilt}")
    say("the live projection may still be catching up: wait and run again on a quiet store")
    return 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = sub.add_parser("replay", help="rebuild read models from the event store")
    replay.add_argument("--schema", default="aerie_read_replay")
    replay.add_argument("--projection", help="rebuild only this projection")
    replay.add_argument(
        "--verify", action="store_true", help="compare digests with the live read models"
    )
    replay.set_defaults(handler=cmd_replay)
