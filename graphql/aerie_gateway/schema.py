"""The schema, built once with its validation rules (depth, tokens, aliases).

Building validation extensions once, not per request, keeps graphql-core's
validation cache effective.
"""

from __future__ import annotations

from pathlib import Path

import strawberry
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from aerie_gateway.mutations import Mutation
from aerie_gateway.queries import Query
from graphql import GraphQLError

SDL_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


def should_mask(error: GraphQLError) -> bool:
    """Mask exceptions from code; keep GraphQL's own errors and the gateway's coded ones.

    Validation errors (a wrong scalar type, an Int out of range) come from
    GraphQL itself with no underlying exception: they tell the caller what to fix.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        QueryDepthLimiter(max_depth=8),
        MaxTokensLimiter(max_token_count=2000),
        MaxAliasesLimiter(max_alias_count=30),
        MaskErrors(should_mask_error=should_mask),
    ],
)


def sdl() -> str:
    return schema.as_str() + "\n"
