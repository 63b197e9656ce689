"""The follow-up key of an anonymous issue: how its author comes back without being known.

The key is shown to the author once, when the issue is raised, and kept by the
platform only as a keyed hash. It is derived (under the platform's secret) from
the author and the command id their client chose, so a retried raise shows the
same key again and nothing else about the author is kept. Whoever presents the
key may accept, reject or comment on that issue; no event records who did.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

KEY_PREFIX = "FU-"
_KEY_LABEL = b"aerie follow-up key\x00"
_DIGEST_LABEL = b"aerie follow-up digest\x00"


def follow_up_key(secret: bytes, author: str, command_id: str) -> str:
    """The author's key to ``command_id``'s issue: 128 bits, readable, the same on every retry."""
    mac = hmac.new(secret, _KEY_LABEL + f"{author}\x00{command_id}".encode(), hashlib.sha256)
    text = base64.b32encode(mac.digest()[:20]).decode().rstrip("=")
    return KEY_PREFIX + "-".join(text[i : i + 4] for i in range(0, 32, 4))


def follow_up_digest(secret: bytes, key: str) -> str:
    """What the platform keeps of ``key``: a keyed hash, useless without the platform's secret."""
    normalised = key.strip().upper().encode()
    return hmac.new(secret, _DIGEST_LABEL + normalised, hashlib.sha256).hexdigest()


NO_DIGEST = "0" * 64
"""What a key is compared with when there is no digest to compare it with (no such issue, or
an issue raised by name): the comparison is made all the same."""


def key_matches(secret: bytes, key: str, digest: str | None) -> bool:
    """True when ``key`` is the one whose keyed hash is ``digest``.

    The same work whatever the answer: the key's keyed hash is computed and compared (in
    constant time) even when there is no digest or no key, so how long the answer takes does
    not tell an unknown or named issue from an anonymous one.
    """
    given = follow_up_digest(secret, key if isinstance(key, str) else "")
    same = hmac.compare_digest(given, digest if digest is not None else NO_DIGEST)
    return same and digest is not None
