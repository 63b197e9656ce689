"""The profile projector on the real PostgreSQL: batches, duplicates, and its watchdog."""

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from aerie_events.envelope import Envelope
from aerie_projections.profile.agents import ProfileProjector
from aerie_projections.readmodels import migrate

TOPIC = "aerie.people"


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> str:
    url = fresh_database("projector")
    with psycopg.connect(url) as conn:
        migrate(conn)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS aerie_relay_partition (topic text, partition int, "
            "seq bigint, kafka_offset bigint, PRIMARY KEY (topic, partition))"
        )
    return url


def hired(employee_id: str, seq: int) -> Any:
    """A consumed message as faust hands it over: topic, partition, headers, value."""
    envelope = Envelope(
        event_id=uuid.uuid4(),
        type="employee.hired",
        schema_version=1,
        occurred_at="2026-01-05T09:00:00+00:00",
        recorded_at="2026-01-05T09:00:01+00:00",
        position=seq,
        context="people",
        site_id="site-p",
        employee_id=employee_id,
        actor={"kind": "system", "id": "hris"},
        source={"system": "hris"},
        correlation_id=f"c-{employee_id}",
        causation_id=None,
        policy_version=None,
        payload={
            "display_name": "Agent",
            "team_id": "t1",
            "role": "agent",
            "hired_on": "2026-01-05",
        },
    )
    message = SimpleNamespace(
        topic=TOPIC,
        partition=0,
        headers=[("aerie-seq", str(seq).encode())],
        value=envelope.to_json(),
    )
    return SimpleNamespace(message=message)


def profiles(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM aerie_read.employee_profile").fetchone()[0]


def test_the_watchdog_can_look_while_a_batch_is_being_applied(url: str) -> None:
    async def scenario() -> None:
        projector = ProfileProjector(url)
        seq = 0
        for _ in range(20):
            batch = []
            for _ in range(50):
                seq += 1
                batch.append(hired(f"P-{seq}", seq))
            rewound, stalled = await asyncio.gather(
                projector.apply(batch), projector.stalled_partitions()
            )
            assert rewound == [] and stalled == []

    asyncio.run(scenario())
    assert profiles(url) == 1000


def test_a_batch_delivered_twice_changes_nothing(url: str) -> None:
    async def scenario() -> list[Any]:
        projector = ProfileProjector(url)
        batch = [hired(f"P-{seq}", seq) for seq in range(990, 1006)]
        first = await projector.apply(batch)
        second = await projector.apply(batch)
        return [first, second]

    before = profiles(url)
    assert asyncio.run(scenario()) == [[], []]
    assert profiles(url) == before + 5
