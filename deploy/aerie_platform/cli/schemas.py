"""``aerie schemas``: export or check the event JSON Schemas and the GraphQL SDL."""

from __future__ import annotations

import argparse

from aerie_platform.cli.console import say


def cmd_schemas(args: argparse.Namespace) -> int:
    from aerie_events.schema import SCHEMA_DIR, export_schemas, schema_drift
    from aerie_gateway.schema import SDL_PATH, sdl

    if args.action == "export":
        written = export_schemas()
        SDL_PATH.write_text(sdl())
        say(f"wrote {len(written)} event schemas to {SCHEMA_DIR} and the SDL to {SDL_PATH}")
        return 0
    drift = schema_drift()
    if SDL_PATH.read_text() != sdl():
        drift.append(str(SDL_PATH))
    if drift:
        say("out of date: " + ", ".join(drift) + " (run `make schemas`)")
        return 1
    say("event schemas and SDL match the code")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schemas = sub.add_parser("schemas", help="export or check JSON Schemas and SDL")
    schemas.add_argument("action", choices=("export", "check"))
    schemas.set_defaults(handler=cmd_schemas)
