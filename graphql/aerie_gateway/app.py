"""The ASGI application: GraphQL over HTTP with GraphiQL at /graphql.

Every operation carries a bearer token; the identity it names is what the
permissions check and what each recorded event's actor is. Limits (body
size, rate, time) are configured once by the composition root.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from aerie_events.topics import Topics
from aerie_services.kit.bus import Aerie
from cross_web import HTTPException
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from aerie_gateway import clients
from aerie_gateway.domain import GatewayServices
from aerie_gateway.errors import coded
from aerie_gateway.freshness import AppliedPositions, Freshness
from aerie_gateway.graphiql import graphiql_html, graphiql_routes
from aerie_gateway.guard import (
    Authenticator,
    BodyLimit,
    RateLimiter,
    RequestRefused,
    client_ip,
    refusal,
)
from aerie_gateway.identity import Identity, TokenSettings, TokenVerifier, issue_token
from aerie_gateway.loaders import Loaders
from aerie_gateway.operations import UnknownSavedQuery, saved_queries, with_saved_query
from aerie_gateway.registry import DOMAINS
from aerie_gateway.schema import AerieSchema, build_schema


@dataclass
class Context:
    pool: AsyncConnectionPool
    bus: Aerie
    loaders: Loaders
    identity: Identity
    freshness: Freshness
    anonymity_threshold: int = 5
    link_key: bytes = b""
    request: Any = None
    response: Any = None


MAX_JSON_DEPTH = 32
"""How deeply a request's JSON may nest (no input of the schema needs more than a few levels)."""


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


@dataclass(frozen=True)
class GatewayConfig:
    """What the gateway needs, given by the composition root."""

    database_url: str
    tokens: TokenSettings
    pool_size: int = 10
    graphiql: bool = True
    introspection: bool = True
    rate_per_second: float = 50.0
    rate_burst: int = 100
    max_body_bytes: int = 1_000_000
    request_budget_seconds: float = 10.0
    anonymity_threshold: int = 5
    link_key: bytes = field(default_factory=lambda: os.urandom(32))
    """The key signed links (survey charts, the energy bill page) are signed and checked with. The
    composition root gives every gateway process the same one, derived from the platform's
    stored secret; a gateway left to the default checks only the links it made itself."""
    client_token_seconds: int = 3600
    topics: Topics = field(default_factory=lambda: Topics("aerie"))
    partitions: int = 3


class AerieGraphQL(GraphQL[Context, None]):
    def __init__(
        self,
        pool: AsyncConnectionPool,
        bus: Aerie,
        config: GatewayConfig,
        schema: AerieSchema,
        authenticator: Authenticator,
        limiter: RateLimiter,
        freshness: Freshness,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if config.graphiql else None)
        self.pool = pool
        self.bus = bus
        self.config = config
        self.authenticator = authenticator
        self.limiter = limiter
        self.freshness = freshness
        self.saved = saved_queries()

    async def render_graphql_ide(self, request: Request) -> Any:
        """GraphiQL from installed files (strawberry's page loads it from a CDN)."""
        return HTMLResponse(graphiql_html())

    def should_render_graphql_ide(self, request: Any) -> bool:
        """A browser's GET, ``/graphql?query=...`` included, opens GraphiQL (see ``is_page_request``)."""
        return is_page_request(request)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """As strawberry's, with refusals answered as coded JSON errors, not plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            if is_page_request(request):
                response = await self.run(request)
            else:
                await self.admit(request)
                async with asyncio.timeout(self.config.request_budget_seconds):
                    response = await self.run(request)
        except RequestRefused as refused:
            response = refused.response()
        except TimeoutError:
            response = refusal(
                503,
                "REQUEST_TIMEOUT",
                f"the request took over {self.config.request_budget_seconds:g} s and was stopped",
                "a smaller query; a mutation may have been recorded: retry it with the same "
                "commandId (a retry records nothing twice)",
            )
        except HTTPException as error:
            response = RequestRefused(
                error.status_code, "BAD_REQUEST", error.reason, "a GraphQL request over HTTP"
            ).response()
        await response(scope, receive, send)

    def encode_json(self, data: object) -> str | bytes:
        """orjson, several times faster than the standard library on a page of 100."""
        try:
            return orjson.dumps(data)
        except (orjson.JSONEncodeError, TypeError):  # e.g. an integer past 64 bits
            return super().encode_json(data)

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
        try:
            return with_saved_query(value, self.saved)
        except UnknownSavedQuery as unknown:
            raise RequestRefused(
                400,
                "PERSISTED_QUERY_NOT_FOUND",
                f"no saved query has the hash {str(unknown)[:80]!r}",
                "the sha256 of a file in graphql/operations/ (or send the query text)",
            ) from None

    async def admit(self, request: Request) -> None:
        """Who is asking, within their rate; refused with 401 or 429 otherwise."""
        request.state.identity = await self.identified(request)

    async def identified(self, request: Request) -> Identity:
        """The verified caller of ``request``, within their rate; ``RequestRefused`` otherwise."""
        try:
            identity = await self.authenticator.identify(request)
        except RequestRefused:
            self.limiter.check(f"ip:{client_ip(request)}")
            raise
        self.limiter.check(identity.limit_key)
        return identity

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            self.pool,
            self.bus,
            Loaders(self.pool),
            identity=getattr(request.state, "identity", None),  # type: ignore[arg-type]
            freshness=self.freshness,
            anonymity_threshold=self.config.anonymity_threshold,
            link_key=self.config.link_key,
            request=request,
            response=response,
        )

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        errors = data.get("errors")
        if errors:  # strawberry types them as objects: each is a formatted error's dict
            data["errors"] = [coded(cast(dict[str, Any], error)) for error in errors]
        return data


def is_page_request(request: Any) -> bool:
    """A browser asking for GraphiQL itself (never an operation): no token needed.

    ``request`` is Starlette's or strawberry's adapter of it: both have ``method``
    and ``headers``.
    """
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def create_app(
    config: GatewayConfig, bus: Aerie, on_close: Callable[[], None] | None = None
) -> Starlette:
    """The ASGI app: GraphQL (reads through the projections' queries, writes through ``bus``)."""
    pool = AsyncConnectionPool(  # reads only: autocommit spares a COMMIT round trip each
        config.database_url,
        min_size=2,
        max_size=max(config.pool_size, 2),
        kwargs={"autocommit": True},
        open=False,
    )
    schema = build_schema(introspection=config.introspection)
    authenticator = Authenticator(TokenVerifier(config.tokens), pool)
    limiter = RateLimiter(config.rate_per_second, config.rate_burst)
    positions = AppliedPositions(config.database_url, pool)
    freshness = Freshness(positions, config.topics, config.partitions)
    graphql = AerieGraphQL(pool, bus, config, schema, authenticator, limiter, freshness)
    services = GatewayServices(
        pool, bus, graphql.identified, config.anonymity_threshold, config.link_key
    )
    domain_routes = [route for d in DOMAINS if d.routes for route in d.routes(services)]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await pool.open()
        await positions.start()
        try:
            yield
        finally:
            await positions.stop()
            await pool.close()
            if on_close is not None:
                on_close()

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "process": os.getpid()})

    async def home(_request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/token", token_endpoint(config, pool, limiter), methods=["POST"]),
            *(graphiql_routes() if config.graphiql else []),
            *domain_routes,
        ],
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    return app


