"""An anonymous event is not published in the same instant as its author's other events.

The relay parks an anonymous issue in ``aerie_relay_held`` and releases it at the
end of its epoch-aligned window, with every other anonymous event of that
window, under a valid number; a crash or a broker reset neither loses it,
doubles it nor publishes it early. The platform's relay here runs with a
window of ``WINDOW`` seconds; tests driving a relay of their own do so on a
database of their own (a relay's positions are keyed by context).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.voice import ISSUE_RAISED
from aerie_events.signing import SEQ_HEADER, SIGNATURE_HEADER, RelaySignature

from tests.conftest import Platform, hire, new_id, wait_until, write_side

WINDOW = 2


@dataclass(frozen=True)
class Record:
    """A message read back from the broker."""

    partition: int
    offset: int
    seq: int
    signature: bytes
    value: bytes
    timestamp: float

    @property
    def envelope(self) -> dict[str, Any]:
        return json.loads(self.value)


def records_on(bootstrap: str, topic: str) -> list[Record]:
    """Every message of ``topic`` now on the broker, in partition and offset order."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        found: list[Record] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for tp, batch in consumer.poll(timeout_ms=500).items():
                for r in batch:
                    headers = dict(r.headers or [])
                    found.append(
                        Record(
                            tp.partition,
                            r.offset,
                            int(headers[SEQ_HEADER]),
                            headers[SIGNATURE_HEADER],
                            r.value,
                            r.timestamp / 1000,
                        )
                    )
    finally:
        consumer.close()
    return sorted(found, key=lambda r: (r.partition, r.offset))


def of_event(records: list[Record], event_id: object) -> list[Record]:
    return [r for r in records if r.envelope["event_id"] == str(event_id)]


def window_end(moment: float, window: float = WINDOW) -> float:
    return math.floor(moment / window) * window + window


def at_the_start_of_a_window(window: float = WINDOW) -> float:
    """Sleep until a window has just begun (so the next few commands fall in it); the time."""
    time.sleep(window_end(time.time(), window) - time.time() + 0.05)
    return time.time()


def raise_issue(bus: Any, author: str, *, anonymous: bool) -> Any:
    """An issue raised by ``author``: anonymously about night shifts, or by name about a headset."""
    title, description = (
        ("Night shifts", "Too many in a row.") if anonymous else ("Headset", "Cuts out.")
    )
    return bus.handle(
        ISSUE_RAISED,
        command_id=new_id("raise"),
        employee_id=author,
        data={
            "issue_id": new_id("ISS"),
            "department": "hr" if anonymous else "it",
            "title": title,
            "description": description,
            "anonymous": anonymous,
        },
    )


def raise_anonymous(bus: Any, author: str) -> Any:
    return raise_issue(bus, author, anonymous=True)


def pass_training(bus: Any, employee: str) -> Any:
    return bus.handle(
        TRAINING_PASSED,
        command_id=new_id("train"),
        employee_id=employee,
        data={
            "course_id": new_id("C-EMPATHY"),
            "course_title": "Empathy",
            "score": 90,
            "pass_mark": 60,
            "passed_on": "2026-02-02",
        },
    )


def held(database_url: str) -> list[tuple[str, int, Any, int | None]]:
    """(source, position, release_at, seq) of every held or released event."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT source, position, release_at, seq FROM aerie_relay_held ORDER BY position"
        ).fetchall()


def assert_numbered_without_gaps(records: list[Record], topic: str, key: bytes) -> None:
    """Each partition is numbered 1, 2, 3, ... once each, and every message is the relay's."""
    signature = RelaySignature(key)
    for partition in {r.partition for r in records}:
        seqs = [r.seq for r in records if r.partition == partition]
        assert seqs == list(range(1, len(seqs) + 1)), (partition, seqs)
    for r in records:
        assert signature.verify(topic, r.partition, r.seq, r.value, r.signature)


def relay_key(database_url: str) -> bytes:
    from aerie_services.platform.storage import stored_relay_key

    return stored_relay_key(database_url)


