"""Use cases of satisfaction surveys: publish, answer (or correct) under a pseudonym, close."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import zlib
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED
from aerie_events.rules.scales import SCALES_VERSION
from eventsourcing.persistence import IntegrityError
from psycopg.sql import SQL, Identifier

from aerie_services.kit.base import (
    Command,
    ContextApplication,
    Outcome,
    event_id_of,
    require_oneself,
    to_the_hour,
)
from aerie_services.kit.context import Facts
from aerie_services.kit.errors import CommandAlreadyRecorded, Conflict, DomainError, NotOneself
from aerie_services.organisation import SITE_TIME_ZONE
from aerie_services.people import EMPLOYEE_PLACEMENT, EMPLOYEE_SITE
from aerie_services.platform.storage import stored_secret
from aerie_services.surveys.domainmodel import Respondent, Survey, SurveySnapshot, Unchanged
from aerie_services.surveys.errors import UnknownSurvey
from aerie_services.surveys.policy import ANONYMITY
from aerie_services.surveys.questionnaire import (
    Window,
    keyed_digest,
    local_date,
    response_pseudonym,
)

log = logging.getLogger("aerie.surveys")

THRESHOLD_SETTING = "ANONYMITY_THRESHOLD"
"""The application setting (from ``AERIE_ANONYMITY_THRESHOLD``) that raises the policy's minimum."""
RESPONDENT_ONLY = "a survey answer is given by the respondent"
ANSWER_ATTEMPTS = 32
"""How often an answer is decided again after another process answered the same survey first:
each retry reads only what was added meanwhile."""
SNAPSHOT_EVERY = 1000
"""A survey's state is kept as a snapshot every this many versions: a process that reads the
survey afresh (a gateway's first answer to it) reads the snapshot and at most this many
answers, not all of them."""
LOCK_STRIPES = 64
"""Survey decisions of one process are serialised by one of this many locks, chosen by survey id:
a fixed number, whatever ids callers send."""


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
    use the cached survey itself, one at a time per process. An answer changes
    the cached survey only once it is stored (``_record_answer``); publishing
    and closing go through ``ContextApplication.decide``, which drops the survey
    from the cache when anything but a refusal fails after the decision changed
    it. Every 1,000 versions the survey's state is kept as a snapshot.
    """

    env = {**ContextApplication.env, "DEEPCOPY_FROM_AGGREGATE_CACHE": "n"}
    refusals = (DomainError, Unchanged)
    is_snapshotting_enabled = True  # the snapshot store (table ``surveys_snapshots``)
    snapshot_class = SurveySnapshot
    # No ``snapshotting_intervals``: the library snapshots only aggregates saved whole, reading
    # each back from the store; answers are saved as events, and the survey is at hand then.
    _anonymous_key: bytes | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lock_stripes = tuple(threading.Lock() for _ in range(LOCK_STRIPES))
        super().__init__(*args, **kwargs)

    def publish_survey(self, command: Command, _facts: Facts) -> Outcome:
        """Publish a survey under the rules in force: the anonymity policy's version (as its
        ``policy_version``) and the scales' version are recorded, and decide its results."""
        threshold = ANONYMITY.threshold_for(
            command.data.get("anonymity_threshold"), floor=self._configured_threshold()
        )
        window = Window.of(command.data["opens_on"], command.data["closes_on"])
        payload = {
            **command.data,
            "anonymity_threshold": threshold,
            "closes_at": window.closes_at.isoformat(),
            "scales_version": SCALES_VERSION,
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

        Only the respondent answers: a command from a live channel (a person,
        an integration) whose actor is not the employee is refused before
        anything about the survey or the employee is looked at, so the refusal
        is the same whether that person answered, how, or not at all. The
        receipt names no position and an event id only the platform can derive.
        """
        self._require_respondent(command)
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
        try:
            outcome = self._record_answer(survey_id, anonymous, respondent)
        except Unchanged as same:
            outcome = self._earlier(survey_id, SURVEY_ANSWERED, same.version, position=False)
        return self._receipt(outcome)

    def close_survey(self, command: Command, _facts: Facts) -> Outcome:
        """Close a survey; closing on schedule a survey closed early records nothing."""
        survey_id = command.data["survey_id"]
        with self._lock_of(survey_id):
            existing = self.find(Survey.id_for(survey_id))
            closed_version = existing.closed_version if existing is not None else None
        if closed_version is not None and command.data["reason"] == "scheduled":
            return self._earlier(survey_id, SURVEY_CLOSED, closed_version)
        meta = command.meta(site_id=None, policy_version=ANONYMITY.version)

        def act(survey: Survey | None) -> Survey:
            if survey is None:
                raise UnknownSurvey(survey_id)
            survey.close(meta, command.data)
            return survey

        return self._decide(survey_id, command, act)

    def _record_answer(
        self, survey_id: str, command: AnonymousCommand, respondent: Respondent
    ) -> Outcome:
        """Decide on the cached survey without changing it, store the answer, then apply it.

        Another process may answer the same survey first (several gateways): the
        store refuses the later append, and since the cached survey was not
        changed, the next attempt reads only the answers recorded since (the
        cache's fast-forward), however many the survey holds. A refusal or
        ``Unchanged`` is raised before anything is stored.
        """
        aggregate_id = Survey.id_for(survey_id)
        meta = command.meta(site_id=None, key_id=f"survey-response:{respondent.response_id}")
        with self._lock_of(survey_id):
            for _attempt in range(ANSWER_ATTEMPTS):
                survey = self.find(aggregate_id)
                if survey is None:
                    raise UnknownSurvey(survey_id)
                earlier = survey.outcome_of(command, self.context)
                if earlier is not None:
                    return earlier
                event = survey.answered(meta, command.data, respondent)
                try:
                    recordings = self.save(event)
                except IntegrityError:
                    continue  # a lost race: the survey is as the store had it
                except CommandAlreadyRecorded:  # answered meanwhile: the cache reads it next
                    return self._recorded_before(command)
                try:
                    event.mutate(survey)
                except BaseException:  # e.g. the cache had already read it back
                    self._forget(aggregate_id)
                else:
                    self._snapshot_now_and_then(survey)
                return self._outcome_of(recordings[-1], command)
        raise Conflict()

    def _snapshot_now_and_then(self, survey: Survey) -> None:
        """Keep the survey's state every ``SNAPSHOT_EVERY`` versions, and only the latest
        (a snapshot holds every response: keeping each would grow with the square of them).
        A snapshot that cannot be stored is only a slower read later: the answer is recorded."""
        if self.snapshots is None or survey.version % SNAPSHOT_EVERY:
            return
        try:
            self.snapshots.put([SurveySnapshot.take(survey)])
            recorder: Any = self.snapshots.recorder
            with recorder.datastore.transaction(commit=True) as cursor:
                cursor.execute(
                    SQL(
                        "DELETE FROM {schema}.{table} "
                        "WHERE originator_id = %s AND originator_version < %s"
                    ).format(
                        schema=Identifier(recorder.datastore.schema),
                        table=Identifier(recorder.events_table_name),
                    ),
                    (survey.id, survey.version),
                )
        except Exception as error:  # its class only: a database's words may quote values
            log.warning("survey snapshot at %s not kept (%s)", survey.version, type(error).__name__)

    def _decide(self, survey_id: str, command: Command, act: Any) -> Outcome:
        """``decide`` on the cached survey itself, one decision about it at a time."""
        with self._lock_of(survey_id):
            return self.decide(Survey.id_for(survey_id), command, act)

    def _lock_of(self, survey_id: str) -> threading.Lock:
        """The lock of a survey's stripe: a bounded set of locks, however many ids are sent."""
        return self._lock_stripes[zlib.crc32(survey_id.encode()) % LOCK_STRIPES]

    def _earlier(
        self, survey_id: str, kind: str, version: int, *, position: bool = True
    ) -> Outcome:
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
        return self._with_position(outcome) if position else outcome

    def _require_respondent(self, command: Command) -> None:
        """Refuse an answer sent by anyone but the respondent: another person, or an
        integration (which answers for no one); the platform's loaders record history."""
        require_oneself(command, RESPONDENT_ONLY)
        if command.actor.get("kind") == "integration":
            raise NotOneself(RESPONDENT_ONLY)

    def _receipt(self, outcome: Outcome) -> Outcome:
        """What the respondent is told: no position, and an event id no one else can derive."""
        receipt = self.receipt_id(outcome.aggregate_id, outcome.version)
        return replace(outcome, event_id=receipt, position=None)

    def receipt_id(self, survey: UUID, version: int) -> UUID:
        """The event id an answer's receipt names: keyed, as the stored event's id is not.

        The stored event's id follows from the survey and its version, and the
        version counts the survey's answers; without the platform's key this
        one tells nothing. A retry is answered with the same receipt.
        """
        digest = hmac.new(
            self._key(), f"survey-receipt\x00{survey}\x00{version}".encode(), hashlib.sha256
        ).digest()
        return UUID(bytes=digest[:16], version=4)

    def anonymous_command_id(self, survey_id: str, employee_id: str, command_id: str) -> str:
        """The command id an answer is stored under: a keyed hash of survey, person and the id
        their client chose, so two people's ids (or one person's in two surveys) never meet."""
        keyed = self._keyed(f"survey-command/2\x00{survey_id}\x00{employee_id}\x00{command_id}")
        return f"anonymous:{keyed[:32]}"

    def _anonymised(self, command: Command, response_id: str) -> AnonymousCommand:
        command_id = self.anonymous_command_id(
            command.data["survey_id"], str(command.employee_id), command.command_id
        )
        stripped = {
            **vars(command),
            "command_id": command_id,
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
