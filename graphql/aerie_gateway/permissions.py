"""The one policy module: who may read each field and record each kind of event.

Every field of the schema has an entry in ``FIELDS`` (a check at start and a
matrix test over the whole schema fail on a field without one). An entry
names the roles that may use the field and how far each reaches:

- ``SELF``: the caller's own record (the token's subject is the employee);
- ``TEAM`` / ``SITE``: employees of the caller's team / site;
- ``DEPARTMENT``: the caller's department's issues;
- ``COMPANY``: everyone.

``AS_PARENT`` marks a field anyone who may read its object may read.
Writes are declared per event type in ``WRITES``; each mutation records one
type, ``publishEvent`` the type it is given. Each capability declares the
rules of what it adds in its gateway domain (``domain.GatewayDomain``), and
``registry.py`` installs them here, refusing anything declared twice. A refusal is ``FORBIDDEN`` and
says what the caller's role reaches, the same whether the target exists in
another scope or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from aerie_gateway.identity import CLIENT_ROLES, ROLES, Identity
from graphql import GraphQLError


class Scope(StrEnum):
    SELF = "self"
    TEAM = "team"
    SITE = "site"
    DEPARTMENT = "department"
    COMPANY = "company"


SELF, TEAM, SITE, DEPARTMENT, COMPANY = Scope

REACH = {
    SELF: "your own record",
    TEAM: "your own team",
    SITE: "your own site",
    DEPARTMENT: "your own department",
    COMPANY: "the whole company",
}


@dataclass(frozen=True)
class Rule:
    """The roles that may use one field, and the scope each reaches."""

    grants: Mapping[str, Scope]
    as_parent: bool = False

    def scope_of(self, role: str) -> Scope | None:
        return self.grants.get(role)


AS_PARENT = Rule({}, as_parent=True)

PEOPLE = tuple(r for r in ROLES if r not in CLIENT_ROLES and r != "admin")
"""Roles held by a person (who can raise an issue or answer a survey for themselves)."""


def grants(**scopes: Scope) -> Rule:
    """A rule; admin always reaches the whole company."""
    return Rule({**scopes, "admin": COMPANY})


def for_people(scope: Scope = SELF, **more: Scope) -> Rule:
    return Rule({**dict.fromkeys(PEOPLE, scope), **more, "admin": COMPANY})


def only_oneself() -> Rule:
    """A write no one makes in another's name, admin included: the token's own subject only.

    For what a person records about themselves alone (raising an issue,
    answering a survey): recording it as someone else, or replaying their
    command, would tell whether that person did it, so no role reaches further.
    """
    return Rule(dict.fromkeys((*PEOPLE, "admin"), SELF))


FIELDS: dict[str, Rule] = {}
"""Every field's rule (``Type.field``), assembled from the gateway domains (``registry.py``)."""

WRITES: dict[str, Rule] = {}
"""Who may record each event type (through its mutation or ``publishEvent``)."""

MUTATIONS: dict[str, str | None] = {}
"""The event type each mutation records (its rule is that type's entry in ``WRITES``);
None for ``publishEvent``, which records the type it is given."""


def install(
    fields: Mapping[str, Rule],
    as_parent: Mapping[str, str],
    writes: Mapping[str, Rule],
    mutations: Mapping[str, str | None],
    owner: str,
) -> None:
    """Add one gateway domain's rules; a field, type or mutation declared twice is refused."""
    declared = {**fields}
    for type_name, names in as_parent.items():
        declared.update({f"{type_name}.{name}": AS_PARENT for name in names.split()})
    for table, new in ((FIELDS, declared), (WRITES, writes), (MUTATIONS, mutations)):
        doubled = sorted(set(table) & set(new))
        if doubled:
            raise RuntimeError(f"gateway domain {owner!r} declares again: {', '.join(doubled)}")
        table.update(new)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Placement:
    """Where the target of a read or write sits: whose record, which site and team."""

    employee_id: str | None = None
    site_id: str | None = None
    team_id: str | None = None
    department: str | None = None


def reaches(identity: Identity, scope: Scope, target: Placement | None) -> bool:
    """Whether ``scope`` of ``identity`` covers ``target`` (None: not found anywhere)."""
    if scope is COMPANY:
        return True
    if target is None:
        return False
    if scope is SELF:
        return target.employee_id == identity.subject
    if scope is TEAM:
        return target.team_id is not None and (target.site_id, target.team_id) == (
            identity.site,
            identity.team,
        )
    if scope is SITE:
        return target.site_id is not None and target.site_id == identity.site
    return target.department is not None and target.department == identity.department


WriteTarget = Any
"""``async (inputs, services) -> Placement | None``: where a write's target sits.

``inputs`` are the write's fields, flat and in snake case (``employee_id``,
``site_id`` and the payload's fields); ``services`` has ``bus`` and ``pool``.
"""

WRITE_TARGETS: dict[str, WriteTarget] = {}
"""How a write of an event type without an employee subject finds its target."""


def write_target(kind: str) -> Any:
    """Declare where the target of a write of ``kind`` sits (kinds that name no employee)."""

    def register(finder: WriteTarget) -> WriteTarget:
        WRITE_TARGETS[kind] = finder
        return finder

    return register


def forbidden(message: str, needed: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN", "needed": needed})


def who_may(rule: Rule) -> str:
    return ", ".join(f"{role} ({scope})" for role, scope in rule.grants.items()) or "nobody"


def require(identity: Identity, rule: Rule, what: str, target: Placement | None) -> None:
    """Raise ``FORBIDDEN`` unless ``identity``'s role reaches ``target`` for ``what``."""
    scope = rule.scope_of(identity.role)
    if scope is None:
        raise forbidden(
            f"{what}: a {identity.role} token may not do this", f"one of the roles {who_may(rule)}"
        )
    if not reaches(identity, scope, target):
        raise forbidden(
            f"{what}: outside what {identity.describe()} reaches ({REACH[scope]})",
            REACH[scope],
        )


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


def check_declared(schema: Any, subjectless: frozenset[str] = frozenset()) -> None:
    """Refuse to start a schema with a field or mutation no rule covers.

    ``subjectless``: event types whose commands name no employee; a write rule
    for one that reaches less than the company needs a ``@write_target``.
    """
    from graphql import GraphQLObjectType

    missing = sorted(field_coordinates(schema) - set(FIELDS))
    mutation = schema._schema.type_map.get("Mutation")
    if isinstance(mutation, GraphQLObjectType):
        missing += sorted(f"Mutation.{m}" for m in mutation.fields if m not in MUTATIONS)
    kinds = {k for k in MUTATIONS.values() if k} - set(WRITES)
    missing += sorted(f"WRITES[{k!r}]" for k in kinds)
    missing += sorted(
        f"@write_target({kind!r})"
        for kind, rule in WRITES.items()
        if kind in subjectless
        and kind not in WRITE_TARGETS
        and any(scope is not COMPANY for scope in rule.grants.values())
    )
    if missing:
        raise RuntimeError(
            "fields without a declared permission (add them to aerie_gateway/permissions.py): "
            + ", ".join(missing)
        )
