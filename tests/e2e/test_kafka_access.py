"""Access on Apache Kafka: SASL/SCRAM principals and the ACLs of ``deploy/kafka-acls.md``.

One Kafka node with SASL/SCRAM-SHA-512 on its listener and the
StandardAuthorizer denying what no ACL allows; the ACLs are
``kafka_access.platform_grants``. The relay and the worker run as their own
principals; a site publisher may write the ingest topic and nothing else; a
client that does not log in, or logs in with a wrong password, gets nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aerie_events.topics import Topics
from aerie_platform.kafka_access import (
    INGEST_DOOR,
    RELAY,
    WORKER,
    apply_grants,
    platform_grants,
    site_principal,
)
from aerie_platform.kafka_cluster import KafkaCluster, KafkaUnavailable, Scram, scram_options
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAuthorizationFailedError

from tests.conftest import RUN_ID, Platform, hire, wait_until, write_side
from tests.e2e.test_worker_restart import WAIT, pass_training, trainings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

SITE = "north"
PASSWORDS = {
    "admin": "admin-secret",
    RELAY: "relay-secret",
    WORKER: "worker-secret",
    INGEST_DOOR: "ingest-secret",
    site_principal(SITE): "site-secret",
}
PREFIX = f"t{RUN_ID}acl"
GROUP = f"g{RUN_ID}acl"


@pytest.fixture(scope="module")
def secured(workdir: Path) -> Iterator[KafkaCluster]:
    cluster = KafkaCluster(workdir / "kafka-secured", brokers=1, scram=Scram(PASSWORDS))
    try:
        cluster.start()
    except KafkaUnavailable as error:
        cluster.stop()
        pytest.fail(str(error), pytrace=False)
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, **cluster.admin_options())
    try:
        apply_grants(admin, platform_grants(Topics(PREFIX), GROUP, [SITE]))
        topics = Topics(PREFIX)
        admin.create_topics(
            [NewTopic(topics.of(c), 3, -1) for c in ("learning", "voice", "ingest")]
        )
    finally:
        admin.close()
    yield cluster
    cluster.stop()


def producer_as(cluster: KafkaCluster, user: str) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=cluster.bootstrap,
        max_block_ms=10_000,
        **scram_options(user, PASSWORDS[user]),
    )


def test_a_site_publisher_writes_the_ingest_topic_and_is_refused_on_an_event_topic(
    secured: KafkaCluster,
) -> None:
    topics = Topics(PREFIX)
    producer = producer_as(secured, site_principal(SITE))
    try:
        assert producer.send(topics.of("ingest"), b"{}").get(10).offset >= 0
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send(topics.of("learning"), b"forged").get(10)
    finally:
        producer.close()


def test_only_the_relay_writes_an_event_topic_the_worker_may_not(secured: KafkaCluster) -> None:
    topic = Topics(PREFIX).of("learning")
    worker = producer_as(secured, WORKER)
    relay = producer_as(secured, RELAY)
    try:
        with pytest.raises(KafkaError, match="AuthorizationFailed"):
            worker.send(topic, b"forged").get(10)
        assert relay.send(topic, b"relayed").get(10).offset >= 0
    finally:
        worker.close()
        relay.close()


def consumer_as(cluster: KafkaCluster, user: str) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=cluster.bootstrap,
        enable_auto_commit=False,
        **scram_options(user, PASSWORDS[user]),
    )


@pytest.mark.parametrize("user", [site_principal(SITE), INGEST_DOOR])
def test_a_site_publisher_and_the_door_read_no_event_topic(
    secured: KafkaCluster, user: str
) -> None:
    """The voice topic carries the released anonymous issues: of these, only the worker reads it."""
    voice = TopicPartition(Topics(PREFIX).of("voice"), 0)
    consumer, worker = consumer_as(secured, user), consumer_as(secured, WORKER)
    try:
        assert consumer.topics() == {Topics(PREFIX).of("ingest")}
        with pytest.raises(TopicAuthorizationFailedError):
            consumer.beginning_offsets([voice])
        assert worker.beginning_offsets([voice]) == {voice: 0}
    finally:
        consumer.close()
        worker.close()


@pytest.mark.parametrize(
    "login",
    [{}, scram_options(RELAY, "not-the-password"), scram_options("stranger", "guess")],
    ids=["no login", "wrong password", "unknown user"],
)
def test_a_client_that_does_not_log_in_as_a_known_principal_gets_nothing(
    secured: KafkaCluster, login: dict[str, Any]
) -> None:
    with pytest.raises(KafkaTimeoutError, match="Unable to bootstrap"):
        KafkaAdminClient(bootstrap_servers=secured.bootstrap, request_timeout_ms=3000, **login)


def test_the_relay_and_the_worker_each_log_in_as_their_own_principal(
    secured: KafkaCluster, fresh_database: Any, workdir: Path
) -> None:
    database_url = fresh_database("kafka_access")
    side = write_side(database_url)
    platform = Platform(database_url, secured.bootstrap, workdir, "acl")
    platform.env |= {"AERIE_TOPIC_PREFIX": PREFIX, "AERIE_GROUP_ID": GROUP}
    try:
        platform.migrate()
        for part, user in (("relay", RELAY), ("worker", WORKER)):
            platform.env |= {"AERIE_KAFKA_USER": user, "AERIE_KAFKA_PASSWORD": PASSWORDS[user]}
            platform.start(part)
        hire(side.bus, "ACL-1")
        pass_training(side.bus, "ACL-1")
        wait_until(
            lambda: trainings(database_url)[2].get("ACL-1") == 1, WAIT, "nothing was projected"
        )
    finally:
        platform.stop()
        side.close()
