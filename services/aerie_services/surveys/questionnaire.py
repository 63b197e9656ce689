"""A survey's questions, who it asks, when it is open, and what a valid answer is.

Pure rules, no storage: the ``Survey`` aggregate applies them. A survey asks
scale questions (``1-5`` or ``0-10``): exactly one overall-satisfaction item,
exactly one eNPS item (on ``0-10``) and at least one driver; free text is an
optional comment. Every scale question must be answered, on its scale, so
every statistic of a group counts the same respondents.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aerie_events.fields import FieldProblem
from aerie_events.rules.scales import ENPS_SCALE, SCALES, Scale

from aerie_services.surveys.errors import AnswerOutOfScale, InvalidSurvey

ROLES = ("driver", "overall", "enps")
MAX_QUESTIONS = 40
EARTH_LAST_ZONE = dt.timezone(dt.timedelta(hours=-12), "AoE")
"""Anywhere on Earth: a survey closes once its last day has ended everywhere."""


@dataclass(frozen=True)
class Question:
    """One scale question: its id (stable across waves of a series), text, scale and role."""

    question_id: str
    text: str
    scale: Scale
    role: str

    def as_payload(self) -> dict[str, str]:
        return {
            "question_id": self.question_id,
            "text": self.text,
            "scale": self.scale.name,
            "role": self.role,
        }


@dataclass(frozen=True)
class Answer:
    """One respondent's scale answers: overall, eNPS and each driver by question id."""

    overall: int
    enps: int
    drivers: Mapping[str, int]

    def as_payload(self) -> dict[str, Any]:
        return {"overall": self.overall, "enps": self.enps, "drivers": dict(self.drivers)}

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Answer:
        """The answer in a payload or a command's data (a missing part is None, or no drivers)."""
        return cls(data.get("overall"), data.get("enps"), dict(data.get("drivers") or {}))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Questionnaire:
    """The scale questions of a survey, checked once when it is published."""

    questions: tuple[Question, ...]

    @classmethod
    def of(cls, questions: Sequence[Mapping[str, Any]]) -> Questionnaire:
        """The questionnaire in ``questions`` (payload records); raise ``InvalidSurvey``.

        Every problem is named with its path, e.g. ``questions[2].scale``.
        """
        problems: list[FieldProblem] = []
        parsed: list[Question] = []
        seen: set[str] = set()
        for index, record in enumerate(questions):
            question = _question(index, record, seen, problems)
            if question is not None:
                parsed.append(question)
        problems += _role_problems(parsed, len(questions))
        if problems:
            raise InvalidSurvey(problems)
        return cls(tuple(parsed))

    def _one(self, role: str) -> Question:
        return next(q for q in self.questions if q.role == role)

    @property
    def overall(self) -> Question:
        return self._one("overall")

    @property
    def enps(self) -> Question:
        return self._one("enps")

    @property
    def drivers(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.role == "driver")

    def check(self, answer: Answer) -> None:
        """Raise ``AnswerOutOfScale`` listing every answer off its scale, unknown or missing."""
        problems = [
            problem
            for field, question, value in (
                ("overall", self.overall, answer.overall),
                ("enps", self.enps, answer.enps),
            )
            if (problem := _off_scale(field, question, value)) is not None
        ]
        drivers = {q.question_id: q for q in self.drivers}
        for question_id, value in sorted(answer.drivers.items()):
            question = drivers.get(question_id)
            if question is None:
                problems.append(
                    FieldProblem(
                        f"drivers.{question_id}",
                        "is not a question of this survey",
                        "the survey's driver questions: " + ", ".join(sorted(drivers)),
                    )
                )
            elif (problem := _off_scale(f"drivers.{question_id}", question, value)) is not None:
                problems.append(problem)
        problems += [
            FieldProblem(f"drivers.{question_id}", "is not answered", question.scale.allowed())
            for question_id, question in sorted(drivers.items())
            if question_id not in answer.drivers
        ]
        if problems:
            raise AnswerOutOfScale(problems)


def _question(
    index: int, record: Mapping[str, Any], seen: set[str], problems: list[FieldProblem]
) -> Question | None:
    where = f"questions[{index}]"
    scale = SCALES.get(record.get("scale", ""))
    role = record.get("role")
    question_id = record.get("question_id", "")
    found = len(problems)
    if scale is None:
        problems.append(
            FieldProblem(f"{where}.scale", f"{record.get('scale')!r} is not a scale", "1-5, 0-10")
        )
    if role not in ROLES:
        problems.append(FieldProblem(f"{where}.role", f"{role!r} is not a role", ", ".join(ROLES)))
    if question_id in seen:
        problems.append(
            FieldProblem(
                f"{where}.questionId", f"{question_id!r} is asked twice", "a question id once"
            )
        )
    seen.add(question_id)
    if role == "enps" and scale is not None and scale.name != ENPS_SCALE:
        problems.append(
            FieldProblem(
                f"{where}.scale", "the eNPS item is asked on 0-10", f"{ENPS_SCALE} for eNPS"
            )
        )
    if len(problems) > found or scale is None:
        return None
    return Question(question_id, str(record.get("text", "")), scale, str(role))


