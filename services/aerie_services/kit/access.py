"""Who may record what: roles, the scope each reaches, and the one check of every write.

Every command kind declares who may record it (``Handles.may``, a ``Rule``: the roles
and how far each reaches) and, when its command names no employee, where its target
sits (``Handles.target``). ``authorize`` checks a caller against that declaration for
every channel alike: GraphQL, the Kafka door, the CLI. A refusal is ``FORBIDDEN`` and
says what the caller's role reaches, the same whether the target exists in another
scope or not at all.

Scopes: ``SELF`` the caller's own record (the token's subject is the employee);
``TEAM`` / ``SITE`` employees of the caller's team / site; ``DEPARTMENT`` the caller's
department's issues; ``COMPANY`` everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aerie_services.kit.errors import DomainError

if TYPE_CHECKING:
    from aerie_services.kit.context import Facts, Handles

ROLES: dict[str, str] = {
    "agent": "their own record",
    "team_lead": "their own team",
    "site_manager": "their own site",
    "responder": "their own department's issues",
    "qa": "coupon and quality data of the company",
    "hr": "the whole company (HR and leadership)",
    "analyst": "aggregates only, behind the anonymity threshold",
    "auditor": "the history of every event",
    "site_publisher": "writes for its own site only",
    "hris": "roster events (hires, transfers, leavers)",
    "lms": "learning events",
    "admin": "everything",
}
"""Every role, with the scope it reaches."""

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "team_lead": ("site", "team"),
    "site_manager": ("site",),
    "responder": ("department",),
    "site_publisher": ("site",),
}
"""The claims a role's token must carry besides ``sub``."""

CLIENT_ROLES = ("site_publisher", "hris", "lms")
"""Roles an integration client may hold."""

PEOPLE = tuple(r for r in ROLES if r not in CLIENT_ROLES and r != "admin")
"""Roles held by a person (who can raise an issue or answer a survey for themselves)."""


@dataclass(frozen=True)
class Identity:
    """A verified caller: subject, role and the scope its role reaches."""

    subject: str
    role: str
    site: str | None = None
    team: str | None = None
    department: str | None = None
    client: str | None = None
    token_id: str | None = None

    @property
    def actor(self) -> dict[str, str]:
        """The event envelope's ``actor``: who did it, recorded from the identity."""
        actor = {"kind": "integration" if self.client else "person", "id": self.subject}
        actor["role"] = self.role
        if self.client:
            actor["client"] = self.client
        return actor

    @property
    def source(self) -> dict[str, str]:
        """The event envelope's ``source``: the channel, and the client when there is one."""
        return {"system": "graphql", **({"client": self.client} if self.client else {})}

    @property
    def limit_key(self) -> str:
        """Whose budget a request counts against (one per client, one per person)."""
        return f"client:{self.client}" if self.client else f"subject:{self.subject}"

    def describe(self) -> str:
        scope = ", ".join(
            f"{name} {value}"
            for name, value in (
                ("site", self.site),
                ("team", self.team),
                ("department", self.department),
            )
            if value
        )
        return f"{self.role} {self.subject}" + (f" ({scope})" if scope else "")


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
    """The roles that may use one field or record one kind, and the scope each reaches."""

    grants: Mapping[str, Scope]
    as_parent: bool = False

    def scope_of(self, role: str) -> Scope | None:
        return self.grants.get(role)


def grants(**scopes: Scope) -> Rule:
    """A rule; admin always reaches the whole company."""
    return Rule({**scopes, "admin": COMPANY})


def for_people(scope: Scope = SELF, **more: Scope) -> Rule:
    """Every person's role at ``scope`` (and ``more`` roles further)."""
    return Rule({**dict.fromkeys(PEOPLE, scope), **more, "admin": COMPANY})


def only_oneself() -> Rule:
    """A write no one makes in another's name, admin included: the token's own subject only.

    For what a person records about themselves alone (raising an issue,
    answering a survey): recording it as someone else, or replaying their
    command, would tell whether that person did it, so no role reaches further.
    """
    return Rule(dict.fromkeys((*PEOPLE, "admin"), SELF))


EVERYONE = Rule({**dict.fromkeys(PEOPLE, COMPANY), "admin": COMPANY})
"""Anyone signed in as a person."""

MANAGERS_ONLY = grants()
"""Decided by the platform's process managers; only an admin may record one by hand."""


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


class Forbidden(DomainError):
    """The caller's role may not do this, or not for this target."""

    code = "FORBIDDEN"

    def __init__(self, message: str, needed: str) -> None:
        super().__init__(message)
        self.details = {"needed": needed}


def who_may(rule: Rule) -> str:
    return ", ".join(f"{role} ({scope})" for role, scope in rule.grants.items()) or "nobody"


def require(identity: Identity, rule: Rule, what: str, target: Placement | None) -> None:
    """Raise ``Forbidden`` unless ``identity``'s role reaches ``target`` for ``what``."""
    scope = rule.scope_of(identity.role)
    if scope is None:
        raise Forbidden(
            f"{what}: a {identity.role} token may not do this", f"one of the roles {who_may(rule)}"
        )
    if not reaches(identity, scope, target):
        raise Forbidden(
            f"{what}: outside what {identity.describe()} reaches ({REACH[scope]})",
            REACH[scope],
        )


EMPLOYEE_PLACEMENT = "employee.placement"
"""Fact: ``(site, team)`` of an employee on the roster, or None: where a write about them lands.

The people context answers it."""

Targets = Placement | Sequence[Placement | None] | None
WriteTarget = Callable[[Mapping[str, Any], "Facts"], Targets]
"""``(inputs, facts) -> where the write lands``: a placement, several (each must be
reached: a transfer's origin and destination), or None (found nowhere).

``inputs`` are the write's fields, flat and in snake case (``employee_id``, ``site_id``
and the payload's fields); ``facts`` answers what other contexts know.
"""


def authorize(
    identity: Identity, handles: Handles, inputs: Mapping[str, Any], facts: Facts
) -> None:
    """Raise ``Forbidden`` unless ``identity`` may record ``handles.kind`` with these inputs.

    The target is where the event lands: what the kind's ``target`` says, else the
    employee it is about (the caller alone for a ``SELF`` scope; placed by the roster
    otherwise).
    """
    rule, what = handles.may, f"recording {handles.kind}"
    scope = rule.scope_of(identity.role)
    if scope is None or scope is COMPANY:
        require(identity, rule, what, None)
        return
    if handles.target is None and scope is SELF:
        require(identity, rule, what, Placement(employee_id=str(inputs.get("employee_id"))))
        return
    finder = handles.target or employee_placement
    found = finder(inputs, facts)
    placements = [found] if found is None or isinstance(found, Placement) else list(found)
    for placement in placements or [None]:
        require(identity, rule, what, placement)


def employee_placement(inputs: Mapping[str, Any], facts: Facts) -> Placement | None:
    """Where the employee a write is about sits on the roster (None: not on it)."""
    employee_id = str(inputs.get("employee_id"))
    now = facts.ask(EMPLOYEE_PLACEMENT, employee_id)
    return Placement(employee_id, *now) if now else None
