"""The one policy of reads: who may read each field of the schema.

Every field of the schema has an entry in ``FIELDS`` (a check at start and a
matrix test over the whole schema fail on a field without one). An entry
names the roles that may use the field and how far each reaches (the scopes
of ``aerie_services.kit.access``: ``SELF``, ``TEAM``, ``SITE``, ``DEPARTMENT``,
``COMPANY``). ``AS_PARENT`` marks a field anyone who may read its object may read.

Writes are not declared here: each command's declaration on the write side
(``Handles.may`` and ``Handles.target``) says who may record it, for every
channel alike, and each mutation derived from it checks the caller with
``Aerie.authorize``. A refusal is ``FORBIDDEN`` and says what the caller's role
reaches, the same whether the target exists in another scope or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

from aerie_services.kit import access
from aerie_services.kit.access import (
    COMPANY,
    DEPARTMENT,
    PEOPLE,
    SELF,
    SITE,
    TEAM,
    Forbidden,
    Identity,
    Placement,
    Rule,
    Scope,
    for_people,
    grants,
    only_oneself,
    reaches,
)
from strawberry.permission import BasePermission
from strawberry.types import Info

from graphql import GraphQLError

AS_PARENT = Rule({}, as_parent=True)

__all__ = [
    "COMPANY",
    "DEPARTMENT",
    "PEOPLE",
    "SELF",
    "SITE",
    "TEAM",
    "Placement",
    "Rule",
    "Scope",
    "for_people",
    "grants",
    "only_oneself",
    "reaches",
]


FIELDS: dict[str, Rule] = {}
"""Every field's rule (``Type.field``), assembled from the gateway domains (``registry.py``)."""


def install(fields: Mapping[str, Rule], as_parent: Mapping[str, str], owner: str) -> None:
    """Add one gateway domain's field rules; a field declared twice is refused."""
    declared = {**fields}
    for type_name, names in as_parent.items():
        declared.update({f"{type_name}.{name}": AS_PARENT for name in names.split()})
    doubled = sorted(set(FIELDS) & set(declared))
    if doubled:
        raise RuntimeError(f"gateway domain {owner!r} declares again: {', '.join(doubled)}")
    FIELDS.update(declared)


def forbidden(refused: Forbidden) -> GraphQLError:
    """The GraphQL error of a refusal: its message, code ``FORBIDDEN`` and what is needed."""
    return GraphQLError(refused.message, extensions={"code": refused.code, **refused.details})


def require(identity: Identity, rule: Rule, what: str, target: Placement | None) -> None:
    """Raise ``FORBIDDEN`` unless ``identity``'s role reaches ``target`` for ``what``."""
    try:
        access.require(identity, rule, what, target)
    except Forbidden as refused:
        raise forbidden(refused) from None


class Allowed(BasePermission):
    """The permission class every field with a rule of its own carries.

    It reads the field's entry in ``FIELDS`` and the target its resolver
    declares (``target`` on the field's ``Targets``): the arguments, or the
    object the field belongs to.
    """

    message = "forbidden"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool | Awaitable[bool]:
        coordinate = f"{info._raw_info.parent_type.name}.{info.field_name}"
        rule = FIELDS[coordinate]
        identity: Identity = info.context.identity
        scope = rule.scope_of(identity.role)
        if scope is None:
            require(identity, rule, coordinate, None)
        if scope is COMPANY:
            return True
        finder = TARGETS.get(coordinate)
        if finder is None:
            raise RuntimeError(f"{coordinate} has a scoped rule but no target")
        found = finder(source, info, kwargs)
        if isinstance(found, Placement) or found is None:
            require(identity, rule, coordinate, found)
            return True
        return self._check_later(identity, rule, coordinate, found)

    @staticmethod
    async def _check_later(
        identity: Identity, rule: Rule, coordinate: str, found: Awaitable[Placement | None]
    ) -> bool:
        require(identity, rule, coordinate, await found)
        return True


TargetFinder = Any
"""``(source, info, arguments) -> Placement | None | Awaitable[Placement | None]``."""

TARGETS: dict[str, TargetFinder] = {}
"""How each scoped field finds its target; filled by the modules that define the fields."""


def target(coordinate: str) -> Any:
    """Declare how the field at ``coordinate`` finds the target its rule is checked against."""

    def register(finder: TargetFinder) -> TargetFinder:
        TARGETS[coordinate] = finder
        return finder

    return register


def the_caller(_source: Any, info: Any, _arguments: dict[str, Any]) -> Placement:
    """The target of a field about the caller: the employee their token names."""
    return Placement(employee_id=info.context.identity.subject)


def field_coordinates(schema: Any) -> set[str]:
    """Every ``Type.field`` of the schema's object types (introspection types aside)."""
    from graphql import GraphQLObjectType

    coordinates = set()
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        if name == "Mutation":
            continue
        coordinates |= {f"{name}.{field}" for field in graphql_type.fields}
    return coordinates


def check_declared(schema: Any, mutations: Mapping[str, str | None]) -> None:
    """Refuse to start a schema with a field no rule covers, or a mutation no command declares.

    ``mutations``: each mutation's command kind (None: ``publishEvent``, any kind).
    """
    from graphql import GraphQLObjectType

    missing = sorted(field_coordinates(schema) - set(FIELDS))
    mutation = schema._schema.type_map.get("Mutation")
    if isinstance(mutation, GraphQLObjectType):
        missing += sorted(f"Mutation.{m}" for m in mutation.fields if m not in mutations)
    if missing:
        raise RuntimeError(
            "fields without a declared permission (add them to their gateway domain's fields, "
            "or declare the command on the write side): " + ", ".join(missing)
        )
