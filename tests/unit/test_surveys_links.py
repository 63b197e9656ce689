"""Signed chart links: good for ten minutes, for exactly the chart they were made for."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from aerie_gateway.surveys.links import LINK_SECONDS, signed, verified

KEY = b"k" * 32
PATH = "/charts/surveys/pulse-3/drivers.svg"
MADE_AT = 1_800_000_000.0


def opened(link: str, at: float, key: bytes = KEY) -> str:
    """What checking ``link`` at ``at`` says: "" when it may be shown."""
    parts = urlsplit(link)
    return verified(key, parts.path, dict(parse_qsl(parts.query)), now=at)


def link() -> str:
    return signed(KEY, PATH, {"groupBy": "SITE", "siteId": "site-north"}, now=MADE_AT)


def test_a_link_opens_until_its_ten_minutes_are_over() -> None:
    assert LINK_SECONDS == 600
    assert opened(link(), MADE_AT) == ""
    assert opened(link(), MADE_AT + LINK_SECONDS) == ""
    assert opened(link(), MADE_AT + LINK_SECONDS + 1) == "the link has expired"


def test_a_link_with_a_later_expiry_written_in_is_refused() -> None:
    extended = link().replace(f"expires={int(MADE_AT) + 600}", f"expires={int(MADE_AT) + 6000}")
    assert extended != link()
    assert "signature" in opened(extended, MADE_AT + 700)


def test_a_link_made_under_another_key_is_refused() -> None:
    assert "signature" in opened(link(), MADE_AT, key=b"x" * 32)
