"""GraphiQL from installed files, driven in a real headless Chromium that may not leave 127.0.0.1."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from aerie_gateway.graphiql import ASSETS, graphiql_html, graphiql_routes
from aerie_platform.cli.run import EXAMPLE_QUERY
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.conftest import Platform, hire, new_id, token_for, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def local_only(blocked: list[str]) -> Callable[[Any], None]:
    """A browser route handler that lets requests to 127.0.0.1 through and aborts the others,
    noting their URLs in ``blocked``."""

    def route_request(route: Any) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    return route_request


SITE = "site-graphiql"
NAME = "Graphiql Tester"
QUERY = EXAMPLE_QUERY.replace('"site-north"', f'"{SITE}"')


# -- the page and its assets, without a platform ------------------------------------------


def test_the_page_names_no_other_host_and_has_the_token_field() -> None:
    page = graphiql_html()
    assert "http" not in page.lower()
    assert 'id="aerie-token"' in page
    assert "aerie token --role" in page
    assert "sessionStorage" in page
    assert all(f"/graphiql/{name}" in page for name in ASSETS)


def test_the_assets_are_served_with_their_types_and_long_cache() -> None:
    client = TestClient(Starlette(routes=graphiql_routes()))
    for name, kind in ASSETS.items():
        response = client.get(f"/graphiql/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == kind
        assert "max-age=31536000" in response.headers["cache-control"]
        assert len(response.content) > 1000
    assert b"window.GraphiQL" in client.get("/graphiql/graphiql.min.js").content


@pytest.mark.parametrize("name", ["nothing.js", "views.py", "style.css"])
def test_an_unknown_asset_is_a_coded_404(name: str) -> None:
    response = TestClient(Starlette(routes=graphiql_routes())).get(f"/graphiql/{name}")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


# -- in a browser, against the running platform -------------------------------------------


@pytest.fixture(scope="module")
def platform(database_url: str, broker: Any, workdir: Any, bus: Any) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "graphiql")
    running.run_parts("relay", "worker", "gateway")
    hire(bus, new_id(), NAME, site_id=SITE)

    def shown() -> bool:
        edges = running.graphql(QUERY)["data"]["employees"]["edges"]
        return NAME in [edge["node"]["displayName"] for edge in edges]

    wait_until(shown, 30, "the hire did not reach the employees view")
    yield running
    running.stop()


def test_graphiql_runs_the_example_query_with_the_token_offline(platform: Platform) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = f"http://127.0.0.1:{platform.port}"
    token = token_for("admin")
    blocked: list[str] = []
    posts: list[Any] = []
    errors: list[str] = []
    only_local = local_only(blocked)

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)

            opened = page.goto(f"{base}/graphql?{urlencode({'query': QUERY})}")
            assert opened is not None and opened.ok, f"the page: {opened and opened.status}"
            page.fill("#aerie-token", token)
            page.click(".graphiql-execute-button")
            expect(page.locator(".graphiql-response")).to_contain_text(NAME, timeout=15_000)

            screenshot = os.environ.get("AERIE_GRAPHIQL_SCREENSHOT")
            if screenshot:
                page.screenshot(path=screenshot)
            runs = [r for r in posts if SITE in (r.post_data or "")]
            assert runs, "GraphiQL did not POST the query"
            assert {r.all_headers().get("authorization") for r in runs} == {f"Bearer {token}"}
            assert all(urlparse(r.url).path == "/graphql" for r in posts)

            page.reload()  # the token survives a reload of the tab
            expect(page.locator("#aerie-token")).to_have_value(token)
        finally:
            browser.close()

    assert blocked == [], f"the page tried to reach other hosts: {blocked}"
    assert errors == [], errors


def test_a_browser_gets_the_page_and_a_client_gets_json(platform: Platform) -> None:
    url = f"http://127.0.0.1:{platform.port}/graphql?{urlencode({'query': '{ __typename }'})}"

    def get(accept: str, headers: dict[str, str]) -> tuple[str, str]:
        request = urllib.request.Request(url, headers={"accept": accept, **headers})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers["content-type"], response.read().decode()

    kind, body = get("text/html,application/xhtml+xml,*/*;q=0.8", {})  # no token: a browser
    assert kind.startswith("text/html") and 'id="aerie-token"' in body
    kind, body = get("application/json", {"authorization": f"Bearer {token_for('admin')}"})
    assert kind.startswith("application/json") and "Query" in body
