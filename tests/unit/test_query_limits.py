"""The gateway's document limits: measured without expanding fragments, refused with a code."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from aerie_gateway.limits import CODE, QueryLimits, limit_extensions, measure
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.extensions.validation_cache import _get_validate_cache
from strawberry.types import ExecutionResult

from graphql import get_introspection_query, parse

LIMITS = QueryLimits(max_depth=8, max_aliases=30, max_tokens=2000, max_fields=2000)


@strawberry.type
class Node:
    """A tree as deep as the query asks: each node has a child and two children."""

    id: strawberry.ID
    name: str

    @strawberry.field
    def child(self) -> Node:
        return Node(id=f"{self.id}.0", name="child")

    @strawberry.field
    def children(self) -> list[Node]:
        return [Node(id=f"{self.id}.{i}", name="child") for i in (1, 2)]


@strawberry.type
class Query:
    @strawberry.field
    def node(self) -> Node:
        return Node(id="1", name="root")


def limited_schema(limits: QueryLimits = LIMITS, *extra: Any) -> strawberry.Schema:
    return strawberry.Schema(query=Query, extensions=[*limit_extensions(limits), *extra])


SCHEMA = limited_schema()


def nested(levels: int) -> str:
    """``{ node { child { child ... { id } } } }``: ``levels`` object levels."""
    return "{ " + "node { " + "child { " * (levels - 1) + "id" + " }" * levels + " }"


def spread_bomb(doublings: int, leaf: str = "id") -> str:
    """Fragment F0 spreads F1 twice, F1 spreads F2 twice...: 2^doublings copies of the leaf."""
    fragments = "".join(
        f"fragment F{i} on Node {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(doublings)
    )
    return f"{{ node {{ ...F0 }} }}\n{fragments}fragment F{doublings} on Node {{ {leaf} }}"


def refusals(result: ExecutionResult) -> dict[str, dict[str, Any]]:
    """The QUERY_TOO_COMPLEX errors of a result, by the limit they name."""
    return {
        error.extensions["limit"]: error.extensions
        for error in result.errors or []
        if (error.extensions or {}).get("code") == CODE
    }


def test_a_query_at_the_depth_limit_is_accepted() -> None:
    result = SCHEMA.execute_sync(nested(8))

    assert result.errors is None
    assert result.data is not None


def test_a_query_one_level_deeper_than_the_limit_is_refused_with_the_numbers() -> None:
    result = SCHEMA.execute_sync(nested(9))

    assert result.data is None
    assert refusals(result) == {
        "depth": {"code": CODE, "limit": "depth", "allowed": 8, "actual": 9}
    }
    assert result.errors[0].message == "the query nests 9 levels deep; at most 8 are allowed"


def test_levels_inside_fragments_count_where_the_fragment_is_spread() -> None:
    query = (
        "{ node { child { ...Four } } }\n"
        "fragment Four on Node { child { child { ...Five } } }\n"
        "fragment Five on Node { child { child { child { child { child { id } } } } } }"
    )

    result = SCHEMA.execute_sync(query)

    assert refusals(result)["depth"]["actual"] == 9


def test_a_fragment_nested_past_the_depth_limit_is_refused() -> None:
    query = (
        "{ node { child { child { ...Deep } } } }\n"
        "fragment Deep on Node { child { child { child { child { child { child { id } } } } } } }"
    )

    assert refusals(SCHEMA.execute_sync(query))["depth"]["actual"] == 9


def test_a_query_with_as_many_aliases_as_allowed_is_accepted() -> None:
    query = "{ node { " + " ".join(f"a{i}: id" for i in range(30)) + " } }"

    result = SCHEMA.execute_sync(query)

    assert result.errors is None
    assert result.data["node"]["a29"] == "1"


def test_one_alias_more_than_allowed_is_refused_with_the_numbers() -> None:
    query = "{ node { " + " ".join(f"a{i}: id" for i in range(31)) + " } }"

    result = SCHEMA.execute_sync(query)

    assert result.data is None
    assert refusals(result) == {
        "aliases": {"code": CODE, "limit": "aliases", "allowed": 30, "actual": 31}
    }


def test_aliases_in_a_fragment_count_once_per_spread() -> None:
    query = (
        "{ node { ...Named child { ...Named } children { ...Named } } }\n"
        "fragment Named on Node { " + " ".join(f"a{i}: name" for i in range(11)) + " }"
    )

    assert refusals(SCHEMA.execute_sync(query))["aliases"]["actual"] == 33


def test_fields_are_counted_as_if_fragments_were_expanded() -> None:
    limits = QueryLimits(max_fields=20)
    query = (
        "{ node { ...Ten children { ...Ten } } }\n"
        "fragment Ten on Node { " + " ".join(["id", "name"] * 5) + " }"
    )

    result = limited_schema(limits).execute_sync(query)

    assert refusals(result)["fields"] == {
        "code": CODE,
        "limit": "fields",
        "allowed": 20,
        "actual": 22,
    }


@pytest.mark.timeout(5)
def test_two_to_the_twenty_nested_fragment_spreads_are_refused() -> None:
    result = SCHEMA.execute_sync(spread_bomb(20))

    assert result.data is None
    assert refusals(result)["fields"]["actual"] == 2**20 + 1
    assert {error.extensions["code"] for error in result.errors} == {CODE}


@pytest.mark.timeout(5)
def test_two_to_the_twenty_five_nested_fragment_spreads_are_refused() -> None:
    result = SCHEMA.execute_sync(spread_bomb(25))

    assert result.data is None
    assert refusals(result)["fields"]["actual"] == 2**25 + 1
    assert {error.extensions["code"] for error in result.errors} == {CODE}


@pytest.mark.timeout(5)
def test_nested_spreads_of_empty_fragments_are_refused_for_their_spreads() -> None:
    result = SCHEMA.execute_sync(spread_bomb(25, leaf=""))

    assert refusals(result)["fragment spreads"]["actual"] == 2**26 - 1


@pytest.mark.timeout(5)
def test_nested_spreads_with_aliases_and_fields_at_every_level_are_refused() -> None:
    fragments = "".join(
        f"fragment F{i} on Node {{ a{i}: id name ...F{i + 1} child {{ ...F{i + 1} }} }}\n"
        for i in range(24)
    )
    query = "{ node { ...F0 } }\n" + fragments + "fragment F24 on Node { id }"

    result = SCHEMA.execute_sync(query)

    assert {"aliases", "fields", "depth"} <= set(refusals(result))


@pytest.mark.timeout(5)
def test_many_sibling_spreads_nested_are_refused() -> None:
    fragments = "".join(
        f"fragment F{i} on Node {{ " + f"...F{i + 1} " * 10 + "}\n" for i in range(8)
    )
    query = "{ node { ...F0 } }\n" + fragments + "fragment F8 on Node { id }"

    assert refusals(SCHEMA.execute_sync(query))["fields"]["actual"] == 10**8 + 1


@pytest.mark.timeout(5)
def test_nested_spreads_of_deep_inline_fragments_are_refused() -> None:
    inline = "... on Node { " * 40 + "id" + " }" * 40
    query = spread_bomb(20, leaf=inline)

    result = SCHEMA.execute_sync(query)

    assert refusals(result)["fragment spreads"]["actual"] == 2**21 - 1 + 40 * 2**20


@pytest.mark.timeout(5)
def test_the_nested_spreads_are_refused_by_the_async_path_too() -> None:
    result = asyncio.run(SCHEMA.execute(spread_bomb(25)))

    assert refusals(result)["fields"]["allowed"] == 2000


@pytest.mark.timeout(5)
def test_a_fragment_cycle_gets_graphqls_own_cycle_error() -> None:
    query = (
        "{ node { ...A } }\n"
        "fragment A on Node { id ...B }\n"
        "fragment B on Node { name child { ...A } }"
    )

    result = SCHEMA.execute_sync(query)

    assert result.data is None
    assert [error.message for error in result.errors] == [
        "Cannot spread fragment 'A' within itself via 'B'."
    ]


def test_a_reasonable_query_using_fragments_several_times_returns_data() -> None:
    query = (
        "query Tree { node { ...Leaf child { ...Leaf children { ...Leaf } }"
        " children { ...Leaf child { ...Leaf } } } }\n"
        "fragment Leaf on Node { id name }"
    )

    result = SCHEMA.execute_sync(query)

    assert result.errors is None
    assert result.data["node"]["children"][1]["child"] == {"id": "1.2.0", "name": "child"}


def test_graphiqls_introspection_query_is_accepted() -> None:
    query = get_introspection_query(descriptions=True, input_value_deprecation=True)
    assert measure(parse(query))[0][1].fields > 200  # deep, and many fields, under __schema

    result = SCHEMA.execute_sync(query)

    assert result.errors is None
    assert result.data["__schema"]["queryType"] == {"name": "Query", "kind": "OBJECT"}


def test_repeated_fields_past_the_comparison_budget_are_refused() -> None:
    query = "{ node { " + "child { id } " * 300 + "} }"

    result = SCHEMA.execute_sync(query)

    assert result.data is None
    refused = refusals(result)["merge comparisons"]
    assert refused["allowed"] == LIMITS.max_merge_comparisons
    assert refused["actual"] > refused["allowed"]


def test_validation_past_its_time_budget_is_refused() -> None:
    query = "{ node { " + " ".join(f"child {{ f{i}: id }}" for i in range(25)) + " } }"

    result = limited_schema(QueryLimits(validation_budget_seconds=0.0)).execute_sync(query)

    assert result.data is None
    assert refusals(result)["validation time"]["allowed"] == 0.0


def test_a_small_document_validated_whole_is_never_refused_for_its_time() -> None:
    """Its validation is over before the clock is read: refusing it would save nothing."""
    query = "{ node { child { id } } }"

    result = limited_schema(QueryLimits(validation_budget_seconds=0.0)).execute_sync(query)

    assert result.errors is None


def test_a_document_over_the_token_limit_is_refused_with_the_code() -> None:
    result = limited_schema(QueryLimits(max_tokens=20)).execute_sync(nested(6))

    assert refusals(result)["tokens"]["allowed"] == 20


class RecordRules(SchemaExtension):
    """Keeps the validation rules each request validates with."""

    seen: list[tuple[Any, ...]] = []

    def on_validate(self) -> Iterator[None]:
        RecordRules.seen.append(self.execution_context.validation_rules)
        yield


def test_the_same_accepted_document_is_accepted_again_from_the_validation_cache() -> None:
    cache_size = 17  # a cache of its own: strawberry keys its LRU caches by size
    schema = limited_schema(
        LIMITS, lambda: ValidationCache(maxsize=cache_size), ParserCache, RecordRules
    )
    query = "{ node { id child { name } } }"

    first = schema.execute_sync(query)
    hits = _get_validate_cache(cache_size).cache_info().hits
    second = schema.execute_sync(query)

    assert first.errors is None and second.errors is None
    assert second.data == first.data
    assert _get_validate_cache(cache_size).cache_info().hits == hits + 1
    assert RecordRules.seen[-1] is RecordRules.seen[-2]


@pytest.mark.timeout(5)
def test_a_new_hostile_document_is_refused_after_a_benign_one_was_cached() -> None:
    schema = limited_schema(LIMITS, lambda: ValidationCache(maxsize=19), ParserCache)
    assert schema.execute_sync(spread_bomb(3)).errors is None

    result = schema.execute_sync(spread_bomb(25))

    assert result.data is None
    assert refusals(result)["fields"]["actual"] == 2**25 + 1


@pytest.mark.timeout(5)
def test_a_validation_cache_listed_before_the_limits_does_not_let_a_hostile_document_by() -> None:
    schema = strawberry.Schema(
        query=Query,
        extensions=[lambda: ValidationCache(maxsize=23), ParserCache, *limit_extensions(LIMITS)],
    )

    result = schema.execute_sync(spread_bomb(25))

    assert result.data is None
    assert refusals(result)["fields"]["actual"] == 2**25 + 1


def test_measuring_counts_exactly_without_expanding() -> None:
    document = parse(spread_bomb(60))

    [(_operation, cost)] = measure(document)

    assert (cost.depth, cost.fields, cost.spreads) == (1, 2**60 + 1, 2**61 - 1)
