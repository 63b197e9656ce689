"""The walkthrough of docs/extending.md, built: a kudos context from its declarations alone.

One catalog type, one context with one declared command, one projection and one query:
the registries take them, and the GraphQL mutation, its input type and the permission
every channel applies come out of the command's declaration, with nothing written twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import strawberry
from aerie_events.catalog import CATALOG
from aerie_events.catalog.kit import define
from aerie_events.envelope import Envelope
from aerie_events.fields import Field
from aerie_gateway.commands import command_mutations
from aerie_projections.kit import Projection, Statement, insert_rows
from aerie_projections.registry import PROJECTIONS, checked
from aerie_services.kit.access import (
    COMPANY,
    EMPLOYEE_PLACEMENT,
    TEAM,
    Forbidden,
    Identity,
    authorize,
    grants,
)
from aerie_services.kit.base import Command, ContextApplication, Outcome
from aerie_services.kit.context import BoundedContext, ContextRegistry, Facts, Handles
from aerie_services.registry import CONTEXTS

# 1. the events (events/aerie_events/catalog/kudos.py)
KUDOS = "kudos"
KUDOS_GIVEN = "kudos.given"
KUDOS_TYPE = define(
    KUDOS_GIVEN,
    KUDOS,
    "A team lead thanked an agent for something they did.",
    kudos_id=Field("id", "The kudos."),
    reason=Field("text", "What for.", max_length=500),
    given_on=Field("date", "The site's day it was given."),
)


# 2. the command (services/aerie_services/kudos/)
class Kudos(ContextApplication):
    def give_kudos(self, command: Command, facts: Facts) -> Outcome:
        raise NotImplementedError  # load, let the aggregate decide, save


KUDOS_CONTEXT = BoundedContext(
    name=KUDOS,
    application=Kudos,
    handles=(
        Handles(
            KUDOS_GIVEN,
            Kudos.give_kudos,
            may=grants(team_lead=TEAM, hr=COMPANY),
            summary="a thank-you on the agent's record.",
        ),
    ),
)


# 3. the projection (projections/aerie_projections/kudos/)
class KudosProjection(Projection):
    name = "kudos"
    tables = ("kudos_given",)
    handles = frozenset({KUDOS_GIVEN})
    migrations = (
        (
            1,
            "kudos per agent",
            "CREATE TABLE IF NOT EXISTS {s}.kudos_given (kudos_id text PRIMARY KEY, "
            "employee_id text NOT NULL)",
        ),
    )

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        rows = [(e.payload["kudos_id"], e.employee_id) for e in envelopes]
        columns = [("kudos_id", "text"), ("employee_id", "text")]
        return [insert_rows("kudos_given", columns, rows)] if rows else []


@pytest.fixture
def kudos_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[ContextRegistry]:
    """The platform's registry with the kudos context (its type added to the catalog)."""
    monkeypatch.setitem(CATALOG, KUDOS_GIVEN, KUDOS_TYPE)
    yield ContextRegistry([*CONTEXTS, KUDOS_CONTEXT])


class Roster:
    """The one fact ``authorize`` asks here: where each employee sits."""

    def __init__(self, placements: dict[str, tuple[str, str]]) -> None:
        self.placements = placements

    def ask(self, fact: str, key: Any) -> Any:
        assert fact == EMPLOYEE_PLACEMENT
        return self.placements.get(key)


def test_the_registries_take_the_new_context_and_its_projection(
    kudos_registry: ContextRegistry,
) -> None:
    assert kudos_registry.handlers[KUDOS_GIVEN][0] is KUDOS_CONTEXT
    assert "kudos" in checked([*PROJECTIONS, KudosProjection()])


def test_the_mutation_and_its_input_come_from_the_declaration_and_the_catalog(
    kudos_registry: ContextRegistry,
) -> None:
    mutations, kinds = command_mutations(kudos_registry, {})
    assert kinds["giveKudos"] == KUDOS_GIVEN

    @strawberry.type
    class Query:
        ping: bool = True

    sdl = strawberry.Schema(query=Query, mutation=mutations).as_str()
    assert "giveKudos(input: GiveKudosInput!): CommandResult!" in sdl
    assert "Record kudos.given: a thank-you on the agent's record." in sdl
    given = sdl.split("input GiveKudosInput {", 1)[1].split("}", 1)[0]
    inputs = [line.strip() for line in given.splitlines() if re.match(r"\s*\w+: [A-Z]", line)]
    assert inputs == [
        "commandId: String!",
        "employeeId: String!",
        "kudosId: String!",
        "reason: String!",
        "givenOn: String!",
        "occurredAt: String = null",
    ]
    assert "The site's day it was given. (YYYY-MM-DD)" in given


def test_who_may_record_it_is_the_declarations_rule_on_the_employees_placement(
    kudos_registry: ContextRegistry,
) -> None:
    _context, handles = kudos_registry.handlers[KUDOS_GIVEN]
    roster = Roster({"A-1": ("site-a", "team-1"), "A-2": ("site-a", "team-2")})
    lead = Identity("L-1", "team_lead", site="site-a", team="team-1")
    authorize(lead, handles, {"employee_id": "A-1"}, roster)  # type: ignore[arg-type]
    for employee in ("A-2", "nobody"):  # another team, and no one: the same refusal
        with pytest.raises(Forbidden) as refused:
            authorize(lead, handles, {"employee_id": employee}, roster)  # type: ignore[arg-type]
        assert refused.value.details == {"needed": "your own team"}
    with pytest.raises(Forbidden) as refused:
        authorize(Identity("A-1", "agent"), handles, {"employee_id": "A-1"}, roster)  # type: ignore[arg-type]
    assert "team_lead (team)" in refused.value.details["needed"]
