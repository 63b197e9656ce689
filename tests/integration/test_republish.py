"""A topic a consumer found missing a number in is republished from the event store, numbered the same."""

from __future__ import annotations

from typing import Any

import psycopg
from aerie_platform import compose
from aerie_platform.settings import Settings
from aerie_services.platform.relay import ask_republish
from kafka import KafkaConsumer

from tests.conftest import RUN_ID, bootstrap_of, hire, new_id, write_side


def numbers_on(bootstrap: str, topic: str) -> list[tuple[int, bytes]]:
    """``(partition, aerie-seq)`` of every message on ``topic``, in offset order per partition."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=2000
    )
    try:
        return [(r.partition, dict(r.headers)["aerie-seq"]) for r in consumer]
    finally:
        consumer.close()


def test_a_republish_asked_for_sends_the_topic_again_under_the_same_numbers_once(
    fresh_database: Any, broker: Any
) -> None:
    url = fresh_database("republish")
    side = write_side(url)
    settings = Settings.from_env({"AERIE_TOPIC_PREFIX": f"t{RUN_ID}republish"})
    people = settings.topics.of("people")
    relay = compose.build_relay(side, settings, url, bootstrap_of(broker))
    try:
        for _ in range(3):
            hire(side.bus, new_id("RP"))
        relay.catch_up()
        first = numbers_on(bootstrap_of(broker), people)
        assert len(first) == 3

        ask_republish(url, people, "profile needs number 2 of partition 0")
        ask_republish(url, people, "audit needs number 2 of partition 0")  # one request kept
        relay.catch_up()
        relay.catch_up()  # taken once: not sent a third time
        again = numbers_on(bootstrap_of(broker), people)
        assert sorted(again) == sorted(first * 2)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM aerie_relay_republish").fetchone() == (0,)
    finally:
        relay.close()
        side.close()
