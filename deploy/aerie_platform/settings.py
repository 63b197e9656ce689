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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from aerie_events.settings import SettingRefused, one_of, switch, whole_number
from aerie_events.topics import Topics

from aerie_platform.kafka_access import KafkaLogin, login_from_env


class SettingsError(SystemExit):
    """A setting that is missing or malformed; the message names it and what is allowed."""


Assignment = Literal["static", "group"]
"""How workers share partitions: fixed shares, or a consumer group."""


@dataclass(frozen=True)
class GatewaySettings:
    """The gateway's identity and limits.

    Tokens: the local key (``AERIE_TOKEN_KEY``, else the one ``aerie migrate``
    generated) signs and verifies the embedded default's tokens;
    ``AERIE_JWKS_URL`` or ``AERIE_JWT_PUBLIC_KEYS`` (PEM files, comma-separated)
    verify an external identity provider's, with ``AERIE_JWT_ISSUER`` and
    ``AERIE_JWT_AUDIENCE``. Local tokens are refused once a provider is
    configured, unless ``AERIE_LOCAL_TOKENS=on`` keeps them.
    """

    token_key: bytes | None = None
    local_tokens: bool = True
    issuer: str = "aerie-local"
    audience: str = "aerie"
    jwks_url: str | None = None
    public_key_files: tuple[str, ...] = ()
    graphiql: bool = True
    introspection: bool = True
    rate_per_second: int = 50
    rate_burst: int = 100
    request_budget_seconds: int = 10
    anonymity_threshold: int = 5
    processes: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GatewaySettings:
        files = tuple(f.strip() for f in env.get("AERIE_JWT_PUBLIC_KEYS", "").split(",") if f)
        return cls(
            token_key=_key(env.get("AERIE_TOKEN_KEY", ""), "AERIE_TOKEN_KEY"),
            local_tokens=switch(
                env, "AERIE_LOCAL_TOKENS", not (env.get("AERIE_JWKS_URL") or files)
            ),
            issuer=env.get("AERIE_JWT_ISSUER") or "aerie-local",
            audience=env.get("AERIE_JWT_AUDIENCE") or "aerie",
            jwks_url=env.get("AERIE_JWKS_URL") or None,
            public_key_files=files,
            graphiql=switch(env, "AERIE_GRAPHIQL", True),
            introspection=switch(env, "AERIE_INTROSPECTION", True),
            rate_per_second=whole_number(env, "AERIE_RATE_PER_SECOND", 50, 0, 1_000_000),
            rate_burst=whole_number(env, "AERIE_RATE_BURST", 100, 1, 1_000_000),
            request_budget_seconds=whole_number(env, "AERIE_REQUEST_BUDGET_SECONDS", 10, 1, 3600),
            anonymity_threshold=whole_number(env, "AERIE_ANONYMITY_THRESHOLD", 5, 1, 1000),
            processes=whole_number(env, "AERIE_GATEWAYS", os.cpu_count() or 1, 1, 64),
        )


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
    gateway: GatewaySettings = field(default_factory=lambda: GatewaySettings())
    anonymous_release_seconds: int = 3600
    """The relay's window for anonymous events (epoch-aligned): each goes out at its end."""
    workers: int = 1
    """``AERIE_WORKERS``: how many projection workers share the partitions."""
    worker_index: int = 0
    """``AERIE_WORKER_INDEX``: which one this is (0-based); it owns p when p % workers == index."""
    worker_assignment: Assignment = "static"
    """``AERIE_WORKER_ASSIGNMENT``: ``static`` (by the two above) or ``group`` (a consumer group)."""
    projections: tuple[str, ...] = ()
    """``AERIE_PROJECTIONS``: the projections ``aerie worker`` runs (empty: every one)."""
    environment: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """The mapping these settings were read from: the parts read theirs from it
    (``compose.configure_parts``), so nothing else reads the environment."""
    kafka_login: KafkaLogin | None = None
    """``AERIE_KAFKA_USER`` and ``AERIE_KAFKA_PASSWORD``: the SASL/SCRAM principal (``kafka_access``)."""
    worker_stuck_seconds: int = 60
    """``AERIE_WORKER_STUCK_SECONDS``: how long a partition may stay behind without progress."""
    worker_liveness_seconds: int = 90
    """``AERIE_WORKER_LIVENESS_SECONDS``: how old a worker's heartbeat may be before a restart."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings of ``env`` (the process's environment by default).

        From the process's environment, a database and broker left unset are
        those of an ``aerie run`` still running with the same ``AERIE_HOME``
        (its ``running.env``), so ``aerie token`` and the other commands work
        beside it in another shell.
        """
        if env is None:
            env = {**running_platform(Path(os.environ.get("AERIE_HOME", ".aerie"))), **os.environ}
        try:
            return cls._read(env)
        except SettingRefused as refused:
            raise SettingsError(str(refused)) from None

    @classmethod
    def _read(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            workers=whole_number(env, "AERIE_WORKERS", 1, 1, 1000),
            worker_index=whole_number(env, "AERIE_WORKER_INDEX", 0, 0, 999),
            worker_assignment=cast(  # one_of refused anything else
                Assignment, one_of(env, "AERIE_WORKER_ASSIGNMENT", ("static", "group"))
            ),
            worker_stuck_seconds=whole_number(env, "AERIE_WORKER_STUCK_SECONDS", 60, 1, 86400),
            worker_liveness_seconds=whole_number(
                env, "AERIE_WORKER_LIVENESS_SECONDS", 90, 1, 86400
            ),
            projections=tuple(
                name.strip() for name in env.get("AERIE_PROJECTIONS", "").split(",") if name.strip()
            ),
            database_url=env.get("AERIE_DATABASE_URL") or None,
            kafka_bootstrap=env.get("AERIE_KAFKA_BOOTSTRAP") or None,
            http_port=whole_number(env, "AERIE_HTTP_PORT", 8000, 1, 65535),
            home=Path(env.get("AERIE_HOME", ".aerie")).resolve(),
            topic_prefix=env.get("AERIE_TOPIC_PREFIX", "aerie"),
            partitions=whole_number(env, "AERIE_TOPIC_PARTITIONS", 3, 1, 1000),
            group_id=env.get("AERIE_GROUP_ID", "aerie-projections"),
            pool_size=whole_number(env, "AERIE_DB_POOL_SIZE", 8, 1, 200),
            relay_groups=_groups(env.get("AERIE_RELAY_GROUPS", "")),
            master_key=_key(env.get("AERIE_MASTER_KEY", "")),
            relay_key=_key(env.get("AERIE_RELAY_KEY", ""), "AERIE_RELAY_KEY"),
            gateway=GatewaySettings.from_env(env),
            anonymous_release_seconds=whole_number(
                env, "AERIE_ANONYMOUS_RELEASE_SECONDS", 3600, 1, 7 * 24 * 3600
            ),
            environment=dict(env),
            kafka_login=login_from_env(env),
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


RUNNING_FILE = "running.env"
"""Written by ``aerie run`` in its home while it runs: where its embedded servers listen."""
SHARED_BY_RUN = ("AERIE_DATABASE_URL", "AERIE_KAFKA_BOOTSTRAP")


def announce_running(home: Path, env: Mapping[str, str]) -> Path:
    """Note where this ``aerie run`` (the calling process) has its database and broker."""
    path = home / RUNNING_FILE
    lines = [f"AERIE_RUN_PID={os.getpid()}", *(f"{k}={env[k]}" for k in SHARED_BY_RUN)]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def running_platform(home: Path) -> dict[str, str]:
    """The database and broker of the ``aerie run`` running in ``home``, or nothing."""
    try:
        pairs = dict(
            line.split("=", 1) for line in (home / RUNNING_FILE).read_text().splitlines() if line
        )
        pid = int(pairs.get("AERIE_RUN_PID", ""))
    except (OSError, ValueError):
        return {}
    from aerie_platform.stack import process_running  # only when a run left its note

    if not process_running(pid):
        return {}
    return {k: pairs[k] for k in SHARED_BY_RUN if pairs.get(k)}
