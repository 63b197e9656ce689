"""Use cases of satisfaction surveys."""

from __future__ import annotations

from aerie_services.base import Command, ContextApplication, Decision, Outcome
from aerie_services.surveys.domainmodel import SurveyResponse


class Surveys(ContextApplication):
    context = "surveys"

    def answer_survey(self, command: Command, site_id: str) -> Outcome:
        return self.decide(*self.answer_decision(command, site_id))

    @staticmethod
    def answer_decision(command: Command, site_id: str) -> tuple[object, Command, Decision]:
        meta = command.meta(site_id=site_id)
        employee_id = str(command.employee_id)
        return (
            SurveyResponse.id_for(command.data["survey_id"], employee_id),
            command,
            lambda existing: SurveyResponse.answer(existing, employee_id, meta, command.data),
        )
