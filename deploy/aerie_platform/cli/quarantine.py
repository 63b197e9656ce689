"""``aerie quarantine``: list what could not be decoded or applied; ``redrive`` applies it again."""

from __future__ import annotations

import argparse

from aerie_platform import compose
from aerie_platform.cli.console import say
from aerie_platform.settings import Settings


def cmd_quarantine(args: argparse.Namespace) -> int:
    import psycopg

    settings = compose.read_settings()
    database_url = settings.require_database()
    if args.action == "redrive":
        return redrive_quarantine(args, settings, database_url)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, quarantined_at, stage, projection, topic, partition, kafka_offset, "
            "position, reason, octet_length(original) FROM aerie_quarantine "
            "ORDER BY id DESC LIMIT %s",
            (args.limit,),
        ).fetchall()
    if not rows:
        say("the quarantine is empty")
        return 0
    for id_, at, stage, projection, topic, partition, offset, position, reason, size in rows:
        where = f"{topic}[{partition}]@{offset}" if partition is not None else f"{topic}#{position}"
        say(
            f"#{id_} {at:%Y-%m-%d %H:%M:%S} {stage} {projection or '-'} {where} ({size} bytes): {reason}"
        )
    return 0


def redrive_quarantine(args: argparse.Namespace, settings: Settings, database_url: str) -> int:
    from aerie_platform.redrive import Redriven, redrive

    def report(result: Redriven) -> None:
        say(f"#{result.entry} {'applied' if result.applied else 'kept'}: {result.detail}")

    try:
        results = redrive(
            database_url,
            compose.projections(),
            settings.topics,
            compose.context_names(),
            ids=args.ids,
            projection=args.projection,
            unsigned=args.unsigned,
            report=report,
        )
    except ValueError as error:
        say(str(error))
        return 2
    applied = sum(r.applied for r in results)
    if not results:
        say("nothing to redrive: no entry waits (`aerie quarantine list` shows them all)")
    else:
        say(f"{applied} of {len(results)} applied; the rest stay in quarantine with their reason")
    return 0 if applied == len(results) else 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    quarantine = sub.add_parser(
        "quarantine", help="list, or apply again, what could not be decoded or applied"
    )
    quarantine.add_argument("action", choices=("list", "redrive"))
    quarantine.add_argument("ids", nargs="*", type=int, help="redrive only these entries (#id)")
    quarantine.add_argument("--projection", help="redrive only this projection's entries")
    quarantine.add_argument(
        "--unsigned",
        action="store_true",
        help="also redrive messages whose relay signature did not verify (checked by you)",
    )
    quarantine.add_argument("--limit", type=int, default=50, help="list at most this many")
    quarantine.set_defaults(handler=cmd_quarantine)
