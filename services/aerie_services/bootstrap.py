"""The composition root: the one place that builds applications and connections."""

from __future__ import annotations

import os
from typing import Any

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
    """One eventsourcing Application per bounded context, all on ``database_url``."""
    env: dict[str, Any] = {**eventsourcing_env(database_url), **overrides}
    if os.environ.get("AERIE_ENABLE_DB_FUNCTIONS"):
        env["POSTGRES_ENABLE_DB_FUNCTIONS"] = os.environ["AERIE_ENABLE_DB_FUNCTIONS"]
    return Applications(*(cls(env=env) for cls in APPLICATION_CLASSES))


def bootstrap(database_url: str) -> Aerie:
    """The write side, ready to take commands."""
    ensure_platform_tables(database_url)
    return Aerie(build_applications(database_url), DeadLetters(database_url))
