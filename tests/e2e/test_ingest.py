"""The Kafka door: commands produced to the ingest topic, recorded or refused with a reason."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.performance import KPI_RECORDED
from kafka import KafkaConsumer, KafkaProducer

from tests.conftest import Platform, bootstrap_of, hire, new_id, token_for, wait_until

SITE, OTHER_SITE = "site-i", "site-j"
LMS = new_id("lms")
FEED = new_id("feed")


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, bus) -> Iterator[Platform]:
    from aerie_gateway.clients import ensure_client

    running = Platform(database_url, broker, workdir, "ingest")
    running.migrate()
    with psycopg.connect(database_url, autocommit=True) as conn:
        ensure_client(conn, LMS, "lms")
        ensure_client(conn, FEED, "site_publisher", SITE)
    for part in ("relay", "worker", "gateway", "ingest"):
        running.start(part)
    running.wait_for_gateway()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def producer(broker: Any) -> Iterator[KafkaProducer]:
    made = KafkaProducer(bootstrap_servers=bootstrap_of(broker), acks="all")
    yield made
    made.close()


def lms_token() -> str:
    return token_for("lms", f"client:{LMS}", client=LMS)


def feed_token() -> str:
    return token_for("site_publisher", f"client:{FEED}", site=SITE, client=FEED)


def training(employee: str, command_id: str, score: int = 80) -> dict[str, Any]:
    return {
        "type": TRAINING_PASSED,
        "commandId": command_id,
        "employeeId": employee,
        "occurredAt": "2026-03-02T10:00:00+08:00",
        "payload": {
            "course_id": command_id,  # each pass its own course: a course is passed once
            "course_title": "Through the door",
            "score": score,
            "pass_mark": 60,
            "passed_on": "2026-03-02",
        },
    }


def send(
    producer: KafkaProducer,
    platform: Platform,
    value: bytes | dict,
    token: str | None,
    flush: bool = True,
) -> None:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    headers = [("authorization", f"Bearer {token}".encode())] if token else []
    producer.send(f"{platform.env['AERIE_TOPIC_PREFIX']}.ingest", value=raw, headers=headers)
    if flush:
        producer.flush()


def recorded(database_url: str, command_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM aerie_command_ids WHERE command_id = %s", (command_id,)
        ).fetchone()[0]


def dead_letters(database_url: str, marker: str) -> list[dict[str, Any]]:
    """The ingest door's dead letters whose kept input mentions ``marker``."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT source, kind, code, reason, input::text FROM aerie_dead_letters "
            "WHERE source LIKE 'ingest:%%' AND (input::text LIKE %s OR reason LIKE %s)",
            (f"%{marker}%", f"%{marker}%"),
        ).fetchall()
    return [dict(zip(("source", "kind", "code", "reason", "input"), r, strict=True)) for r in rows]


def test_a_command_produced_with_a_clients_token_is_recorded_as_that_client(
    platform: Platform, producer: KafkaProducer, bus: Any, database_url: str
) -> None:
    employee = new_id("K")
    hire(bus, employee, site_id=SITE)
    command_id = new_id("lms-statement")
    send(producer, platform, training(employee, command_id), lms_token())
    wait_until(lambda: recorded(database_url, command_id), 30, "the command was not recorded")
    trail = """query($id: ID!) { auditTrail(employeeId: $id) { entries { type actor source } } }"""

    def passed() -> dict | None:
        entries = platform.graphql(trail, {"id": employee})["data"]["auditTrail"]["entries"]
        return next((e for e in entries if e["type"] == TRAINING_PASSED), None)

    entry = wait_until(passed, 30, "the training did not reach the audit trail")
    assert entry["actor"] == {
        "kind": "integration",
        "id": f"client:{LMS}",
        "role": "lms",
        "client": LMS,
    }
    assert entry["source"]["system"] == "ingest" and entry["source"]["client"] == LMS


REFUSALS = {
    "not JSON": (b"{training: passed", "lms", "INVALID_INPUT", "not JSON"),
    "no token": ("valid", None, "UNAUTHENTICATED", "no bearer token"),
    "a forged token": ("valid", "forged", "UNAUTHENTICATED", ""),
    "another site's employee": ("elsewhere", "feed", "FORBIDDEN", "outside what"),
    "a score out of range": ("score 300", "lms", "INVALID_INPUT", "score"),
    "an unknown employee": ("nobody", "lms", "UNKNOWN_EMPLOYEE", "no employee"),
    "an unknown event type": ("exploded", "lms", "UNKNOWN_EVENT_TYPE", "not a known event type"),
}


