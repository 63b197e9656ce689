"""A satisfaction survey: published, answered under pseudonyms, closed.

One aggregate per survey holds its answers, so every accepted answer is in
the survey's log before its close (the optimistic lock on the survey orders
them): results decided at the close never change afterwards. An answer
names a response id (a keyed hash the platform derives; see
``questionnaire.response_pseudonym``), never its person; it records the
site and team the respondent sat in when they first answered, and a
correction keeps them, carrying the answer it replaces so a projection can
subtract it from running sums without reading anything.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_events.fields import FieldProblem
from eventsourcing.domain import event

from aerie_services.kit.base import AerieAggregate, AerieSnapshot, stable_id
from aerie_services.surveys.errors import (
    AnswerOutOfScale,
    InvalidSurvey,
    NotInSurveyPopulation,
    SurveyAlreadyPublished,
    SurveyClosed,
    SurveyNotOpen,
)
from aerie_services.surveys.questionnaire import Answer, Population, Questionnaire, Window


@dataclass(frozen=True)
class Respondent:
    """Who answers, as the survey may know them: a pseudonym, a place and a local date."""

    response_id: str
    site_id: str
    team_id: str
    local_day: dt.date


@dataclass(frozen=True)
class Response:
    """The last answer of one response, and where it counts."""

    revision: int
    site_id: str
    team_id: str
    answer: Answer
    digest: str
    version: int


class Unchanged(Exception):
    """An answer equal to the response's last one: nothing to record; ``version`` is that answer's."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


