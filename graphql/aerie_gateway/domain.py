"""How a capability plugs into the gateway: it declares its GraphQL part once.

A gateway domain's package ends with one ``DOMAIN = GatewayDomain(...)``: the
strawberry types whose fields join ``Query``, the rule of each field it adds
(``permissions.py`` refuses a schema with a field without one), the answers of
its commands richer than a ``CommandResult``, and any HTTP routes of its own (a
printable page, a chart). ``registry.py`` lists the domains.

Its mutations are not written here: each command declared on the write side
becomes one (``commands.py``), with its input type and its permission.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aerie_services.kit.bus import Aerie
from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request
from starlette.routing import BaseRoute

from aerie_gateway.commands import Answer
from aerie_gateway.identity import Identity
from aerie_gateway.permissions import Rule


@dataclass(frozen=True)
class GatewayServices:
    """What a domain's own HTTP routes may use.

    ``identify(request)`` verifies the request's bearer token as GraphQL does
    (and counts it against the caller's rate); it raises ``RequestRefused``,
    whose ``response()`` is the coded refusal to send.
    """

    pool: AsyncConnectionPool
    bus: Aerie
    identify: Callable[[Request], Awaitable[Identity]]
    anonymity_threshold: int
    link_key: bytes
    """The key signed links are signed and checked with (the same in every gateway process)."""


@dataclass(frozen=True)
class GatewayDomain:
    """One capability's part of the schema, with the permissions of everything it adds."""

    name: str
    query: type | None = None
    mutation: type | None = None
    fields: Mapping[str, Rule] = field(default_factory=dict)
    """Rules of the fields with a rule of their own, as ``Type.field``."""
    as_parent: Mapping[str, str] = field(default_factory=dict)
    """``Type -> "fieldA fieldB"``: fields whoever may read the object may read."""
    mutations: Mapping[str, str | None] = field(default_factory=dict)
    """Its own mutations (``mutation``'s fields, not derived from a command) -> the command
    kind each records (None: the kind it is given, as ``publishEvent``)."""
    answers: Mapping[str, Answer] = field(default_factory=dict)
    """Command kind -> its mutation's answer, where it is more than a ``CommandResult``."""
    routes: Callable[[GatewayServices], list[BaseRoute]] | None = None
    """HTTP routes of the domain's own, built once per gateway process."""
