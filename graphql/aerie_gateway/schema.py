"""The schema, built once with its validation rules (depth, tokens, aliases, fragment cost).

Building validation extensions once, not per request, keeps graphql-core's
validation cache effective.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import strawberry
from aerie_services.registry import registry
from strawberry.extensions import DisableIntrospection, MaskErrors, ParserCache, ValidationCache
from strawberry.tools import merge_types

from aerie_gateway.commands import command_mutations
from aerie_gateway.limits import QueryLimits, limit_extensions
from aerie_gateway.permissions import check_declared
from aerie_gateway.recording import MUTATIONS
from aerie_gateway.registry import DOMAINS
from graphql import GraphQLError

SDL_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


def should_mask(error: GraphQLError) -> bool:
    """Mask exceptions from code; keep GraphQL's own errors and the gateway's coded ones.

    Validation errors (a wrong scalar type, an Int out of range) come from
    GraphQL itself with no underlying exception: they tell the caller what to fix.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


log = logging.getLogger("aerie.gateway")


def unavailable(error: BaseException | None) -> bool:
    """A lost or refused database connection: the part waits for it, nothing is wrong here."""
    names = {type(e).__name__ for e in (error, getattr(error, "__cause__", None)) if e}
    return bool(names & {"OperationalError", "AdminShutdown", "PoolTimeout", "InterfaceError"})


class AerieSchema(strawberry.Schema):
    """Strawberry's schema with errors logged as one line: code and path, no values.

    Strawberry's default logs each error with the operation's text and a
    traceback; the text and the variables may hold a person's words or an
    anonymous author's identity, so they are never logged. An unexpected
    error (masked for the caller) keeps its traceback, without the request.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: Any | None = None
    ) -> None:
        operation = getattr(execution_context, "operation_name", None) or "-"
        for error in errors:
            original = error.original_error
            code = (error.extensions or {}).get("code") or getattr(original, "code", None)
            where = ".".join(str(p) for p in error.path or []) or "-"
            if unavailable(original):
                log.warning("operation %s at %s: the database is unavailable", operation, where)
                continue
            if original is not None and not isinstance(original, GraphQLError) and code is None:
                log.error(
                    "operation %s failed at %s: %s",
                    operation,
                    where,
                    type(original).__name__,
                    exc_info=(type(original), original, original.__traceback__),
                )
                continue
            log.warning(
                "operation %s refused at %s: %s", operation, where, code or "GRAPHQL_INVALID"
            )


Query = merge_types("Query", tuple(d.query for d in DOMAINS if d.query is not None))
CommandMutations, COMMAND_KINDS = command_mutations(
    registry(), {k: a for d in DOMAINS for k, a in d.answers.items()}
)
Mutation = merge_types(
    "Mutation", (CommandMutations, *(d.mutation for d in DOMAINS if d.mutation is not None))
)
MUTATIONS.update(COMMAND_KINDS)
for _domain in DOMAINS:
    MUTATIONS.update(_domain.mutations)

DOCUMENT_CACHE_SIZE = 1000
"""Distinct documents whose parse and validation are kept (least recently used go first).

A document is parsed and validated once, limits included; a refusal is kept
like any other result. Bounded, so unique query texts cannot grow memory.
"""


def build_schema(*, introspection: bool = True, limits: QueryLimits | None = None) -> AerieSchema:
    """The schema with its limits, built once per process.

    Depth, aliases, tokens and fragment cost are measured without expanding
    fragments (``limits.py``), once per distinct document. It refuses to build when a field or mutation
    has no declared permission.
    """
    extensions: list[Any] = [
        *limit_extensions(limits or QueryLimits()),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=should_mask),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    built = AerieSchema(query=Query, mutation=Mutation, extensions=extensions)
    check_declared(built, MUTATIONS)
    return built


schema = build_schema()


def sdl() -> str:
    return schema.as_str() + "\n"
