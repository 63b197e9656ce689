"""What stands before GraphQL: body cap, bearer tokens, per-client rate limit.

Each refusal is an HTTP status with a JSON body in GraphQL's error shape
(``errors[0].extensions.code``), never a stack trace.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request
from starlette.responses import JSONResponse

from aerie_gateway import clients
from aerie_gateway.identity import (
    Identity,
    TokenVerifier,
    Unauthenticated,
    bearer_token,
)


class RequestRefused(Exception):
    """A request refused before GraphQL sees it: answered as a coded JSON error."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        allowed: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.allowed = status, code, message, allowed
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return refusal(self.status, self.code, self.message, self.allowed, self.headers)


def refusal(
    status: int, code: str, message: str, allowed: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    error = {"message": message, "extensions": {"code": code, "allowed": allowed}}
    return JSONResponse({"errors": [error]}, status_code=status, headers=headers)


class BodyTooLarge(Exception):
    """The body grew past the cap while it was read (a chunked body has no length)."""


class BodyLimit:
    """Refuse request bodies over ``max_bytes``: by their length, or while reading them."""

    def __init__(self, app: Any, max_bytes: int = 1_000_000) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._too_large()(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await self._too_large()(scope, receive, send)

    def _too_large(self) -> JSONResponse:
        return refusal(
            413,
            "REQUEST_TOO_LARGE",
            f"request body over {self.max_bytes} bytes",
            f"at most {self.max_bytes} bytes",
        )


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per caller: ``rate`` requests a second, bursts up to ``burst``.

    Buckets live in this process (each gateway replica counts its own); the
    least recently seen are forgotten past ``max_callers``.
    """

    def __init__(self, rate: float, burst: int, max_callers: int = 100_000) -> None:
        self.rate, self.burst, self.max_callers = rate, burst, max_callers
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def wait_needed(self, key: str, now: float | None = None) -> float:
        """0 when ``key`` may go on (one token taken), else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        bucket = self._buckets.pop(key, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[key] = bucket
        if len(self._buckets) > self.max_callers:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def check(self, key: str) -> None:
        wait = self.wait_needed(key)
        if wait:
            seconds = max(1, math.ceil(wait))
            raise RequestRefused(
                429,
                "RATE_LIMITED",
                f"too many requests: at most {self.rate:g} a second (bursts of {self.burst})",
                f"retry after {seconds} s",
                headers={"Retry-After": str(seconds)},
            )


class Authenticator:
    """Bearer token -> ``Identity``; a revoked client's tokens are refused."""

    def __init__(self, verifier: TokenVerifier, pool: AsyncConnectionPool) -> None:
        self.verifier = verifier
        self.pool = pool

    async def identify(self, request: Request) -> Identity:
        try:
            return await self.bearer(request.headers.get("authorization"))
        except Unauthenticated as error:
            raise unauthenticated(error.message) from None

    async def bearer(self, authorization: str | None) -> Identity:
        """The identity an ``Authorization`` value carries, or ``Unauthenticated`` saying why."""
        token = bearer_token(authorization)
        if self.verifier.needs_network:
            identity = await asyncio.to_thread(self.verifier.verify, token)
        else:
            identity = self.verifier.verify(token)
        if identity.client:
            async with self.pool.connection() as conn:
                active = await clients.is_active(conn, identity.client)
            if not active:
                raise Unauthenticated(f"client {identity.client!r} has been revoked")
        return identity


def unauthenticated(message: str) -> RequestRefused:
    return RequestRefused(
        401,
        "UNAUTHENTICATED",
        message,
        "a valid bearer token: Authorization: Bearer <token>",
        headers={"WWW-Authenticate": 'Bearer realm="aerie"'},
    )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
