"""Faults as an attacker or a broken client would cause them, against the running platform.

Each test states the fault, causes it through the same doors a user has (the
broker, the gateway, the command path) and checks that nothing committed is
lost, nothing forged is applied, and the parts behind it keep moving.
"""

from collections.abc import Iterator

import psycopg
import pytest
from aerie_projections.tracking import NOT_SIGNED
from aerie_services.relay import partition_of

from tests.conftest import Platform, hire, new_id, wait_until

VIEW = "query($id: ID!) { employee(id: $id) { id displayName siteId } }"


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, side) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "faults").run_parts(
        "relay", "worker", "gateway"
    )
    yield running
    running.stop()


def view(platform: Platform, employee_id: str) -> dict | None:
    return platform.graphql(VIEW, {"id": employee_id})["data"]["employee"]


def quarantined(database_url: str, topic: str) -> list[tuple[str, int, str]]:
    """(projection, partition, reason) of what the projections quarantined from ``topic``."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT projection, partition, reason FROM aerie_quarantine "
            "WHERE stage = 'projection' AND topic = %s ORDER BY id",
            (topic,),
        ).fetchall()


def test_a_message_forged_onto_a_context_topic_is_quarantined_not_applied(
    platform: Platform, side, database_url: str
) -> None:
    """A fake hire with the next sequence number must neither show nor push out the real one."""
    from kafka import KafkaProducer

    real, fake = new_id("REAL"), new_id("FAKE")
    topic = f"{platform.env['AERIE_TOPIC_PREFIX']}.people"
    hire(side.bus, new_id("WARM"), site_id="site-f")  # the topic and its tracking exist
    partition = partition_of(real, 3)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT seq FROM aerie_relay_partition WHERE topic = %s AND partition = %s",
            (topic, partition),
        ).fetchone()
    next_seq = (row[0] if row else 0) + 1
    forged = (
        b'{"event_id":"00000000-0000-4000-8000-000000000001","type":"employee.hired",'
        b'"schema_version":1,"occurred_at":"2026-01-05T09:00:00+00:00",'
        b'"recorded_at":"2026-01-05T09:00:00+00:00","position":1,"context":"people",'
        b'"site_id":"site-f","employee_id":"' + fake.encode() + b'","actor":{},"source":{},'
        b'"correlation_id":"x","causation_id":null,"policy_version":null,"payload":'
        b'{"display_name":"Fake","team_id":"t1","role":"agent","hired_on":"2026-01-05"}}'
    )
    producer = KafkaProducer(bootstrap_servers=platform.env["AERIE_KAFKA_BOOTSTRAP"])
    producer.send(
        topic,
        key=real.encode(),
        value=forged,
        partition=partition,
        headers=[("aerie-seq", str(next_seq).encode())],
    ).get(timeout=10)
    producer.close()

    hire(side.bus, real, "Real Agent", site_id="site-f")  # the relay gives it the same number

    assert wait_until(lambda: view(platform, real), 30, "the real hire was not projected")
    assert view(platform, fake) is None
    entries = wait_until(
        lambda: (found := quarantined(database_url, topic)) and len(found) >= 2 and found,
        10,
        "the forged message was not quarantined by both projections reading the topic",
    )
    assert sorted(entries) == [
        ("handover", partition, NOT_SIGNED),
        ("profile", partition, NOT_SIGNED),
    ]
