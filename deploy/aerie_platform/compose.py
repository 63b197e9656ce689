"""Wiring the parts: the write side, the relays, the worker's projections and sender.

Every part gets its configuration here, as arguments; nothing below this
package reads the environment or connects at import time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import psycopg
from aerie_events.codec import EventCodec
from aerie_events.settings import SettingRefused
from aerie_events.signing import RelaySignature
from aerie_events.topics import DEAD_LETTER, QUARANTINE
from aerie_projections.kit import Projection
from aerie_projections.manager import CommandRequest, ProcessManager
from aerie_projections.registry import checked
from aerie_services.kit.base import ContextApplication
from aerie_services.kit.bus import Aerie
from aerie_services.kit.context import ContextRegistry
from aerie_services.platform.committed import CommittedLog
from aerie_services.platform.eventstore import SharedDatastoreFactory, open_datastore
from aerie_services.platform.keyring import PostgresKeyRing
from aerie_services.platform.relay import (
    DEAD_LETTER_COLUMNS,
    QUARANTINE_COLUMNS,
    STORED_COLUMNS,
    ContextEvents,
    Relay,
    Source,
    dead_letter_messages,
    quarantine_messages,
)
from aerie_services.platform.storage import (
    DEAD_LETTER_CHANNEL,
    DEAD_LETTER_TABLE,
    QUARANTINE_CHANNEL,
    QUARANTINE_TABLE,
    DeadLetters,
    stored_relay_key,
)
from aerie_services.registry import registry as context_registry
from eventsourcing.postgres import PostgresDatastore

from aerie_platform.kafka_access import client_options
from aerie_platform.settings import Settings, SettingsError

LIBRARY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "CREATE_TABLE": "n"}


@dataclass
class WriteSide:
    """The write side of one process: one pool, one key ring, every context's application."""

    datastore: PostgresDatastore
    keys: PostgresKeyRing
    registry: ContextRegistry
    bus: Aerie

    @property
    def apps(self) -> dict[str, ContextApplication]:
        return self.bus.apps

    def close(self) -> None:
        self.bus.close()
        self.datastore.close()


def write_side(database_url: str, settings: Settings | None = None) -> WriteSide:
    """Every registered context's application on one shared pool, and the command path."""
    pool_size = settings.pool_size if settings else 8
    master_key = settings.master_key if settings else None
    registry = context_registry()
    datastore = open_datastore(database_url, pool_size=pool_size, max_overflow=pool_size)
    keys = PostgresKeyRing(datastore.get_connection, master_key=master_key)
    env = dict(LIBRARY_ENV)
    if settings is not None:  # the smallest group a newly published survey may show
        env["ANONYMITY_THRESHOLD"] = str(settings.gateway.anonymity_threshold)
        # when the relay releases anonymous issues: their reply deadlines count from then
        env["ANONYMOUS_RELEASE_SECONDS"] = str(settings.anonymous_release_seconds)
    apps = {
        name: context.application(
            name,
            env=env,
            factory=lambda env: SharedDatastoreFactory(env, datastore),
            keys=keys,
        )
        for name, context in registry.contexts.items()
    }
    bus = Aerie(registry, apps, DeadLetters(database_url))
    provide_read_facts(bus, datastore)
    return WriteSide(datastore, keys, registry, bus)


def provide_read_facts(bus: Aerie, datastore: Any) -> None:
    """Answer the facts contexts read from read models, from the projections that keep them."""
    from aerie_projections.registry import PROJECTIONS

    for projection in PROJECTIONS:
        for fact, reader in projection.answers.items():
            bus.facts.provide(fact, read_with(datastore, reader))


def read_with(datastore: Any, reader: Any) -> Any:
    def ask(key: Any) -> Any:
        with datastore.get_connection() as conn:
            return reader(conn, key)

    return ask


def platform_sources(settings: Settings) -> list[Source]:
    topics = settings.topics
    return [
        Source(
            DEAD_LETTER,
            topics.of(DEAD_LETTER),
            CommittedLog(DEAD_LETTER_TABLE, "id", DEAD_LETTER_COLUMNS),
            DEAD_LETTER_CHANNEL,
            dead_letter_messages,
        ),
        Source(
            QUARANTINE,
            topics.of(QUARANTINE),
            CommittedLog(QUARANTINE_TABLE, "id", QUARANTINE_COLUMNS),
            QUARANTINE_CHANNEL,
            quarantine_messages,
        ),
    ]


def relay_groups(side: WriteSide, settings: Settings) -> list[tuple[str, ...]]:
    """The groups of contexts, one relay each; every context in exactly one group."""
    known = side.registry.names()
    groups = [g for g in settings.relay_groups] or [tuple(known)]
    named = [c for g in groups for c in g]
    unknown = sorted(set(named) - set(known))
    doubled = sorted({c for c in named if named.count(c) > 1})
    if unknown or doubled:
        raise SystemExit(
            "AERIE_RELAY_GROUPS is not allowed: "
            + (f"unknown contexts {', '.join(unknown)}; " if unknown else "")
            + (f"contexts in two groups {', '.join(doubled)}; " if doubled else "")
            + f"known contexts: {', '.join(known)}"
        )
    left_out = [c for c in known if c not in named]
    if left_out:
        groups.append(tuple(left_out))
    return groups


def relay_key(settings: Settings, database_url: str) -> bytes:
    """The key the relay signs with and the worker checks: ``AERIE_RELAY_KEY`` or the stored one."""
    return settings.relay_key or stored_relay_key(database_url)


