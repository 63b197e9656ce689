"""The composition root: the one place that builds applications and connections."""

from __future__ import annotations

from typing import Any

import psycopg

from aerie_services.bus import Aerie, Applications
from aerie_services.coupons.application import Coupons
from aerie_services.learning.application import Learning
from aerie_services.people.application import People
from aerie_services.performance.application import Performance
from aerie_services.settings import eventsourcing_env
from aerie_services.storage import DeadLetters, ensure_platform_tables
from aerie_services.surveys.application import Surveys
from aerie_services.voice.application import Voice

APPLICATION_CLASSES = (People, Learning, Performance, Voice, Coupons, Surveys)


def build_applications(database_url: str, **overrides: str) -> Applications:
    """One eventsourcing Application per bounded context, all on ``database_url``.

    Tables are not created here (see ``migrate``): several processes starting
    at once must not race to create them.
    """
    env: dict[str, Any] = {**eventsourcing_env(database_url), "CREATE_TABLE": "n", **overrides}
    return Applications(*(cls(env=env) for cls in APPLICATION_CLASSES))


def migrate(database_url: str) -> None:
    """Create every table the platform needs, once, whichever process gets here first."""
    from aerie_projections.readmodels import migrate as migrate_read_models

    with psycopg.connect(database_url, autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(4241)")
        try:
            ensure_platform_tables(database_url)
            build_applications(database_url, CREATE_TABLE="y").close()
            with psycopg.connect(database_url) as conn:
                migrate_read_models(conn)
        finally:
            lock.execute("SELECT pg_advisory_unlock(4241)")


def bootstrap(database_url: str) -> Aerie:
    """The write side, ready to take commands (tables created if missing)."""
    migrate(database_url)
    return Aerie(build_applications(database_url), DeadLetters(database_url))
