"""Learning records: assessments passed, as the LMS reports them."""

from __future__ import annotations

from typing import Any

from aerie_events.catalog.learning import TRAINING_PASSED
from eventsourcing.domain import event

from aerie_services.kit.base import AerieAggregate, stable_id
from aerie_services.kit.errors import AlreadyRecorded
from aerie_services.learning.errors import ScoreBelowPassMark


class TrainingPassage(AerieAggregate):
    """One passed assessment. Its id comes from the source's statement id."""

    @staticmethod
    def id_for(statement_id: str) -> Any:
        return stable_id("training-passage", statement_id)

    @staticmethod
    def create_id(statement_id: str) -> Any:
        return TrainingPassage.id_for(statement_id)

    @event("Passed")
    def __init__(self, statement_id: str, employee_id: str, meta: dict, payload: dict) -> None:
        self.employee_id = employee_id
        self.course_id = payload["course_id"]
        self.remember(meta, TRAINING_PASSED, 1)

    @classmethod
    def record(
        cls,
        existing: TrainingPassage | None,
        statement_id: str,
        employee_id: str,
        meta: dict,
        payload: dict,
    ) -> TrainingPassage:
        if existing is not None:
            raise AlreadyRecorded(f"statement {statement_id!r}", "commandId")
        if payload["score"] < payload["pass_mark"]:
            raise ScoreBelowPassMark(payload["score"], payload["pass_mark"])
        return cls(statement_id=statement_id, employee_id=employee_id, meta=meta, payload=payload)
