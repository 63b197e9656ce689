"""Use cases of satisfaction surveys."""

from __future__ import annotations

from aerie_services.base import Command, ContextApplication, Outcome
from aerie_services.context import Facts
from aerie_services.people import EMPLOYEE_SITE
from aerie_services.surveys.domainmodel import SurveyResponse


class Surveys(ContextApplication):
    """Satisfaction surveys: one answer per employee per survey."""

    def answer_survey(self, command: Command, facts: Facts) -> Outcome:
        employee_id = str(command.employee_id)
        meta = command.meta(site_id=facts.ask(EMPLOYEE_SITE, employee_id))
        return self.create(
            SurveyResponse.id_for(command.data["survey_id"], employee_id),
            command,
            lambda existing: SurveyResponse.answer(existing, employee_id, meta, command.data),
        )