# -- the running platform ------------------------------------------------------------


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, side) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "anon")
    running.env["AERIE_ANONYMOUS_RELEASE_SECONDS"] = str(WINDOW)
    running.run_parts("relay", "worker")
    yield running
    running.stop()


def topic(platform: Platform, context: str) -> str:
    return f"{platform.env['AERIE_TOPIC_PREFIX']}.{context}"


def bootstrap(platform: Platform) -> str:
    return platform.env["AERIE_KAFKA_BOOTSTRAP"]


def issues_in_read_model(database_url: str, issue_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM aerie_read.issue WHERE issue_id = %s", (issue_id,)
        ).fetchone()[0]


def test_an_anonymous_issue_raised_right_after_its_authors_training_waits_for_its_window(
    platform: Platform, bus: Any, database_url: str
) -> None:
    author = new_id("AUTHOR")
    hire(bus, author, site_id="site-anon")
    started = at_the_start_of_a_window()
    trained = pass_training(bus, author)
    raised = raise_anonymous(bus, author)

    named = wait_until(
        lambda: of_event(
            records_on(bootstrap(platform), topic(platform, "learning")), trained.event_id
        ),
        30,
        "the named training was not published",
    )
    released = wait_until(
        lambda: of_event(
            records_on(bootstrap(platform), topic(platform, "voice")), raised.event_id
        ),
        30,
        "the anonymous issue was never released",
    )

    assert len(released) == 1
    assert released[0].timestamp >= window_end(started)  # at the end of its window
    assert released[0].timestamp > named[0].timestamp  # not beside the training
    envelope = released[0].envelope
    assert envelope["recorded_at"].endswith(":00:00+00:00")
    assert envelope["occurred_at"].endswith(":00:00+00:00")
    assert envelope["employee_id"] is None
    assert envelope["position"] == 0  # its place in the log would sit next to its author's
    voice = records_on(bootstrap(platform), topic(platform, "voice"))
    assert_numbered_without_gaps(voice, topic(platform, "voice"), relay_key(database_url))
    issue_id = envelope["payload"]["issue_id"]
    wait_until(
        lambda: issues_in_read_model(database_url, issue_id),
        60,
        "the released issue was not projected",
    )
    assert issues_in_read_model(database_url, issue_id) == 1


def test_two_anonymous_issues_of_one_site_in_one_window_are_released_together(
    platform: Platform, bus: Any, database_url: str
) -> None:
    first, second = new_id("AUTHOR"), new_id("AUTHOR")
    for author in (first, second):
        hire(bus, author, site_id="site-pair")
    started = at_the_start_of_a_window()
    raised = [raise_anonymous(bus, first), raise_anonymous(bus, second)]

    def both_released() -> list[Record]:
        voice = records_on(bootstrap(platform), topic(platform, "voice"))
        found = [r for outcome in raised for r in of_event(voice, outcome.event_id)]
        return found if len(found) == 2 else []

    released = wait_until(both_released, 30, "the two anonymous issues were not both released")

    times = sorted(r.timestamp for r in released)
    assert times[0] >= window_end(started)
    assert times[1] - times[0] < 0.5  # one send, not one per issue
    with psycopg.connect(database_url) as conn:
        windows = conn.execute(
            "SELECT count(DISTINCT release_at) FROM aerie_relay_held WHERE site_id = 'site-pair'"
        ).fetchone()[0]
    assert windows == 1


def test_a_relay_killed_after_parking_an_anonymous_issue_releases_it_exactly_once(
    platform: Platform, bus: Any, database_url: str
) -> None:
    author = new_id("AUTHOR")
    hire(bus, author, site_id="site-kill")
    at_the_start_of_a_window()
    raised = raise_anonymous(bus, author)
    position = raised.position
    wait_until(
        lambda: any(p == position and seq is None for _, p, _, seq in held(database_url)),
        10,
        "the anonymous issue was not parked",
    )

    platform.kill("relay")
    platform.start("relay")

    voice_topic = topic(platform, "voice")
    released = wait_until(
        lambda: of_event(records_on(bootstrap(platform), voice_topic), raised.event_id),
        60,
        "the parked issue was not released after the restart",
    )
    time.sleep(WINDOW + 1)  # a second release of it would have happened by now
    voice = records_on(bootstrap(platform), voice_topic)
    assert len(released) == len(of_event(voice, raised.event_id)) == 1
    assert_numbered_without_gaps(voice, voice_topic, relay_key(database_url))


