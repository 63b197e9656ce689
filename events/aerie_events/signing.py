"""Proof that a message on an internal topic was written by the relay.

The relay signs each message with an HMAC-SHA256 of its topic, partition,
sequence number and body under the platform's relay key; consumers apply only
messages whose ``aerie-sig`` header verifies. A message forged onto a context
topic, even with the next sequence number, is quarantined and does not take
the number of the real event that follows it. The key is configuration
(``AERIE_RELAY_KEY``) or, by default, a random key the platform keeps in its
database; broker ACLs (deploy/kafka-acls.md) keep other producers off the
topics in the first place.
"""

from __future__ import annotations

import hashlib
import hmac

SEQ_HEADER = "aerie-seq"
SIGNATURE_HEADER = "aerie-sig"
KEY_BYTES = 32


class RelaySignature:
    """Signs and verifies relay messages with one shared key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"a relay key has at least {KEY_BYTES} bytes, this one {len(key)}")
        self._key = key

    def sign(self, topic: str, partition: int, seq: int, value: bytes) -> bytes:
        """The ``aerie-sig`` header value (hex) for one message."""
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        mac.update(f"{topic}\x00{partition}\x00{seq}\x00".encode())
        mac.update(value)
        return mac.hexdigest().encode()

    def verify(
        self, topic: str, partition: int, seq: int, value: bytes, signature: bytes | None
    ) -> bool:
        """True when ``signature`` is the relay's for exactly this message."""
        if not signature:
            return False
        return hmac.compare_digest(self.sign(topic, partition, seq, value), signature)
