"""Use cases of learning."""

from __future__ import annotations

from aerie_services.base import Command, ContextApplication, Outcome
from aerie_services.context import Facts
from aerie_services.learning.domainmodel import TrainingPassage
from aerie_services.people import EMPLOYEE_SITE


class Learning(ContextApplication):
    """Assessments passed, as the LMS reports them."""

    def pass_training(self, command: Command, facts: Facts) -> Outcome:
        employee_id = str(command.employee_id)
        meta = command.meta(site_id=facts.ask(EMPLOYEE_SITE, employee_id))
        return self.create(
            TrainingPassage.id_for(command.command_id),
            command,
            lambda existing: TrainingPassage.record(
                existing, command.command_id, employee_id, meta, command.data
            ),
        )