def token_endpoint(
    config: GatewayConfig, pool: AsyncConnectionPool, limiter: RateLimiter
) -> Callable[[Request], Any]:
    """``POST /token``: an integration client's id and secret for a bearer token.

    OAuth 2 client credentials: a form (or JSON) with ``grant_type=client_credentials``,
    ``client_id`` and ``client_secret`` (or HTTP Basic). Tokens are signed with
    the local key; with an external identity provider, clients ask it instead.
    """

    async def issue(request: Request) -> JSONResponse:
        try:
            limiter.check(f"ip:{client_ip(request)}")
            client_id, secret = await _client_credentials(request)
            if config.tokens.local_key is None:
                raise RequestRefused(
                    404,
                    "NOT_FOUND",
                    "this platform's tokens come from its identity provider",
                    "ask the identity provider for a token",
                )
            async with pool.connection() as conn:
                client = await clients.client_with_secret(conn, client_id, secret)
            if client is None:
                raise RequestRefused(
                    401,
                    "UNAUTHENTICATED",
                    "unknown client, wrong secret, or a revoked client",
                    "the client id and secret `aerie client add` printed",
                )
        except RequestRefused as refused:
            return refused.response()
        token = issue_token(
            config.tokens,
            role=client.role,
            subject=f"client:{client.client_id}",
            site=client.site_id,
            client=client.client_id,
            valid_seconds=config.client_token_seconds,
        )
        return JSONResponse(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": config.client_token_seconds,
            }
        )

    return issue


async def _client_credentials(request: Request) -> tuple[str, str]:
    import base64
    import binascii
    from urllib.parse import parse_qs

    wrong = RequestRefused(
        400,
        "BAD_REQUEST",
        "a token request names grant_type=client_credentials, client_id and client_secret",
        "a form or JSON body, or HTTP Basic credentials",
    )
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    try:
        if "json" in content_type:
            body = dict(json.loads(raw))
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode(), strict_parsing=bool(raw)).items()}
    except (ValueError, TypeError, UnicodeDecodeError):
        raise wrong from None
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(basic[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise wrong from None
        body.setdefault("client_id", decoded.partition(":")[0])
        body.setdefault("client_secret", decoded.partition(":")[2])
    if body.get("grant_type") != "client_credentials":
        raise wrong
    client_id, secret = body.get("client_id"), body.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id:
        raise wrong
    return client_id, secret
