"""Short-lived signed links to survey charts, for a browser that sends no bearer token.

A GraphQL field that may show a chart (its permission checked as for the
figures) hands out a link: the chart's path and parameters, an expiry and
an HMAC of both under a key every gateway process derives from the
platform's token-signing secret. The link shows exactly that chart until it
expires; what it shows is decided when it is opened, under the same rules
as every other answer (closed surveys, shown groups only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import urlencode

from psycopg_pool import AsyncConnectionPool

LINK_SECONDS = 600
_keys: dict[int, bytes] = {}


async def link_key(pool: AsyncConnectionPool) -> bytes:
    """The links' key: derived from the stored token-signing secret (``aerie migrate`` made it)."""
    key = _keys.get(id(pool))
    if key is None:
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT value FROM aerie_secrets WHERE name = 'token-signing'")
            row = await cur.fetchone()
        if row is None:
            raise LookupError("no 'token-signing' key in aerie_secrets: run `aerie migrate`")
        secret = bytes(row[0] if not isinstance(row, dict) else row["value"])
        key = _keys[id(pool)] = hmac.new(secret, b"aerie survey chart links v1", "sha256").digest()
    return key


def _signature(key: bytes, path: str, params: Mapping[str, str]) -> str:
    canonical = path + "?" + urlencode(sorted(params.items()))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def signed(key: bytes, path: str, params: Mapping[str, str], now: float | None = None) -> str:
    """``path?params&expires=..&sig=..``: the link, valid for ``LINK_SECONDS``."""
    expires = int((now if now is not None else time.time()) + LINK_SECONDS)
    given = {k: v for k, v in params.items() if v}
    given["expires"] = str(expires)
    return f"{path}?{urlencode({**given, 'sig': _signature(key, path, given)})}"


def expiry_of(link: str) -> dt.datetime:
    expires = int(link.rsplit("expires=", 1)[1].split("&", 1)[0])
    return dt.datetime.fromtimestamp(expires, dt.UTC)


def verified(key: bytes, path: str, params: Mapping[str, str], now: float | None = None) -> str:
    """``""`` for a link signed by this platform and not expired; else what is wrong with it."""
    given = {k: v for k, v in params.items() if k != "sig"}
    expected = _signature(key, path, given)
    if not hmac.compare_digest(expected, params.get("sig", "")):
        return "the link's signature does not match it (it was changed, or not made here)"
    try:
        expires = int(given.get("expires", ""))
    except ValueError:
        return "the link has no expiry"
    if expires < (now if now is not None else time.time()):
        return "the link has expired"
    return ""
