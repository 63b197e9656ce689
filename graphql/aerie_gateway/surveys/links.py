"""Short-lived signed links to survey charts, for a browser that sends no bearer token.

A GraphQL field that may show a chart (its permission checked as for the
figures) hands out a link: the chart's path and parameters, an expiry and
an HMAC of both under the gateway's link key (``GatewayConfig.link_key``,
given by the composition root, the same in every gateway process). The link
shows exactly that chart until it expires; what it shows is decided when it
is opened, under the same rules as every other answer (closed surveys, shown
groups only). It is a bearer link: whoever holds it sees that chart until it
expires (``LINK_SECONDS``), as the person it was given to would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import urlencode

LINK_SECONDS = 600


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