def build_relay(
    side: WriteSide, settings: Settings, database_url: str, bootstrap: str, group: int = 0
) -> Relay:
    """The relay of one group (the first group also carries dead letters and quarantine)."""
    contexts = relay_groups(side, settings)[group]
    ref: list[Relay | None] = [None]
    sources = _sources(side, settings, contexts, ref)
    if group == 0:
        sources += platform_sources(settings)
    relay = Relay(
        database_url,
        sources,
        bootstrap,
        topics=settings.topics,
        signature=RelaySignature(relay_key(settings, database_url)),
        partitions=settings.partitions,
        group=str(group),
        anonymous_release_seconds=settings.anonymous_release_seconds,
        client_options=client_options(settings.kafka_login),
    )
    ref[0] = relay
    return relay


def _sources(
    side: WriteSide, settings: Settings, contexts: Sequence[str], ref: list[Relay | None]
) -> list[Source]:
    codec = EventCodec()
    sources = []
    for name in contexts:
        recorder: Any = side.apps[name].recorder
        sources.append(
            Source(
                name=name,
                topic=settings.topics.of(name),
                log=CommittedLog(recorder.events_table_name, "notification_id", STORED_COLUMNS),
                channel=recorder.channel_name,
                convert=ContextEvents(name, codec, lambda: _relay_keys(ref)),
                table=recorder.events_table_name,
            )
        )
    return sources


def _relay_keys(ref: list[Relay | None]) -> PostgresKeyRing:
    relay = ref[0]
    assert relay is not None
    return PostgresKeyRing(lambda: nullcontext(relay.bookkeeping()))


def context_names() -> list[str]:
    """The registered bounded contexts, by name."""
    return list(context_registry().names())


def projections(names: Sequence[str] = ()) -> list[Projection]:
    """The registered projections named (every one when none is), checked against the catalog."""
    known = checked()
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise SystemExit(
            f"AERIE_PROJECTIONS names unknown projections: {', '.join(unknown)}; "
            f"known: {', '.join(known)}"
        )
    return [p for name, p in known.items() if not names or name in names]


def configure_parts(parts: Sequence[Projection], settings: Settings) -> None:
    """Hand every projection and manager the platform's settings; each reads what it declares."""
    for part in parts:
        try:
            part.configure(settings.environment)
        except SettingRefused as refused:
            raise SettingsError(str(refused)) from None


def read_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The platform's settings (``Settings.from_env``), with those every registered part
    declares read too, so a malformed one is refused at start, by whichever command."""
    settings = Settings.from_env(env)
    configure_parts(projections(), settings)
    return settings


def command_sender(bus: Aerie) -> Any:
    """How process managers record commands: through the command path, as themselves."""

    def send(manager: ProcessManager, request: CommandRequest) -> Any:
        return bus.handle(
            request.kind,
            channel=f"manager:{manager.name}",
            command_id=request.command_id,
            employee_id=request.employee_id,
            data=request.data,
            actor={"kind": "system", "id": f"manager:{manager.name}"},
            source={"system": "aerie", "manager": manager.name},
            causation_id=request.causation_id,
            correlation_id=request.correlation_id or request.causation_id,
            occurred_at=request.occurred_at,
            trusted_time=True,  # the platform's own decision, at the time it names
        )

    return send


def token_settings(settings: Settings, database_url: str) -> Any:
    """How the gateway verifies (and ``aerie token`` signs) bearer tokens."""
    from pathlib import Path

    from aerie_gateway.identity import TokenSettings
    from aerie_services.platform.storage import stored_secret

    gateway = settings.gateway
    local_key = None
    if gateway.local_tokens:
        local_key = gateway.token_key
        if local_key is None:
            with psycopg.connect(database_url) as conn:
                local_key = stored_secret(conn, "token-signing")
    return TokenSettings(
        issuer=gateway.issuer,
        audience=gateway.audience,
        local_key=local_key,
        public_keys=tuple(Path(f).read_text() for f in gateway.public_key_files),
        jwks_url=gateway.jwks_url,
    )


def link_key(database_url: str) -> bytes:
    """The key the gateways sign and check links with (survey charts, the energy bill): derived
    from the platform's stored token-signing secret, so every gateway process has the same."""
    import hashlib
    import hmac

    from aerie_services.platform.storage import stored_secret

    with psycopg.connect(database_url) as conn:
        secret = stored_secret(conn, "token-signing")
    return hmac.new(secret, b"aerie signed links v1", hashlib.sha256).digest()


def gateway_config(settings: Settings, database_url: str) -> Any:
    """The gateway's configuration: its pool, tokens, limits and link key."""
    from aerie_gateway.app import GatewayConfig

    gateway = settings.gateway
    return GatewayConfig(
        database_url=database_url,
        tokens=token_settings(settings, database_url),
        pool_size=settings.pool_size,
        graphiql=gateway.graphiql,
        introspection=gateway.introspection,
        rate_per_second=gateway.rate_per_second,
        rate_burst=gateway.rate_burst,
        request_budget_seconds=gateway.request_budget_seconds,
        anonymity_threshold=gateway.anonymity_threshold,
        link_key=link_key(database_url),
        topics=settings.topics,
        partitions=settings.partitions,
    )


def ingest_config(settings: Settings, database_url: str) -> Any:
    """The Kafka door's configuration: its topic, tokens and pool."""
    from aerie_events.topics import INGEST
    from aerie_gateway.ingest import IngestConfig

    return IngestConfig(
        database_url=database_url,
        bootstrap=settings.require_broker(),
        client_options=client_options(settings.kafka_login),
        topic=settings.topics.of(INGEST),
        tokens=token_settings(settings, database_url),
        pool_size=min(settings.pool_size, 4),
    )
