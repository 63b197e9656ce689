"""GraphiQL served from installed files: no CDN, so it works on a machine without internet.

The scripts and styles come from the ``graphene-django-graphiql-static`` wheel (GraphiQL 2's
UMD build and React's); the page around them is ours, with a bearer-token field above the
editor.
"""

from __future__ import annotations

import functools
import html
import json
from importlib import metadata, resources

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

PACKAGE = "graphene_django_graphiql_static"
VERSION = metadata.version("graphene-django-graphiql-static")

ASSETS: dict[str, str] = {
    "graphiql.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.css": "text/css; charset=utf-8",
    "react.production.min.js": "text/javascript; charset=utf-8",
    "react-dom.production.min.js": "text/javascript; charset=utf-8",
}
"""The only files served, with their content types."""

CACHE_CONTROL = "public, max-age=31536000, immutable"
"""Assets are versioned by the page (``?v=<package version>``), so they may be kept a year."""

DEFAULT_QUERY = "# Aerie: write a query here and press Ctrl-Enter.\n"


@functools.cache
def asset(name: str) -> bytes:
    """The bytes of the whitelisted asset ``name``, read once from the installed package."""
    if name not in ASSETS:
        raise KeyError(name)
    return (resources.files(PACKAGE) / "static" / PACKAGE / name).read_bytes()


async def serve_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        error = {
            "message": f"no GraphiQL asset named {name!r}",
            "extensions": {"code": "NOT_FOUND"},
        }
        return JSONResponse({"errors": [error]}, status_code=404)
    return Response(
        asset(name),
        media_type=ASSETS[name],
        headers={"cache-control": CACHE_CONTROL, "x-content-type-options": "nosniff"},
    )


def graphiql_routes(assets_path: str = "/graphiql") -> list[BaseRoute]:
    """The routes that serve GraphiQL's scripts and styles under ``assets_path``."""
    return [Route(f"{assets_path}/{{name}}", serve_asset, methods=["GET"])]


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Aerie GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="__ASSETS__/graphiql.min.css?v=__VERSION__">
<style>
  html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  #aerie-bar { display: flex; align-items: center; gap: 0.5em; padding: 0.4em 0.8em;
               border-bottom: 1px solid #ddd; font-size: 14px; }
  #aerie-token { flex: 1; font-family: monospace; padding: 0.3em; }
  #graphiql { flex: 1; min-height: 0; }
</style>
</head>
<body>
<div id="aerie-bar">
  <label for="aerie-token">Bearer token</label>
  <input id="aerie-token" type="text" autocomplete="off" spellcheck="false"
         placeholder="paste the output of: aerie token --role admin">
</div>
<div id="graphiql">Loading GraphiQL...</div>
<script src="__ASSETS__/react.production.min.js?v=__VERSION__"></script>
<script src="__ASSETS__/react-dom.production.min.js?v=__VERSION__"></script>
<script src="__ASSETS__/graphiql.min.js?v=__VERSION__"></script>
<script>
  const GRAPHQL_PATH = __GRAPHQL_PATH__;
  const KEY = "aerie-token";
  const tokenInput = document.getElementById("aerie-token");
  tokenInput.value = sessionStorage.getItem(KEY) || "";
  const token = () => tokenInput.value.trim().replace(/^Bearer\\s+/i, "");

  function makeFetcher() {
    return async (params, options) => {
      const headers = { "Content-Type": "application/json", Accept: "application/json",
                        ...(options && options.headers) };
      if (token()) headers.Authorization = "Bearer " + token();
      const response = await fetch(GRAPHQL_PATH, {
        method: "POST", headers, body: JSON.stringify(params) });
      const text = await response.text();
      try { return JSON.parse(text); }
      catch { return { errors: [{ message: response.status + ": " + text }] }; }
    };
  }

  const url = new URLSearchParams(location.search);
  const element = document.getElementById("graphiql");
  const root = ReactDOM.createRoot ? ReactDOM.createRoot(element) : null;  // React 18, else 17
  function render() {
    const app = React.createElement(GraphiQL, {
      fetcher: makeFetcher(),  // a new fetcher makes GraphiQL load the schema again
      query: url.get("query") || undefined,
      variables: url.get("variables") || undefined,
      defaultQuery: __DEFAULT_QUERY__,
    });
    if (root) root.render(app); else ReactDOM.render(app, element);
  }
  tokenInput.addEventListener("input", () => sessionStorage.setItem(KEY, token()));
  tokenInput.addEventListener("change", render);
  render();
</script>
</body>
</html>
"""


def graphiql_html(graphql_path: str = "/graphql", assets_path: str = "/graphiql") -> str:
    """GraphiQL's page: it loads its assets from ``assets_path`` and POSTs to ``graphql_path``.

    Nothing on it comes from another host. The token typed above the editor is sent as
    ``Authorization: Bearer <token>`` and kept in the tab's sessionStorage across reloads; the
    first query and variables come from the ``?query=`` and ``?variables=`` parameters.
    """

    def script(value: str) -> str:  # a JS string literal that cannot close the <script>
        return json.dumps(value).replace("<", "\\u003c")

    return (
        PAGE.replace("__ASSETS__", html.escape(assets_path, quote=True))
        .replace("__VERSION__", html.escape(VERSION, quote=True))
        .replace("__GRAPHQL_PATH__", script(graphql_path))
        .replace("__DEFAULT_QUERY__", script(DEFAULT_QUERY))
    )
