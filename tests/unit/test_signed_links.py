"""Signed links: good for ten minutes, for exactly the page they were made for."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from aerie_gateway.links import LINK_SECONDS, signed, verified

KEY = b"k" * 32
PATH = "/charts/surveys/pulse-3/drivers.svg"
MADE_AT = 1_800_000_000.0
MISMATCH = "the link's signature does not match it (it was changed, or not made here)"


def opened(link: str, at: float, key: bytes = KEY) -> str:
    """What checking ``link`` at ``at`` says: "" when it may be shown."""
    parts = urlsplit(link)
    return verified(key, parts.path, dict(parse_qsl(parts.query)), now=at)


def link() -> str:
    return signed(KEY, PATH, {"groupBy": "SITE", "siteId": "site-north"}, now=MADE_AT).url


def test_a_link_opens_until_its_ten_minutes_are_over() -> None:
    assert LINK_SECONDS == 600
    assert opened(link(), MADE_AT) == ""
    assert opened(link(), MADE_AT + LINK_SECONDS) == ""
    assert opened(link(), MADE_AT + LINK_SECONDS + 1) == "the link has expired"


def test_the_link_says_when_it_expires() -> None:
    made = signed(KEY, PATH, {}, now=MADE_AT)
    assert made.expires_at.timestamp() == MADE_AT + LINK_SECONDS


def test_a_link_opened_by_a_gateway_whose_clock_is_a_little_behind_opens() -> None:
    assert opened(link(), MADE_AT - 2) == ""


def test_a_link_with_a_later_time_written_in_is_refused() -> None:
    later = signed(KEY, PATH, {"groupBy": "SITE", "siteId": "site-north"}, now=MADE_AT + 6000)
    made_then = dict(parse_qsl(urlsplit(link()).query))["sig"].split(".")[0]
    made_later = dict(parse_qsl(urlsplit(later.url).query))["sig"].split(".")[0]
    extended = link().replace(made_then, made_later)
    assert extended != link()
    assert opened(extended, MADE_AT + 700) == MISMATCH


def test_a_link_to_another_page_or_with_other_parameters_is_refused() -> None:
    assert opened(link().replace("pulse-3", "pulse-4"), MADE_AT) == MISMATCH
    assert opened(link().replace("site-north", "site-south"), MADE_AT) == MISMATCH
    assert opened(link() + "&teamId=t1", MADE_AT) == MISMATCH
    assert opened(PATH + "?groupBy=SITE&siteId=site-north", MADE_AT) == MISMATCH


def test_a_link_made_under_another_key_is_refused() -> None:
    assert opened(link(), MADE_AT, key=b"x" * 32) == MISMATCH
