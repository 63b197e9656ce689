"""Access on Apache Kafka: who the platform's parts log in as, and what each may do.

Each part logs in with SASL/SCRAM-SHA-512 as its own principal when
``AERIE_KAFKA_USER`` and ``AERIE_KAFKA_PASSWORD`` are set (both or neither);
without them it connects in plain text, as to the embedded broker.

``platform_grants`` is the ACL set of ``deploy/kafka-acls.md``, as data, with
the StandardAuthorizer denying what no ACL allows:

- ``aerie-relay`` is the only writer of the ``<prefix>.*`` topics (and creates them);
- ``aerie-worker`` reads them (not the ingest topic) with its consumer groups;
- ``aerie-ingest`` (the Kafka door) reads only the ingest topic;
- ``site-<site id>`` (a site publisher) writes only the ingest topic, and reads nothing,
  so no publisher sees the released anonymous events of the voice and survey topics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aerie_events.topics import INGEST, Topics

SCRAM_MECHANISM = "SCRAM-SHA-512"
RELAY, WORKER, INGEST_DOOR = "aerie-relay", "aerie-worker", "aerie-ingest"
CLUSTER = "kafka-cluster"
"""The cluster resource's name in an ACL (idempotent producers need IdempotentWrite on it)."""


class KafkaLoginError(SystemExit):
    """A Kafka login setting that is incomplete; the message names the setting."""


@dataclass(frozen=True)
class KafkaLogin:
    """The SCRAM principal a part logs in as."""

    username: str
    password: str

    def __repr__(self) -> str:  # never print the secret
        return f"KafkaLogin(username={self.username!r})"

    def client_options(self) -> dict[str, Any]:
        """kafka-python and aiokafka options alike."""
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": SCRAM_MECHANISM,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }


def login_from_env(env: Mapping[str, str]) -> KafkaLogin | None:
    """``AERIE_KAFKA_USER`` and ``AERIE_KAFKA_PASSWORD``, or None when neither is set."""
    user, password = env.get("AERIE_KAFKA_USER", ""), env.get("AERIE_KAFKA_PASSWORD", "")
    if not user and not password:
        return None
    if not user or not password:
        missing = "AERIE_KAFKA_PASSWORD" if user else "AERIE_KAFKA_USER"
        raise KafkaLoginError(
            f"{missing} is not set: a Kafka login needs AERIE_KAFKA_USER and "
            "AERIE_KAFKA_PASSWORD together (or neither, for a broker without SASL)"
        )
    return KafkaLogin(user, password)


def client_options(login: KafkaLogin | None) -> dict[str, Any]:
    """The options of a Kafka client logging in as ``login`` (none: plain text)."""
    return login.client_options() if login else {}


def sasl_login(login: KafkaLogin | None) -> tuple[str, str] | None:
    """``(user, password)`` for the projection worker's faust credentials."""
    return (login.username, login.password) if login else None


@dataclass(frozen=True)
class Grant:
    """One ACL: ``principal`` may ``operation`` on a topic, group or the cluster."""

    principal: str
    operation: str
    resource: str
    """``topic``, ``group`` or ``cluster``."""
    name: str
    prefixed: bool = False


def platform_grants(topics: Topics, group_id: str, sites: Iterable[str] = ()) -> list[Grant]:
    """Every ACL the platform needs under ``topics``' prefix, and one writer per site."""
    everything, ingest = f"{topics.prefix}.", topics.of(INGEST)
    grants = [
        *(Grant(RELAY, op, "topic", everything, True) for op in ("WRITE", "DESCRIBE", "CREATE")),
        Grant(RELAY, "IDEMPOTENT_WRITE", "cluster", CLUSTER),
        *(Grant(WORKER, op, "topic", everything, True) for op in ("READ", "DESCRIBE")),
        Grant(WORKER, "CREATE", "topic", everything, True),
        Grant(WORKER, "READ", "group", group_id, True),
        Grant(INGEST_DOOR, "READ", "topic", ingest),
        Grant(INGEST_DOOR, "DESCRIBE", "topic", ingest),
        Grant(INGEST_DOOR, "CREATE", "topic", ingest),
    ]
    for site in sites:
        principal = site_principal(site)
        grants += [Grant(principal, op, "topic", ingest) for op in ("WRITE", "DESCRIBE")]
        grants.append(Grant(principal, "IDEMPOTENT_WRITE", "cluster", CLUSTER))
    return grants


def site_principal(site_id: str) -> str:
    """The principal a site's publisher logs in as."""
    return f"site-{site_id}"


def apply_grants(admin: Any, grants: Iterable[Grant]) -> None:
    """Create the ACLs with a kafka-python admin client logged in as a super user."""
    from kafka.admin import (
        ACL,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        ResourcePattern,
        ResourceType,
    )

    acls = [
        ACL(
            principal=f"User:{grant.principal}",
            host="*",
            operation=ACLOperation[grant.operation],
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(
                ResourceType[grant.resource.upper()],
                grant.name,
                ACLResourcePatternType.PREFIXED
                if grant.prefixed
                else ACLResourcePatternType.LITERAL,
            ),
        )
        for grant in grants
    ]
    result = admin.create_acls(acls)
    failed = result.get("failed", []) if isinstance(result, dict) else []
    if failed:
        raise RuntimeError(f"the broker refused ACLs: {failed}")