# -- a relay of the test's own, on a database of its own ------------------------------


@dataclass
class OwnRelay:
    """A database, its write side, and how to build a relay on it (pumped by the test)."""

    url: str
    side: Any
    build: Callable[[], Any]
    voice_topic: str
    bootstrap: str


@pytest.fixture(scope="module")
def own(fresh_database: Any, broker: Any) -> Iterator[OwnRelay]:
    """A write side and a relay (not running: the test pumps it) on a fresh database."""
    from aerie_platform import compose
    from aerie_platform.settings import Settings

    from tests.conftest import RUN_ID, bootstrap_of

    url = fresh_database("anon_own")
    side = write_side(url)
    settings = Settings.from_env(
        {
            "AERIE_TOPIC_PREFIX": f"t{RUN_ID}anonown",
            "AERIE_ANONYMOUS_RELEASE_SECONDS": str(WINDOW),
        }
    )

    def relay() -> Any:
        return compose.build_relay(side, settings, url, bootstrap_of(broker))

    yield OwnRelay(url, side, relay, settings.topics.of("voice"), bootstrap_of(broker))
    side.close()


def test_a_release_numbered_before_a_crash_goes_out_under_those_numbers_once(
    own: OwnRelay,
) -> None:
    side, relay, voice_topic, servers = own.side, own.build, own.voice_topic, own.bootstrap
    author = new_id("AUTHOR")
    hire(side.bus, author, site_id="site-own")
    at_the_start_of_a_window()
    raised = raise_anonymous(side.bus, author)
    first = relay()
    first.catch_up()
    time.sleep(window_end(time.time()) - time.time() + 0.1)
    assert first.hold.release_due() == 1  # numbered, then the relay dies before sending

    first.close()
    again = relay()
    again.catch_up()
    again.catch_up()
    again.close()

    voice = records_on(servers, voice_topic)
    assert len(of_event(voice, raised.event_id)) == 1
    assert_numbered_without_gaps(voice, voice_topic, relay_key(own.url))


def raise_named(bus: Any, author: str) -> Any:
    return raise_issue(bus, author, anonymous=False)


def test_a_broker_reset_keeps_held_issues_held_and_numbers_released_ones_as_before(
    own: OwnRelay,
) -> None:
    side, relay, voice_topic, servers = own.side, own.build, own.voice_topic, own.bootstrap
    author = new_id("AUTHOR")
    hire(side.bus, author, site_id="site-own")
    sender = relay()
    at_the_start_of_a_window()
    released = raise_anonymous(side.bus, author)
    sender.catch_up()
    time.sleep(window_end(time.time()) - time.time() + 0.1)
    sender.catch_up()
    for _ in range(6):  # sent after the release, so numbered after it in its partition
        raise_named(side.bus, author)
    at_the_start_of_a_window()
    waiting = raise_anonymous(side.bus, author)
    sender.catch_up()
    before = records_on(servers, voice_topic)
    assert of_event(before, released.event_id) and not of_event(before, waiting.event_id)

    sender.reset()  # as when the broker lost its data: everything is sent again
    sender.catch_up()

    after = records_on(servers, voice_topic)
    assert len(after) == 2 * len(before)
    assert not of_event(after, waiting.event_id)  # not published early
    numbers: dict[tuple[int, int], set[str]] = {}
    for r in after:
        numbers.setdefault((r.partition, r.seq), set()).add(r.envelope["event_id"])
    assert all(len(ids) == 1 for ids in numbers.values()), numbers  # each number, one event
    time.sleep(window_end(time.time()) - time.time() + 0.1)
    sender.catch_up()
    assert len(of_event(records_on(servers, voice_topic), waiting.event_id)) == 1
    sender.close()
