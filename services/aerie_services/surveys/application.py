"""Use cases of satisfaction surveys: publish, answer (or correct) under a pseudonym, close."""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from aerie_services.base import (
    Command,
    ContextApplication,
    Outcome,
    event_id_of,
    require_oneself,
    to_the_hour,
)
from aerie_services.context import Facts
from aerie_services.errors import DomainError, UnknownSurvey
from aerie_services.organisation import SITE_TIME_ZONE
from aerie_services.people import EMPLOYEE_PLACEMENT, EMPLOYEE_SITE
from aerie_services.storage import stored_secret
from aerie_services.surveys.domainmodel import Respondent, Survey, Unchanged
from aerie_services.surveys.policy import ANONYMITY
from aerie_services.surveys.questionnaire import (
    Window,
    keyed_digest,
    local_date,
    response_pseudonym,
)

THRESHOLD_SETTING = "ANONYMITY_THRESHOLD"
"""The application setting (from ``AERIE_ANONYMITY_THRESHOLD``) that raises the policy's minimum."""


@dataclass(frozen=True)
class AnonymousCommand(Command):
    """A command stripped of its person; its digest is keyed, so a guess cannot confirm it."""

    keyed: str = ""

    @property
    def digest(self) -> str:
        return self.keyed


class Surveys(ContextApplication):
    """Satisfaction surveys: each survey's answers are kept under pseudonyms, in its own log.

    A survey holds all its answers, so copying it out of the aggregate cache for
    each answer would cost as much as it has answers: decisions about a survey
    use the cached survey itself, one at a time per process, and a decision that
    fails after changing it (a lost race, a lost connection) drops it from the cache.
    """

    env = {**ContextApplication.env, "DEEPCOPY_FROM_AGGREGATE_CACHE": "n"}
    _anonymous_key: bytes | None = None
    _locks: dict[str, threading.Lock]

    def publish_survey(self, command: Command, _facts: Facts) -> Outcome:
        """Publish a survey under the anonymity policy in force (its version is recorded)."""
        threshold = ANONYMITY.threshold_for(
            command.data.get("anonymity_threshold"), floor=self._configured_threshold()
        )
        window = Window.of(command.data["opens_on"], command.data["closes_on"])
        payload = {
            **command.data,
            "anonymity_threshold": threshold,
            "closes_at": window.closes_at.isoformat(),
        }
        meta = command.meta(site_id=None, policy_version=ANONYMITY.version)
        return self._decide(  # not deferred in a bulk load: its answers may follow at once
            payload["survey_id"], command, lambda existing: Survey.publish(existing, meta, payload)
        )

    def answer_survey(self, command: Command, facts: Facts) -> Outcome:
        """Record an answer, or correct one, keeping nothing that leads to the respondent.

        The respondent is asked for once, to find where they sit and their
        site's date. The event then names a response id (a keyed hash of
        survey and person), not the person: not as subject, actor, command id
        or digest; its time is coarsened to the hour and its comment sealed
        with a key of the response's own. The relay holds it back like an
        anonymous issue. Answering again with the same answers records nothing.
        """
        require_oneself(command, "a survey answer is given by the respondent")
        employee_id = str(command.employee_id)
        facts.ask(EMPLOYEE_SITE, employee_id)  # an unknown or departed employee is refused here
        site_id, team_id = facts.ask(EMPLOYEE_PLACEMENT, employee_id)
        survey_id = command.data["survey_id"]
        response_id = response_pseudonym(self._key(), survey_id, employee_id)
        respondent = Respondent(
            response_id,
            site_id,
            team_id,
            local_date(command.occurred_at, ZoneInfo(facts.ask(SITE_TIME_ZONE, site_id))),
        )
        anonymous = self._anonymised(command, response_id)
        meta = anonymous.meta(site_id=None, key_id=f"survey-response:{response_id}")

        def act(survey: Survey | None) -> Survey:
            if survey is None:
                raise UnknownSurvey(survey_id)
            survey.answer(meta, anonymous.data, respondent)
            return survey

        try:
            return self._decide(survey_id, anonymous, act)
        except Unchanged as same:
            return self._earlier(survey_id, "survey.answered", same.version)

    def close_survey(self, command: Command, _facts: Facts) -> Outcome:
        """Close a survey; closing on schedule a survey closed early records nothing."""
        survey_id = command.data["survey_id"]
        with self._lock_of(survey_id):
            existing = self.find(Survey.id_for(survey_id))
            closed_version = existing.closed_version if existing is not None else None
        if closed_version is not None and command.data["reason"] == "scheduled":
            return self._earlier(survey_id, "survey.closed", closed_version)
        meta = command.meta(site_id=None, policy_version=ANONYMITY.version)

        def act(survey: Survey | None) -> Survey:
            if survey is None:
                raise UnknownSurvey(survey_id)
            survey.close(meta, command.data)
            return survey

        return self._decide(survey_id, command, act)

    def _decide(self, survey_id: str, command: Command, act: Any) -> Outcome:
        """``decide`` on the cached survey itself: one decision at a time, dropped if it fails.

        A refusal (and ``Unchanged``) is raised before anything changes; any other
        failure may leave the cached survey ahead of the store, so it is dropped.
        """
        with self._lock_of(survey_id):
            try:
                return self.decide(Survey.id_for(survey_id), command, act)
            except (DomainError, Unchanged):
                raise
            except BaseException:
                self._forget(Survey.id_for(survey_id))
                raise

    def _lock_of(self, survey_id: str) -> threading.Lock:
        locks = self.__dict__.setdefault("_locks", {})
        return locks.setdefault(survey_id, threading.Lock())

    def _earlier(self, survey_id: str, kind: str, version: int) -> Outcome:
        aggregate_id = Survey.id_for(survey_id)
        outcome = Outcome(
            event_id_of(aggregate_id, version),
            kind,
            aggregate_id,
            version,
            self.context,
            None,
            True,
        )
        return self._with_position(outcome)

    def _anonymised(self, command: Command, response_id: str) -> AnonymousCommand:
        person = self._keyed(f"survey-command\x00{command.employee_id}\x00{command.command_id}")
        stripped = {
            **vars(command),
            "command_id": f"anonymous:{person[:32]}",
            "employee_id": None,
            "actor": {"kind": "employee", "id": "anonymous"},
            "source": {"system": command.source.get("system", "aerie")},
            "occurred_at": to_the_hour(command.occurred_at),
            "correlation_id": None,
            "causation_id": None,
        }
        return AnonymousCommand(
            **stripped, keyed=keyed_digest(self._key(), response_id, command.digest)
        )

    def _keyed(self, text: str) -> str:
        return hmac.new(self._key(), text.encode(), hashlib.sha256).hexdigest()

    def _key(self) -> bytes:
        """The platform's key for anonymous ids (``aerie migrate`` generates it; no role reads it)."""
        if self._anonymous_key is None:
            recorder: Any = self.recorder
            with recorder.datastore.get_connection() as conn:
                self._anonymous_key = stored_secret(conn, "anonymous-ids")
        return self._anonymous_key

    def _configured_threshold(self) -> int | None:
        value = self.env.get(THRESHOLD_SETTING)
        return int(value) if value else None
