"""Per-person keys in PostgreSQL: created once, shared by every process, destroyable."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import psycopg
import pytest
from aerie_events.catalog import CATALOG
from aerie_events.catalog.voice import ISSUE_RAISED
from aerie_events.codec import EventCodec, seal_payload
from aerie_services.platform.keyring import KEYRING_DDL, PostgresKeyRing, SubjectErased
from psycopg.rows import dict_row

Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> Iterator[str]:
    url = fresh_database("keyring")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(KEYRING_DDL)
    yield url


@pytest.fixture
def connect(url: str) -> Connect:
    """Connections as a pool hands them out: dict rows, not in autocommit."""
    return lambda: psycopg.connect(url, row_factory=dict_row)


@pytest.fixture
def connect_autocommit(url: str) -> Connect:
    return lambda: psycopg.connect(url, autocommit=True)


def subject() -> str:
    return f"E-{uuid.uuid4().hex[:10]}"


def stored_key_count(url: str, key_id: str) -> int:
    with psycopg.connect(url) as conn:
        query = "SELECT count(*) FROM aerie_subject_keys WHERE key_id = %s"
        return conn.execute(query, (key_id,)).fetchone()[0]


def stored_issue(person: str, payload: dict[str, Any]) -> bytes:
    """An ``issue.raised`` state as the event store holds it, sealed for ``person``."""
    at = "2026-01-05T09:00:00+00:00"
    meta = {
        "type": ISSUE_RAISED,
        "schema_version": CATALOG[ISSUE_RAISED].schema_version,
        "occurred_at": at,
        "site_id": "site-1",
        "employee_id": person,
        "actor": {"kind": "employee", "id": person},
        "source": {"system": "aerie"},
        "correlation_id": "c-1",
        "causation_id": None,
        "policy_version": None,
        "key_id": person,
    }
    timestamp = {"_type_": "datetime_iso", "_data_": at}
    return json.dumps({"timestamp": timestamp, "meta": meta, "payload": payload}).encode()


def test_ensure_creates_a_persons_key_once_and_returns_it_again(url, connect) -> None:
    person = subject()
    ring = PostgresKeyRing(connect)

    first = ring.ensure([person])
    again = ring.ensure([person])

    assert len(first[person]) == 32
    assert again == first
    assert stored_key_count(url, person) == 1


def test_another_key_ring_instance_gets_the_same_key_from_the_database(
    connect, connect_autocommit
) -> None:
    person = subject()

    created = PostgresKeyRing(connect).ensure([person])

    assert PostgresKeyRing(connect_autocommit).ensure([person]) == created
    assert PostgresKeyRing(connect_autocommit).keys_of([person]) == created


def test_a_batch_of_a_thousand_new_persons_is_ensured(connect) -> None:
    people = [subject() for _ in range(1000)]
    ring = PostgresKeyRing(connect)

    keys = ring.ensure(people)

    assert set(keys) == set(people)
    assert len(set(keys.values())) == 1000
    assert PostgresKeyRing(connect).keys_of(people) == keys


def test_a_batch_mixing_known_and_new_persons_keeps_the_known_keys(connect) -> None:
    known, new = subject(), subject()
    before = PostgresKeyRing(connect).ensure([known])

    keys = PostgresKeyRing(connect).ensure([known, new, new])

    assert keys[known] == before[known]
    assert set(keys) == {known, new}


def test_keys_of_leaves_out_persons_without_a_key(connect) -> None:
    assert PostgresKeyRing(connect).keys_of([subject()]) == {}


def test_a_destroyed_key_is_no_longer_given_to_readers(connect) -> None:
    person, colleague = subject(), subject()
    ring = PostgresKeyRing(connect)
    keys = ring.ensure([person, colleague])

    assert ring.destroy(person) is True

    assert ring.keys_of([person, colleague]) == {colleague: keys[colleague]}


def test_nothing_personal_can_be_recorded_for_an_erased_person(connect) -> None:
    person = subject()
    ring = PostgresKeyRing(connect)
    ring.ensure([person])
    ring.destroy(person)

    with pytest.raises(SubjectErased, match=f"personal data of {person} was erased"):
        ring.ensure([person])
    with pytest.raises(SubjectErased):
        PostgresKeyRing(connect).ensure([subject(), person])


def test_destroying_twice_reports_that_no_live_key_was_left(connect) -> None:
    person = subject()
    ring = PostgresKeyRing(connect)
    ring.ensure([person])

    assert ring.destroy(person) is True
    assert ring.destroy(person) is False


def test_erasing_a_person_who_had_no_key_yet_refuses_their_personal_data_later(connect) -> None:
    person = subject()
    ring = PostgresKeyRing(connect)

    assert ring.destroy(person) is False

    with pytest.raises(SubjectErased):
        ring.ensure([person])


def test_with_a_master_key_the_stored_bytes_are_not_the_persons_key(url, connect) -> None:
    person = subject()
    master = bytes(range(32))
    key = PostgresKeyRing(connect, master_key=master).ensure([person])[person]

    with psycopg.connect(url) as conn:
        query = "SELECT wrapped_key FROM aerie_subject_keys WHERE key_id = %s"
        stored = bytes(conn.execute(query, (person,)).fetchone()[0])

    assert key not in stored
    assert PostgresKeyRing(connect, master_key=master).keys_of([person]) == {person: key}


def test_a_fact_sealed_with_a_ring_key_reads_empty_once_the_key_is_destroyed(connect) -> None:
    person = subject()
    ring = PostgresKeyRing(connect)
    issue = CATALOG[ISSUE_RAISED]
    payload = issue.clean(
        {
            "issue_id": "I-9",
            "department": "it",
            "title": "Headset broken",
            "description": "My headset crackles on every call.",
            "anonymous": False,
        }
    )
    sealed = seal_payload(issue, payload, key_id=person, key=ring.ensure([person])[person])
    codec = EventCodec()
    fact = codec.read(stored_issue(person, sealed))
    assert fact is not None

    def read() -> dict[str, Any]:
        keys = ring.keys_of([person])
        return codec.envelope(
            fact, event_id=uuid.uuid4(), position=1, context="voice", keys=keys
        ).payload

    assert read() == payload
    ring.destroy(person)
    assert read() == {**payload, "title": None, "description": None}
