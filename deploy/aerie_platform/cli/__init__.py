"""The ``aerie`` command.

aerie run          the whole platform on the embedded default (or on AERIE_* servers)
aerie migrate      apply what is new of the versioned migrations
aerie demo         load the deterministic demo through the command path
aerie replay       rebuild read models from the event store; --verify compares digests
aerie quarantine   list what could not be decoded or applied; redrive applies it again
aerie schemas      export or check the event JSON Schemas and the GraphQL SDL
aerie token        issue a signed bearer token for a role (embedded default's local key)
aerie client       add, list or revoke an integration client's credential
aerie publish      send commands from a JSON-lines file through the Kafka door
aerie dead-letters list what was refused, with the reason
aerie outbox       list the emails not sent (or given up); retry queues those given up again
aerie relay | worker | gateway | ingest    one part of the platform, for production
"""

from __future__ import annotations

import argparse
import logging
import warnings

from aerie_platform.cli import (
    demo,
    keys,
    migrate,
    outbox,
    parts,
    publish,
    quarantine,
    replay,
    run,
    schemas,
)

COMMAND_GROUPS = (run, demo, migrate, replay, schemas, quarantine, keys, parts, publish, outbox)
"""Each group adds its commands (``register``), in the order ``aerie --help`` lists them."""


def parser() -> argparse.ArgumentParser:
    """The ``aerie`` command line: every group's commands, each with its handler."""
    aerie = argparse.ArgumentParser(
        prog="aerie", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = aerie.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return aerie


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    args = parser().parse_args(argv)
    return int(args.handler(args) or 0)