def _role_problems(parsed: Sequence[Question], asked: int) -> list[FieldProblem]:
    problems = []
    if asked > MAX_QUESTIONS:
        problems.append(
            FieldProblem("questions", f"{asked} questions", f"at most {MAX_QUESTIONS} questions")
        )
    for role, wanted in (("overall", "exactly one overall-satisfaction item"), ("enps", None)):
        count = sum(1 for q in parsed if q.role == role)
        if count != 1:
            problems.append(
                FieldProblem(
                    "questions",
                    f"{count} questions have role {role!r}",
                    wanted or "exactly one eNPS item, on 0-10",
                )
            )
    if not any(q.role == "driver" for q in parsed):
        problems.append(
            FieldProblem("questions", "no driver question", "at least one question of role driver")
        )
    return problems


def _off_scale(field: str, question: Question, value: Any) -> FieldProblem | None:
    if question.scale.contains(value):
        return None
    if value is None:
        return FieldProblem(field, "is not answered", question.scale.allowed())
    return FieldProblem(
        field, f"{value!r} is outside the {question.scale.name} scale", question.scale.allowed()
    )


@dataclass(frozen=True)
class Population:
    """Who a survey asks: everyone in the listed sites or teams; nothing listed asks everyone."""

    sites: frozenset[str]
    teams: frozenset[str]

    @classmethod
    def of(cls, sites: Iterable[str] | None, teams: Iterable[str] | None) -> Population:
        return cls(frozenset(sites or ()), frozenset(teams or ()))

    def includes(self, site_id: str, team_id: str) -> bool:
        if not self.sites and not self.teams:
            return True
        return site_id in self.sites or team_id in self.teams

    def describe(self) -> str:
        if not self.sites and not self.teams:
            return "everyone"
        parts = []
        if self.sites:
            parts.append("sites " + ", ".join(sorted(self.sites)))
        if self.teams:
            parts.append("teams " + ", ".join(sorted(self.teams)))
        return " and ".join(parts)


@dataclass(frozen=True)
class Window:
    """The days a survey takes answers, in each respondent's site's local dates."""

    opens_on: dt.date
    closes_on: dt.date

    @classmethod
    def of(cls, opens_on: str, closes_on: str) -> Window:
        """The window from ISO dates; raise ``InvalidSurvey`` when it closes before it opens."""
        window = cls(dt.date.fromisoformat(opens_on), dt.date.fromisoformat(closes_on))
        if window.closes_on < window.opens_on:
            raise InvalidSurvey(
                [FieldProblem("closesOn", f"{closes_on} is before {opens_on}", "opensOn or later")]
            )
        return window

    @property
    def closes_at(self) -> dt.datetime:
        """The instant the last day has ended everywhere: when the survey closes on schedule."""
        end = dt.datetime.combine(self.closes_on + dt.timedelta(days=1), dt.time(0))
        return end.replace(tzinfo=EARTH_LAST_ZONE).astimezone(dt.UTC)

    def position_of(self, local_day: dt.date) -> str:
        """``"before"``, ``"open"`` or ``"after"``: where a local date falls."""
        if local_day < self.opens_on:
            return "before"
        return "open" if local_day <= self.closes_on else "after"


def local_date(instant: str, zone: dt.tzinfo) -> dt.date:
    """The date at ``zone`` of an ISO 8601 instant (with its offset)."""
    return dt.datetime.fromisoformat(instant).astimezone(zone).date()


def response_pseudonym(key: bytes, survey_id: str, employee_id: str) -> str:
    """The response id of an employee's answers to a survey: a keyed hash, one per survey.

    Without ``key`` (kept by the platform, never given to any role) no one can
    tell whose response it is, nor link one person's responses across surveys.
    """
    text = f"survey-response\x00{survey_id}\x00{employee_id}"
    return "R-" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32].upper()


def keyed_digest(key: bytes, response_id: str, digest: str) -> str:
    """A command's digest under the platform's key: equal answers of two responses differ.

    Stored instead of the plain digest, which a guess at a short comment could confirm.
    """
    return hmac.new(key, f"{response_id}\x00{digest}".encode(), hashlib.sha256).hexdigest()
