"""The ASGI application: GraphQL over HTTP with GraphiQL at /graphql."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aerie_services.bus import Aerie
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


class AerieGraphQL(GraphQL):
    def __init__(self, pool: AsyncConnectionPool, bus: Aerie) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.pool = pool
        self.bus = bus

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
