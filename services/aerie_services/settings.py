"""Configuration, read once from the environment.

``AERIE_DATABASE_URL`` and ``AERIE_KAFKA_BOOTSTRAP`` point at real servers;
when unset, ``aerie run`` starts the embedded PostgreSQL and broker under
``AERIE_HOME`` (default ``.aerie/``) and hands their addresses to every process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from aerie_services.eventstore import RECORDER_TOPIC


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    kafka_bootstrap: str | None
    http_port: int
    home: Path
    topic_prefix: str
    partitions: int
    group_id: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("AERIE_DATABASE_URL") or None,
            kafka_bootstrap=os.environ.get("AERIE_KAFKA_BOOTSTRAP") or None,
            http_port=int(os.environ.get("AERIE_HTTP_PORT", "8000")),
            home=Path(os.environ.get("AERIE_HOME", ".aerie")).resolve(),
            topic_prefix=os.environ.get("AERIE_TOPIC_PREFIX", "aerie"),
            partitions=int(os.environ.get("AERIE_TOPIC_PARTITIONS", "3")),
            group_id=os.environ.get("AERIE_GROUP_ID", "aerie-projections"),
        )

    def require_database(self) -> str:
        if not self.database_url:
            raise SystemExit(
                "AERIE_DATABASE_URL is not set. Start the platform with `aerie run` "
                "(it starts an embedded PostgreSQL), or point AERIE_DATABASE_URL at one."
            )
        return self.database_url

    def require_broker(self) -> str:
        if not self.kafka_bootstrap:
            raise SystemExit(
                "AERIE_KAFKA_BOOTSTRAP is not set. Start the platform with `aerie run` "
                "(it starts an embedded broker), or point AERIE_KAFKA_BOOTSTRAP at Kafka."
            )
        return self.kafka_bootstrap


def eventsourcing_env(database_url: str) -> dict[str, str]:
    """The eventsourcing library's POSTGRES_* settings for a connection URL."""
    parts = conninfo_to_dict(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(parts.get("dbname", "postgres")),
        "POSTGRES_HOST": str(parts.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "7",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC,
    }
