"""``aerie publish`` and ``aerie dead-letters``: commands through the Kafka door, refusals."""

from __future__ import annotations

import argparse
import sys

from aerie_platform import compose
from aerie_platform.cli.console import say


def cmd_publish(args: argparse.Namespace) -> int:
    """Send a file's commands to the Kafka door with a bearer token; say where refusals go."""
    from aerie_platform.kafka_access import client_options
    from aerie_platform.publish import publish_lines

    settings = compose.read_settings()
    bootstrap = settings.require_broker()
    topic = settings.topics.of("ingest")
    lines = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
    with lines:
        login = client_options(settings.kafka_login)
        sent = publish_lines(lines, bootstrap, topic, args.token, say, login)
    say(
        f"sent {sent} commands to {topic}; refusals become dead letters with their reason: "
        f"`aerie dead-letters list --source ingest`, or the topic {settings.topics.of('deadletter')}"
    )
    return 0


def cmd_dead_letters(args: argparse.Namespace) -> int:
    """The commands refused (by any door), newest first, each with its code and reason."""
    import psycopg

    settings = compose.read_settings()
    with psycopg.connect(settings.require_database()) as conn:
        rows = conn.execute(
            "SELECT id, received_at, source, kind, code, reason FROM aerie_dead_letters "
            "WHERE %s::text IS NULL OR source LIKE %s || '%%' ORDER BY id DESC LIMIT %s",
            (args.source, args.source, args.limit),
        ).fetchall()
    if not rows:
        say("no dead letters")
        return 0
    for id_, at, source, kind, code, reason in rows:
        say(f"#{id_} {at:%Y-%m-%d %H:%M:%S} {source} {kind or '-'} {code}: {reason}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    publish = sub.add_parser(
        "publish", help="send commands (one JSON object a line) through the Kafka door"
    )
    publish.add_argument("file", help="a JSON-lines file, or - for standard input")
    publish.add_argument("--token", required=True, help="a bearer token (aerie token --client)")
    publish.set_defaults(handler=cmd_publish)
    letters = sub.add_parser("dead-letters", help="list what was refused, with the reason")
    letters.add_argument("action", choices=("list",))
    letters.add_argument("--limit", type=int, default=50, help="list at most this many")
    letters.add_argument("--source", help="only those whose source starts so, e.g. ingest")
    letters.set_defaults(handler=cmd_dead_letters)
