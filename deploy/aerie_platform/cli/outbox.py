"""``aerie outbox``: the routing and escalation emails not sent (or given up); ``retry`` queues
those given up again."""

from __future__ import annotations

import argparse

from aerie_platform import compose
from aerie_platform.cli.console import say


def cmd_outbox(args: argparse.Namespace) -> int:
    import psycopg
    from aerie_projections.deadlines import outbox
    from aerie_projections.kit import READ_SCHEMA

    settings = compose.read_settings()
    with psycopg.connect(settings.require_database()) as conn:
        if args.action == "retry":
            queued = outbox.requeue_failed(conn, READ_SCHEMA)
            say(f"{queued} notices given up are queued again (the worker sends them)")
            return 0
        rows = outbox.listed(conn, READ_SCHEMA, failed_only=args.failed, limit=args.limit)
    if not rows:
        say("no notice given up" if args.failed else "every notice was sent")
        return 0
    for row in rows:
        state = (
            f"given up {row['failed_at']:%Y-%m-%d %H:%M:%S}"
            if row["failed_at"]
            else f"next attempt {row['next_attempt_at'] or 'now'}"
        )
        say(
            f"{row['created_at']:%Y-%m-%d %H:%M:%S} issue {row['issue_id']} "
            f"{row['reason'].split(':', 1)[0]} to {row['recipient']}: {row['attempts']} attempts, "
            f"{row['last_error'] or 'not tried yet'}; {state}"
        )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mails = sub.add_parser(
        "outbox", help="list the routing and escalation emails not sent, or queue those given up"
    )
    mails.add_argument("action", choices=("list", "retry"))
    mails.add_argument("--failed", action="store_true", help="only those given up")
    mails.add_argument("--limit", type=int, default=50, help="list at most this many")
    mails.set_defaults(handler=cmd_outbox)