def refused_message(case: str, bus: Any) -> tuple[bytes | dict, str | None, str]:
    """A message that must be refused for ``case``, its token, and its command id."""
    value, token_kind, _code, _reason = REFUSALS[case]
    command_id = new_id("refused")
    employee = new_id("K")
    if value == "valid":
        hire(bus, employee, site_id=SITE)
        value = training(employee, command_id)
    elif value == "elsewhere":
        hire(bus, employee, site_id=OTHER_SITE)
        value = training(employee, command_id)
    elif value == "score 300":
        hire(bus, employee, site_id=SITE)
        value = training(employee, command_id, score=300)
    elif value == "nobody":
        value = training(employee, command_id)
    elif value == "exploded":
        value = {**training(employee, command_id), "type": "star.exploded"}
    else:
        value = value + command_id.encode()  # still not JSON, but findable
    token = {"lms": lms_token(), "feed": feed_token(), "forged": lms_token()[:-4] + "AAAA"}.get(
        token_kind or ""
    )
    return value, token, command_id


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_message_becomes_one_dead_letter_with_its_reason_and_stores_nothing(
    platform: Platform, producer: KafkaProducer, bus: Any, database_url: str, case: str
) -> None:
    value, token, command_id = refused_message(case, bus)
    send(producer, platform, value, token)
    letters = wait_until(lambda: dead_letters(database_url, command_id), 30, "no dead letter")
    _value, _token, code, reason = REFUSALS[case]
    assert [letter["code"] for letter in letters] == [code], letters
    assert reason.lower() in letters[0]["reason"].lower(), letters
    assert recorded(database_url, command_id) == 0
    if token:
        assert token not in json.dumps(letters)  # a credential is never kept


def published_dead_letter(platform: Platform, broker: Any, command_id: str) -> dict[str, Any]:
    """The dead letter the platform published for ``command_id`` (waits for it)."""
    consumer = KafkaConsumer(
        f"{platform.env['AERIE_TOPIC_PREFIX']}.deadletter",
        bootstrap_servers=bootstrap_of(broker),
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
    )

    def published() -> dict | None:
        for record in consumer:
            letter = json.loads(record.value)
            if command_id in json.dumps(letter["input"]):
                return letter
        return None

    try:
        return wait_until(published, 60, "the dead letter was not published")
    finally:
        consumer.close()


def test_dead_letters_of_the_door_are_published_with_their_reason(
    platform: Platform, producer: KafkaProducer, bus: Any, broker: Any
) -> None:
    value, token, command_id = refused_message("a score out of range", bus)
    send(producer, platform, value, token)
    letter = published_dead_letter(platform, broker, command_id)
    assert letter["code"] == "INVALID_INPUT"
    assert "score" in letter["reason"]


def test_the_door_killed_mid_stream_admits_every_message_once(
    platform: Platform, producer: KafkaProducer, bus: Any, database_url: str
) -> None:
    employee = new_id("K")
    hire(bus, employee, site_id=SITE)
    run = new_id("burst")
    valid = [f"{run}-ok-{n}" for n in range(400)]
    invalid = [f"{run}-bad-{n}" for n in range(100)]
    platform.kill("ingest")
    token = lms_token()
    for n, command_id in enumerate(valid):
        send(producer, platform, training(employee, command_id), token, flush=False)
        if n < len(invalid):
            send(producer, platform, training(employee, invalid[n], score=300), token, False)
    producer.flush()
    platform.start("ingest")
    wait_until(lambda: recorded(database_url, valid[20]), 60, "the door did not start")
    platform.kill("ingest")  # mid-stream
    platform.start("ingest")
    wait_until(
        lambda: all(recorded(database_url, c) for c in valid), 90, "not every command recorded"
    )
    wait_until(
        lambda: len(dead_letters(database_url, run)) >= len(invalid), 60, "dead letters missing"
    )
    assert all(recorded(database_url, c) == 1 for c in valid)
    letters = dead_letters(database_url, run)
    assert sorted(json.loads(letter["input"])["command_id"] for letter in letters) == sorted(
        invalid
    )


def test_publish_sends_a_files_commands_and_says_where_refusals_go(
    platform: Platform, bus: Any, database_url: str, tmp_path: Any
) -> None:
    employee = new_id("K")
    hire(bus, employee, site_id=SITE)
    good, bad = new_id("file-ok"), new_id("file-bad")
    lines = [json.dumps(training(employee, good)), json.dumps(training(employee, bad, score=-1))]
    path = tmp_path / "commands.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    done = subprocess.run(
        [sys.executable, "-m", "aerie_platform.cli", "publish", str(path), "--token", lms_token()],
        env=platform.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "sent 2 commands" in done.stderr + done.stdout
    assert "dead-letters list" in done.stderr + done.stdout
    wait_until(lambda: recorded(database_url, good), 30, "the good line was not recorded")
    wait_until(lambda: dead_letters(database_url, bad), 30, "the bad line has no dead letter")


def test_an_out_of_range_kpi_through_the_door_lands_on_the_dead_letter_topic_with_its_reason(
    platform: Platform, producer: KafkaProducer, bus: Any, broker: Any, database_url: str
) -> None:
    employee, command_id = new_id("K"), new_id("kpi")
    hire(bus, employee, site_id=SITE)
    facts = {
        "day": "2026-03-02",
        "calls_answered": -5,
        "average_handling_seconds": 300,
        "first_contact_resolution": "80",
        "customer_satisfaction": "5.6",
        "qa_score": "85",
        "attendance": "97",
    }
    value = {
        "type": KPI_RECORDED,
        "commandId": command_id,
        "employeeId": employee,
        "payload": facts,
    }
    send(producer, platform, value, feed_token())
    letter = published_dead_letter(platform, broker, command_id)
    assert letter["code"] == "INVALID_INPUT"
    assert "calls_answered" in letter["reason"] and "customer_satisfaction" in letter["reason"]
    assert "from 1 and at most 5" in letter["reason"]
    assert recorded(database_url, command_id) == 0
