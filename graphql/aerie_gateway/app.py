"""The ASGI application: GraphQL over HTTP with GraphiQL at /graphql."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aerie_services.bus import Aerie
from cross_web import HTTPException
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from aerie_gateway.dataloaders import Loaders, build_loaders
from aerie_gateway.errors import coded
from aerie_gateway.schema import schema


@dataclass
class Context:
    pool: AsyncConnectionPool
    bus: Aerie
    loaders: Loaders
    actor: dict[str, str] = field(default_factory=lambda: {"kind": "integration", "id": "graphql"})
    request: Any = None
    response: Any = None


MAX_JSON_DEPTH = 32
"""How deeply a request's JSON may nest (no input of the schema needs more than a few levels)."""


class RequestRefused(Exception):
    """A request refused before GraphQL sees it: answered as a coded JSON error."""

    def __init__(self, status: int, code: str, message: str, allowed: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.allowed = status, code, message, allowed

    def response(self) -> JSONResponse:
        error = {
            "message": self.message,
            "extensions": {"code": self.code, "allowed": self.allowed},
        }
        return JSONResponse({"errors": [error]}, status_code=self.status)


def nesting_depth(value: Any) -> int:
    """How many arrays and objects deep ``value`` goes (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def too_deep(depth: str) -> RequestRefused:
    return RequestRefused(
        400,
        "INVALID_INPUT",
        f"the request's JSON is nested {depth} levels deep",
        f"JSON nested at most {MAX_JSON_DEPTH} levels deep",
    )


def _lenient_json(data: str | bytes) -> Any:
    """JSON the standard library accepts and orjson does not (escaped lone surrogates)."""
    try:
        return json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise too_deep("more than 900") from None
    except ValueError as error:  # e.g. a number of thousands of digits
        raise json.JSONDecodeError(str(error), str(data)[:100], 0) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class AerieGraphQL(GraphQL):
    def __init__(self, pool: AsyncConnectionPool, bus: Aerie) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.pool = pool
        self.bus = bus

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """As strawberry's, with refusals answered as coded JSON errors, not plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except RequestRefused as refused:
            response = refused.response()
        except HTTPException as error:
            response = RequestRefused(
                error.status_code, "BAD_REQUEST", error.reason, "a GraphQL request over HTTP"
            ).response()
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        """The request's JSON; refused when it nests deeper than ``MAX_JSON_DEPTH``."""
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            if "depth limit" in str(error):
                raise too_deep("more than 1,000") from None
            value = _lenient_json(data)  # e.g. a lone surrogate: the field check names it
        depth = nesting_depth(value)
        if depth > MAX_JSON_DEPTH:
            raise too_deep(str(depth))
        return value

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            self.pool, self.bus, build_loaders(self.pool), request=request, response=response
        )

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        if data.get("errors"):
            data["errors"] = [coded(error) for error in data["errors"]]
        return data


MAX_BODY_BYTES = 1_000_000


class BodyLimit:
    """Refuse request bodies over ``MAX_BODY_BYTES`` with a message, before parsing them."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers", [])).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                response = JSONResponse(
                    {
                        "errors": [
                            {
                                "message": f"request body over {MAX_BODY_BYTES} bytes",
                                "extensions": {
                                    "code": "REQUEST_TOO_LARGE",
                                    "allowed": f"at most {MAX_BODY_BYTES} bytes",
                                },
                            }
                        ]
                    },
                    status_code=413,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class GatewayConfig:
    """What the gateway needs, given by the composition root."""

    database_url: str
    pool_size: int = 10


def create_app(
    config: GatewayConfig, bus: Aerie, on_close: Callable[[], None] | None = None
) -> Starlette:
    """The ASGI app: GraphQL (reads through the projections' queries, writes through ``bus``)."""
    pool = AsyncConnectionPool(
        config.database_url, min_size=2, max_size=max(config.pool_size, 2), open=False
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await pool.open()
        try:
            yield
        finally:
            await pool.close()
            if on_close is not None:
                on_close()

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def home(_request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/graphql", AerieGraphQL(pool, bus), methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit)
    return app
