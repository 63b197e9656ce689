"""Satisfaction surveys: one answer per employee per survey."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from aerie_services.base import AerieAggregate, stable_id
from aerie_services.errors import AlreadyRecorded


class SurveyResponse(AerieAggregate):
    """An employee's answer to one survey."""

    @staticmethod
    def id_for(survey_id: str, employee_id: str) -> Any:
        return stable_id("survey-response", survey_id, employee_id)

    @staticmethod
    def create_id(employee_id: str, payload: dict) -> Any:
        return SurveyResponse.id_for(payload["survey_id"], employee_id)

    @event("Answered")
    def __init__(self, employee_id: str, meta: dict, payload: dict) -> None:
        self.employee_id = employee_id
        self.survey_id = payload["survey_id"]
        self.remember(meta, "survey.answered", 1)

    @classmethod
    def answer(
        cls, existing: SurveyResponse | None, employee_id: str, meta: dict, payload: dict
    ) -> SurveyResponse:
        if existing is not None:
            raise AlreadyRecorded(
                f"an answer of {employee_id!r} to survey {payload['survey_id']!r}", "surveyId"
            )
        return cls(
            employee_id=employee_id,
            meta=meta,
            payload=payload,
        )