class Survey(AerieAggregate):
    """A published survey and its responses; closed once, on schedule or early."""

    @staticmethod
    def id_for(survey_id: str) -> Any:
        """The aggregate id of the survey a caller names (a survey's ids never change)."""
        return stable_id("survey", survey_id)

    @staticmethod
    def create_id(payload: dict) -> Any:
        return Survey.id_for(payload["survey_id"])

    @event("Published")
    def __init__(self, meta: dict, payload: dict) -> None:
        self._take_publication(payload)
        self.responses: dict[str, Response] = {}
        self.closed_version: int | None = None
        self.remember(meta, SURVEY_PUBLISHED, 1)

    def _take_publication(self, payload: dict) -> None:
        self.survey_id = payload["survey_id"]
        self.series_id = payload["series_id"]
        self.questionnaire = Questionnaire.of(payload["questions"])
        self.population = Population.of(payload.get("sites"), payload.get("teams"))
        self.window = Window.of(payload["opens_on"], payload["closes_on"])
        self.asks_comment = bool(payload.get("comment_prompt"))
        self.threshold = payload["anonymity_threshold"]

    @classmethod
    def publish(cls, existing: Survey | None, meta: dict, payload: dict) -> Survey:
        """A new survey; its questions, window and population are checked first."""
        if existing is not None:
            raise SurveyAlreadyPublished(payload["survey_id"])
        Questionnaire.of(payload["questions"])
        window = Window.of(payload["opens_on"], payload["closes_on"])
        if window.closes_at <= dt.datetime.fromisoformat(meta["occurred_at"]):
            raise InvalidSurvey(
                [
                    FieldProblem(
                        "closesOn",
                        f"{payload['closes_on']} has already ended everywhere",
                        "a last day that is not over yet",
                    )
                ]
            )
        return cls(meta=meta, payload=payload)

    @property
    def closed(self) -> bool:
        return self.closed_version is not None

    def answer(self, meta: dict, data: dict, respondent: Respondent) -> None:
        """Record a first answer or a correction; raise a refusal or ``Unchanged``."""
        self._answered(meta=meta, payload=self.decide_answer(meta, data, respondent))

    def answered(self, meta: dict, data: dict, respondent: Respondent) -> Any:
        """The event of a first answer or a correction, not applied: the survey is unchanged.

        Raises a refusal or ``Unchanged`` as ``answer`` does. The event is the
        survey's next; once stored, ``event.mutate(survey)`` applies it.
        """
        payload = self.decide_answer(meta, data, respondent)
        return self.Answered(  # type: ignore[attr-defined]  # made by @event("Answered")
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=self.Answered.create_timestamp(),  # type: ignore[attr-defined]
            meta=meta,
            payload=payload,
        )

    def decide_answer(self, meta: dict, data: dict, respondent: Respondent) -> dict[str, Any]:
        """The payload of an answer to record; raise a refusal or ``Unchanged``."""
        self._require_open(respondent.local_day)
        prior = self.responses.get(respondent.response_id)
        if prior is None and not self.population.includes(respondent.site_id, respondent.team_id):
            raise NotInSurveyPopulation(self.survey_id, self.population.describe())
        answer = Answer.of(data)
        self.questionnaire.check(answer)
        if data.get("comment") is not None and not self.asks_comment:
            raise AnswerOutOfScale(
                [FieldProblem("comment", "this survey asks no free text", "no comment")]
            )
        if prior is not None and prior.digest == meta["digest"]:
            raise Unchanged(prior.version)
        return self._answer_payload(answer, data, respondent, prior)

    def _require_open(self, local_day: dt.date) -> None:
        opens_on, closes_on = self.window.opens_on.isoformat(), self.window.closes_on.isoformat()
        if self.closed or self.window.position_of(local_day) == "after":
            raise SurveyClosed(self.survey_id, opens_on, closes_on)
        if self.window.position_of(local_day) == "before":
            raise SurveyNotOpen(self.survey_id, opens_on, closes_on)

    def _answer_payload(
        self, answer: Answer, data: dict, respondent: Respondent, prior: Response | None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "survey_id": self.survey_id,
            "response_id": respondent.response_id,
            "revision": 1 if prior is None else prior.revision + 1,
            "site_id": respondent.site_id if prior is None else prior.site_id,
            "team_id": respondent.team_id if prior is None else prior.team_id,
            **answer.as_payload(),
            "anonymous": True,
        }
        if data.get("comment") is not None:
            payload["comment"] = data["comment"]
        if prior is not None:
            payload["previous"] = prior.answer.as_payload()
        return payload

    @event("Answered")
    def _answered(self, meta: dict, payload: dict) -> None:
        version = self.version + 1
        self.responses[payload["response_id"]] = Response(
            revision=payload["revision"],
            site_id=payload["site_id"],
            team_id=payload["team_id"],
            answer=Answer.of(payload),
            digest=meta["digest"],
            version=version,
        )
        self.remember(meta, SURVEY_ANSWERED, version)

    def close(self, meta: dict, data: dict) -> None:
        """Close the survey: no answer or correction is taken after this."""
        if self.closed:
            opens_on, closes_on = (
                self.window.opens_on.isoformat(),
                self.window.closes_on.isoformat(),
            )
            raise SurveyClosed(self.survey_id, opens_on, closes_on)
        self._closed(meta=meta, payload={**data, "responses": len(self.responses)})

    @event("Closed")
    def _closed(self, meta: dict, payload: dict) -> None:
        self.closed_version = self.version + 1
        self.remember(meta, SURVEY_CLOSED, self.closed_version)

    def snapshot_state(self) -> dict[str, Any]:
        """The survey as plain data, for ``SurveySnapshot``.

        Its responses and commands (one each per answer) are JSON texts of lists
        (drivers in the questionnaire's order): read back in one pass, without
        the transcoder looking into each of them.
        """
        drivers = [q.question_id for q in self.questionnaire.drivers]
        responses = [
            [
                response_id,
                r.revision,
                r.site_id,
                r.team_id,
                r.answer.overall,
                r.answer.enps,
                [r.answer.drivers.get(q) for q in drivers],
                r.digest,
                r.version,
            ]
            for response_id, r in self.responses.items()
        ]
        commands = [[c, *seen] for c, seen in self.__dict__.get("commands", {}).items()]
        return {
            "publication": {
                "survey_id": self.survey_id,
                "series_id": self.series_id,
                "questions": [q.as_payload() for q in self.questionnaire.questions],
                "sites": sorted(self.population.sites),
                "teams": sorted(self.population.teams),
                "opens_on": self.window.opens_on.isoformat(),
                "closes_on": self.window.closes_on.isoformat(),
                "comment_prompt": "asked" if self.asks_comment else None,
                "anonymity_threshold": self.threshold,
            },
            "responses": json.dumps(responses, separators=(",", ":")),
            "closed_version": self.closed_version,
            "commands": json.dumps(commands, separators=(",", ":")),
            "created_on": self._created_on,
            "modified_on": self._modified_on,
        }

    @classmethod
    def from_snapshot_state(cls, survey: Any, version: int, state: dict[str, Any]) -> Survey:
        """The survey ``snapshot_state`` gave, at ``version``."""
        restored = object.__new__(cls)
        restored.__dict__.update(
            _id=survey,
            _version=version,
            _created_on=state["created_on"],
            _modified_on=state["modified_on"],
            _pending_events=[],
        )
        restored._take_publication(state["publication"])
        drivers = [q.question_id for q in restored.questionnaire.drivers]
        restored.responses = {
            response_id: Response(
                revision,
                site_id,
                team_id,
                Answer(overall, enps, dict(zip(drivers, values, strict=True))),
                digest,
                at,
            )
            for response_id, revision, site_id, team_id, overall, enps, values, digest, at in (
                json.loads(state["responses"])
            )
        }
        restored.closed_version = state["closed_version"]
        restored.__dict__["commands"] = {
            c: (digest, kind, at) for c, digest, kind, at in json.loads(state["commands"])
        }
        return restored


class SurveySnapshot(AerieSnapshot):
    """A survey's state at one version, as plain data: reading it back is much faster than
    replaying every answer (a survey holds all its answers)."""


Survey.Snapshot = SurveySnapshot
