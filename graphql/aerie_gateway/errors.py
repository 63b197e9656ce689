"""Errors a person can act on: code, field, what is allowed. Everything else is masked."""

from __future__ import annotations

import re
from typing import Any

from aerie_services.kit.errors import DomainError

from aerie_gateway.limits import TOKEN_LIMIT_MESSAGE, QueryLimits, token_limit_extensions
from graphql import GraphQLError

ENVELOPE_FIELDS = {"type", "command_id", "employee_id", "site_id", "occurred_at", "employeeId"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def domain_error(
    error: DomainError, *, prefix: str = "input", camel_case: bool = True
) -> GraphQLError:
    """A GraphQL error carrying the domain error's code and every field problem."""

    def path(field: str) -> str:
        if field in ENVELOPE_FIELDS:
            return f"input.{camel(field)}"
        return f"{prefix}.{camel(field) if camel_case else field}"

    problems = [
        {"field": path(p.field), "problem": p.problem, "allowed": p.allowed} for p in error.problems
    ]
    message = error.message
    if problems:
        message = "; ".join(
            f"{p['field']}: {p['problem']} (allowed: {p['allowed']})" for p in problems
        )
    extensions: dict[str, Any] = {"code": error.code, **getattr(error, "details", {})}
    if problems:
        extensions.update(
            field=problems[0]["field"], allowed=problems[0]["allowed"], problems=problems
        )
    return GraphQLError(message, extensions=extensions)


def bad_argument(field: str, problem: str, allowed: str) -> GraphQLError:
    return GraphQLError(
        f"{field}: {problem} (allowed: {allowed})",
        extensions={"code": "INVALID_ARGUMENT", "field": field, "allowed": allowed},
    )


_UNDEFINED_FIELD = re.compile(r"Field '(\w+)' is not defined by type '(\w+)'")


def coded(error: dict[str, Any]) -> dict[str, Any]:
    """Give a validation error (unknown field, wrong type) a code too."""
    extensions = error.setdefault("extensions", {}) or {}
    error["extensions"] = extensions
    if "code" not in extensions and TOKEN_LIMIT_MESSAGE in str(error.get("message")):
        extensions.update(token_limit_extensions(QueryLimits().max_tokens))
    if "code" not in extensions:
        extensions["code"] = (
            "INTERNAL_ERROR"
            if error.get("message") == "Unexpected error."
            else "GRAPHQL_VALIDATION_FAILED"
        )
    return error
