"""How the relay numbers messages: the partition of a key, and each partition's sequence."""

from __future__ import annotations

from kafka.partitioner.default import murmur2

from aerie_services.platform.relay.sources import Outgoing


def partition_of(key: str, partitions: int) -> int:
    """The partition of ``key`` (Kafka's own murmur2), so any relay numbers it the same."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def numbered(
    messages: list[Outgoing],
    seqs: dict[int, int],
    owed: dict[tuple[int, int], int],
    partitions: int,
) -> list[tuple[int, int, Outgoing | int]]:
    """Number each message in its partition; an owed number goes to its released event.

    ``seqs`` is each partition's last number sent (updated here); ``owed`` maps
    ``(partition, seq)`` to the position of the released event that has that number;
    the numbers given here are taken out of it.
    """
    given: list[tuple[int, int, Outgoing | int]] = []

    def give_owed(partition: int) -> None:
        while (partition, seqs.get(partition, 0) + 1) in owed:
            seq = seqs[partition] = seqs.get(partition, 0) + 1
            given.append((partition, seq, owed.pop((partition, seq))))

    for message in messages:
        partition = partition_of(message.key, partitions)
        give_owed(partition)
        seq = seqs[partition] = seqs.get(partition, 0) + 1
        given.append((partition, seq, message))
    for partition in sorted({p for p, _ in owed}):
        give_owed(partition)
    return given
