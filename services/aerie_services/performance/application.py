"""Use cases of the growth ladder."""

from __future__ import annotations

from aerie_services.base import Command, ContextApplication, Outcome
from aerie_services.context import Facts
from aerie_services.people import EMPLOYEE_SITE
from aerie_services.performance.domainmodel import FIRST_STAR, StarLadder


class Performance(ContextApplication):
    """The eagle ladder: star levels, one at a time."""

    def promote_star(self, command: Command, facts: Facts) -> Outcome:
        employee_id = str(command.employee_id)
        site_id = facts.ask(EMPLOYEE_SITE, employee_id)

        def act(ladder: StarLadder | None) -> StarLadder:
            ladder = ladder or StarLadder(employee_id=employee_id)
            ladder.promote(command.meta(site_id=site_id), command.data)
            return ladder

        return self.decide(StarLadder.id_for(employee_id), command, act)

    def star_of(self, employee_id: str) -> int:
        ladder = self.find(StarLadder.id_for(employee_id))
        return ladder.star if ladder is not None else FIRST_STAR
