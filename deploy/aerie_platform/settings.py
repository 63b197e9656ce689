"""Configuration, read once from the environment (here and nowhere else).

``AERIE_DATABASE_URL`` and ``AERIE_KAFKA_BOOTSTRAP`` point at real servers;
when unset, ``aerie run`` starts the embedded PostgreSQL and broker under
``AERIE_HOME`` (default ``.aerie/``) and hands their addresses to every process.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aerie_events.topics import Topics


class SettingsError(SystemExit):
    """A setting that is missing or malformed; the message names it and what is allowed."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    kafka_bootstrap: str | None
    http_port: int
    home: Path
    topic_prefix: str
    partitions: int
    group_id: str
    pool_size: int
    relay_groups: tuple[tuple[str, ...], ...]
    master_key: bytes | None
    relay_key: bytes | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("AERIE_DATABASE_URL") or None,
            kafka_bootstrap=env.get("AERIE_KAFKA_BOOTSTRAP") or None,
            http_port=_int(env, "AERIE_HTTP_PORT", 8000, 1, 65535),
            home=Path(env.get("AERIE_HOME", ".aerie")).resolve(),
            topic_prefix=env.get("AERIE_TOPIC_PREFIX", "aerie"),
            partitions=_int(env, "AERIE_TOPIC_PARTITIONS", 3, 1, 1000),
            group_id=env.get("AERIE_GROUP_ID", "aerie-projections"),
            pool_size=_int(env, "AERIE_DB_POOL_SIZE", 8, 1, 200),
            relay_groups=_groups(env.get("AERIE_RELAY_GROUPS", "")),
            master_key=_key(env.get("AERIE_MASTER_KEY", "")),
            relay_key=_key(env.get("AERIE_RELAY_KEY", ""), "AERIE_RELAY_KEY"),
        )

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    def require_database(self) -> str:
        if not self.database_url:
            raise SettingsError(
                "AERIE_DATABASE_URL is not set. Start the platform with `aerie run` "
                "(it starts an embedded PostgreSQL), or point AERIE_DATABASE_URL at one."
            )
        return self.database_url

    def require_broker(self) -> str:
        if not self.kafka_bootstrap:
            raise SettingsError(
                "AERIE_KAFKA_BOOTSTRAP is not set. Start the platform with `aerie run` "
                "(it starts an embedded broker), or point AERIE_KAFKA_BOOTSTRAP at Kafka."
            )
        return self.kafka_bootstrap


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name}={raw!r} is not allowed: a whole number from {low} to {high}")
    return int(raw)


def _groups(raw: str) -> tuple[tuple[str, ...], ...]:
    """``people,learning;voice,coupons`` -> one relay per group ('' = one relay for all)."""
    groups = [tuple(c.strip() for c in g.split(",") if c.strip()) for g in raw.split(";")]
    return tuple(g for g in groups if g)


def _key(raw: str, name: str = "AERIE_MASTER_KEY") -> bytes | None:
    if not raw:
        return None
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise SettingsError(f"{name} is not allowed: 32 random bytes in base64")
    return key
