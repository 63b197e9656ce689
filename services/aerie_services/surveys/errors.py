"""Surveys' refusals: a refused answer names the survey and the fields, never the respondent."""

from __future__ import annotations

from aerie_events.fields import FieldProblem

from aerie_services.kit.errors import DomainError


class SurveyRefusal(DomainError):
    """A refusal that may list several problems (every one found, not just the first)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        first = problems[0]
        super().__init__(
            "; ".join(f"{p.field}: {p.problem}" for p in problems),
            field=first.field,
            allowed=first.allowed,
        )
        self._problems = problems

    @property
    def problems(self) -> list[FieldProblem]:
        return self._problems


class InvalidSurvey(SurveyRefusal):
    """A survey that cannot be published as it stands (its questions, dates or population)."""

    code = "INVALID_SURVEY"


class AnswerOutOfScale(SurveyRefusal):
    """An answer outside its question's scale, to a question the survey does not ask, or missing."""

    code = "ANSWER_OUT_OF_SCALE"


class UnknownSurvey(DomainError):
    code = "UNKNOWN_SURVEY"

    def __init__(self, survey_id: str) -> None:
        super().__init__(
            f"no survey {survey_id!r} has been published",
            field="surveyId",
            allowed="the id of a published survey",
        )


class SurveyNotOpen(DomainError):
    code = "SURVEY_NOT_OPEN"

    def __init__(self, survey_id: str, opens_on: str, closes_on: str) -> None:
        super().__init__(
            f"survey {survey_id!r} opens on {opens_on}",
            field="surveyId",
            allowed=f"answers from {opens_on} to {closes_on} (the site's local dates)",
        )


class SurveyClosed(DomainError):
    code = "SURVEY_CLOSED"

    def __init__(self, survey_id: str, opens_on: str, closes_on: str) -> None:
        super().__init__(
            f"survey {survey_id!r} is closed: answers and corrections are no longer taken",
            field="surveyId",
            allowed=f"answers from {opens_on} to {closes_on} (the site's local dates), "
            "before the survey closes",
        )


class NotInSurveyPopulation(DomainError):
    code = "NOT_IN_SURVEY_POPULATION"

    def __init__(self, survey_id: str, population: str) -> None:
        super().__init__(
            f"survey {survey_id!r} is not addressed to the respondent's site and team",
            field="surveyId",
            allowed=f"a survey addressed to the respondent: this one asks {population}",
        )


class SurveyAlreadyPublished(DomainError):
    code = "SURVEY_ALREADY_PUBLISHED"

    def __init__(self, survey_id: str) -> None:
        super().__init__(
            f"survey {survey_id!r} was already published",
            field="surveyId",
            allowed="a new survey id (a survey's questions never change once published)",
        )
