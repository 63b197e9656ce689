"""``aerie migrate``: apply what is new of the versioned migrations (``aerie run`` too)."""

from __future__ import annotations

import argparse

from aerie_platform import compose
from aerie_platform.cli.console import say


def run_migrations(database_url: str, side: compose.WriteSide) -> None:
    """Apply what is new, saying what; once per start of the platform."""
    from aerie_platform.migrations import all_steps, migrate

    applied = migrate(database_url, list(all_steps(side, compose.projections())))
    for step in applied:
        say(f"migrated {step.component} ({step.schema}) to v{step.version}: {step.name}")
    if not applied:
        say("database schema is up to date")


def require_migrated(database_url: str, side: compose.WriteSide) -> None:
    """A part started alone runs only on a migrated database (``aerie migrate``)."""
    from aerie_platform.migrations import all_steps, pending

    missing = pending(database_url, list(all_steps(side, compose.projections())))
    if missing:
        names = ", ".join(f"{s.component} v{s.version}" for s in missing[:5])
        raise SystemExit(
            f"the database needs migrations first ({names}{', ...' if len(missing) > 5 else ''}): "
            "run `aerie migrate` (`aerie run` does it at start)"
        )


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = compose.read_settings()
    database_url = settings.require_database()
    side = compose.write_side(database_url, settings)
    run_migrations(database_url, side)
    side.close()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = sub.add_parser("migrate", help="apply what is new of the versioned migrations")
    migrate.set_defaults(handler=cmd_migrate)
