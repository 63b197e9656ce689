"""Finding where a number sits in a partition, on the real broker: before, after, or nowhere."""

from __future__ import annotations

import uuid
from typing import Any

from aerie_events.signing import SEQ_HEADER, SIGNATURE_HEADER, RelaySignature
from aerie_projections.gaps import SequenceLocator
from aerie_services.platform.relay import ensure_topics
from kafka import KafkaProducer

from tests.conftest import bootstrap_of

RELAY = RelaySignature(b"r" * 32)


def partition_holding(broker: Any, numbers: list[int], forged: int | None = None) -> str:
    """A topic whose partition 0 holds ``numbers`` in this order, each signed by the relay.

    ``forged``: a number also written before the others, unsigned.
    """
    topic = f"loc-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap_of(broker), [topic], 1)
    producer = KafkaProducer(bootstrap_servers=bootstrap_of(broker), acks="all")
    if forged is not None:
        producer.send(topic, b"forged", partition=0, headers=[(SEQ_HEADER, str(forged).encode())])
    for seq in numbers:
        value = f"event {seq}".encode()
        producer.send(
            topic,
            value,
            partition=0,
            headers=[
                (SEQ_HEADER, str(seq).encode()),
                (SIGNATURE_HEADER, RELAY.sign(topic, 0, seq, value)),
            ],
        )
    producer.flush()
    producer.close()
    return topic


def test_a_number_is_found_before_where_the_gap_showed(broker: Any) -> None:
    # a republished log without the old duplicate: number 806 sits at 805, not at 806
    topic = partition_holding(broker, list(range(1, 808)))
    locator = SequenceLocator(bootstrap_of(broker), RELAY)
    try:
        assert locator.locate(topic, 0, 806, 806) == 805
        assert locator.locate(topic, 0, 3, 806) == 2  # far back: windows widen to the start
    finally:
        locator.close()


def test_a_number_sent_again_after_later_ones_is_found_after_the_gap(broker: Any) -> None:
    numbers = [1, 2, 4, 5, *range(6, 1200), 3]  # 3 failed and was sent again at the end
    topic = partition_holding(broker, numbers)
    locator = SequenceLocator(bootstrap_of(broker), RELAY)
    try:
        assert locator.locate(topic, 0, 3, 2) == len(numbers) - 1
    finally:
        locator.close()


def test_a_number_the_partition_lacks_or_holds_only_forged_is_not_found(broker: Any) -> None:
    topic = partition_holding(broker, [1, 2, 4, 5], forged=3)
    locator = SequenceLocator(bootstrap_of(broker), RELAY)
    try:
        assert locator.locate(topic, 0, 3, 3) is None
        assert locator.locate(topic, 0, 4, 0) == 3  # after the forged one at offset 0
    finally:
        locator.close()
