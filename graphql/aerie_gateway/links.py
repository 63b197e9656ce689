"""Short-lived signed links, for a browser that sends no bearer token.

A GraphQL field that may show a page (a survey chart, the energy bill; its
permission checked as for the figures) hands out a link: the page's path and
parameters and ``sig``, an itsdangerous timestamped signature of both under
the gateway's link key (``GatewayConfig.link_key``, given by the composition
root, the same in every gateway process). The link opens exactly that page
until it expires, ``LINK_SECONDS`` after it was made; what the page shows is
decided when it is opened, under the same rules as every other answer. It is a
bearer link: whoever holds it sees that page until it expires, as the person
it was given to would.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from itsdangerous import BadSignature, TimestampSigner

LINK_SECONDS = 600
SIGNATURE = "sig"
"""The query parameter that carries the link's signature (its time and MAC)."""
SALT = "aerie.signed-link"
MISMATCH = "the link's signature does not match it (it was changed, or not made here)"
EXPIRED = "the link has expired"


@dataclass(frozen=True)
class SignedLink:
    """A link and the moment it stops opening its page."""

    url: str
    expires_at: dt.datetime


class _Signer(TimestampSigner):
    """itsdangerous's timestamp signer, at a given time (``None``: now)."""

    def __init__(self, key: bytes, at: float | None = None) -> None:
        super().__init__(key, salt=SALT)
        self._at = at

    def get_timestamp(self) -> int:
        return int(self._at if self._at is not None else time.time())


def _canonical(path: str, params: Mapping[str, str]) -> str:
    return path + "?" + urlencode(sorted(params.items()))


def signed(
    key: bytes, path: str, params: Mapping[str, str], now: float | None = None
) -> SignedLink:
    """``path?params&sig=..``: the link to ``path`` with its non-empty ``params``."""
    given = {k: v for k, v in params.items() if v}
    canonical = _canonical(path, given)
    signer = _Signer(key, now)
    _value, made_at, mac = signer.sign(canonical).rsplit(signer.sep, 2)
    signature = (made_at + signer.sep + mac).decode()
    expires = signer.get_timestamp() + LINK_SECONDS
    return SignedLink(
        f"{path}?{urlencode({**given, SIGNATURE: signature})}",
        dt.datetime.fromtimestamp(expires, dt.UTC),
    )


def verified(key: bytes, path: str, params: Mapping[str, str], now: float | None = None) -> str:
    """``""`` for a link signed by this platform and not expired; else what is wrong with it.

    The age is checked here rather than by itsdangerous's ``max_age``, which also
    refuses a link made a second in the future: a gateway whose clock is a little
    behind the one that made the link must still open it.
    """
    given = {k: v for k, v in params.items() if k != SIGNATURE}
    signer = _Signer(key)
    try:
        _value, made_at = signer.unsign(
            f"{_canonical(path, given)}{signer.sep.decode()}{params.get(SIGNATURE, '')}",
            return_timestamp=True,
        )
    except BadSignature:
        return MISMATCH
    opened_at = now if now is not None else time.time()
    if made_at.timestamp() + LINK_SECONDS < opened_at:
        return EXPIRED
    return ""
