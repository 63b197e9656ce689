"""Use cases of learning."""

from __future__ import annotations

from aerie_services.base import Command, ContextApplication, Decision, Outcome
from aerie_services.learning.domainmodel import TrainingPassage


class Learning(ContextApplication):
    context = "learning"

    def pass_training(self, command: Command, site_id: str) -> Outcome:
        return self.decide(*self.passage_decision(command, site_id))

    @staticmethod
    def passage_decision(command: Command, site_id: str) -> tuple[object, Command, Decision]:
        meta = command.meta(site_id=site_id)
        employee_id = str(command.employee_id)
        return (
            TrainingPassage.id_for(command.command_id),
            command,
            lambda existing: TrainingPassage.record(
                existing, command.command_id, employee_id, meta, command.data
            ),
        )
