"""Named domain errors. Each carries a code, the field at fault and what is allowed.

The gateway shows these to people as they are (message, code, field,
allowed); every other exception is masked.
"""

from __future__ import annotations

from aerie_events.fields import FieldProblem, PayloadInvalid


class DomainError(Exception):
    """A command that the domain refuses, with a message a person can act on."""

    code = "DOMAIN_ERROR"
    conceals_input = False
    """True when the refused input may lead to a person who must stay unknown (an anonymous
    issue's author): its dead letter then keeps field names and codes only."""

    def __init__(self, message: str, *, field: str | None = None, allowed: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.allowed = allowed

    @property
    def problems(self) -> list[FieldProblem]:
        if self.field is None:
            return []
        return [FieldProblem(self.field, self.message, self.allowed or "")]


class InvalidInput(DomainError):
    """The command's data does not have the shape its event type requires."""

    code = "INVALID_INPUT"

    def __init__(self, invalid: PayloadInvalid) -> None:
        first = invalid.problems[0]
        super().__init__(str(invalid), field=first.field, allowed=first.allowed)
        self.code = invalid.code
        self._problems = invalid.problems

    @property
    def problems(self) -> list[FieldProblem]:
        return self._problems


class UnknownEmployee(DomainError):
    code = "UNKNOWN_EMPLOYEE"

    def __init__(self, employee_id: str) -> None:
        super().__init__(
            f"no employee {employee_id!r} has been hired",
            field="employeeId",
            allowed="the id of a hired employee",
        )


class EmployeeAlreadyHired(DomainError):
    code = "EMPLOYEE_ALREADY_HIRED"

    def __init__(self, employee_id: str) -> None:
        super().__init__(
            f"employee {employee_id!r} is already on the roster",
            field="employeeId",
            allowed="an id no one else has",
        )


class EmployeeHasLeft(DomainError):
    code = "EMPLOYEE_HAS_LEFT"

    def __init__(self, employee_id: str) -> None:
        super().__init__(
            f"employee {employee_id!r} has left the company",
            field="employeeId",
            allowed="an employee who is still on the roster",
        )


class NotATransfer(DomainError):
    code = "NOT_A_TRANSFER"

    def __init__(self) -> None:
        super().__init__(
            "the employee is already in that team",
            field="toTeamId",
            allowed="a team other than the current one",
        )


class ScoreBelowPassMark(DomainError):
    code = "SCORE_BELOW_PASS_MARK"

    def __init__(self, score: int, pass_mark: int) -> None:
        super().__init__(
            f"a score of {score} does not pass (pass mark {pass_mark})",
            field="score",
            allowed=f"a score of at least {pass_mark}",
        )


class StarLevelMismatch(DomainError):
    code = "STAR_LEVEL_MISMATCH"

    def __init__(self, current: int, to_star: int) -> None:
        super().__init__(
            f"a promotion goes one star up: the agent is at {current} stars, not {to_star - 1}",
            field="toStar",
            allowed=f"{current + 1}" if current < 5 else "nothing: 5 stars is the top",
        )


class CouponOverLimit(DomainError):
    code = "COUPON_OVER_LIMIT"

    def __init__(self, amount: str, limit: str, star: int) -> None:
        super().__init__(
            f"a coupon of {amount} is over the {limit} limit of a {star}-star agent",
            field="amount",
            allowed=f"at most {limit}",
        )


class AlreadyRecorded(DomainError):
    """A second, different command for something that can happen only once."""

    code = "ALREADY_RECORDED"

    def __init__(self, what: str, field: str) -> None:
        super().__init__(f"{what} was already recorded", field=field, allowed="a new identifier")


class CommandIdReused(DomainError):
    code = "COMMAND_ID_REUSED"

    def __init__(self, command_id: str) -> None:
        super().__init__(
            f"command id {command_id!r} was already used for a different command",
            field="commandId",
            allowed="a new command id for a new command; the same one only to retry",
        )


class Conflict(DomainError):
    code = "CONFLICT"

    def __init__(self) -> None:
        super().__init__("too many concurrent changes to the same record; try again")


class UnknownIssue(DomainError):
    """No such issue; or, with ``holder``, none that employee holds (a hand-over's)."""

    code = "UNKNOWN_ISSUE"

    def __init__(self, issue_id: str, holder: str | None = None) -> None:
        if holder is None:
            message = f"no issue {issue_id!r} has been raised"
            allowed = "the id of a raised issue (an anonymous one's as its author was told)"
        else:
            message = f"no open issue {issue_id!r} is held by {holder!r}"
            allowed = "the id of a named issue the employee holds"
        super().__init__(message, field="issueId", allowed=allowed)


class NotOneself(DomainError):
    """A person recording, in another person's name, what only that person may record."""

    code = "NOT_ONESELF"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what}: only the person themselves records it",
            field="employeeId",
            allowed="your own employee id (your token's subject)",
        )


class CannotHandOver(DomainError):
    code = "CANNOT_HAND_OVER"

    def __init__(self, issue_id: str, why: str) -> None:
        super().__init__(
            f"issue {issue_id!r} cannot be handed over: {why}",
            field="issueId",
            allowed="an open, named issue, to someone other than its holder",
        )


class UnknownSite(DomainError):
    code = "UNKNOWN_SITE"

    def __init__(self, site_id: str) -> None:
        super().__init__(
            f"no site {site_id!r} has been opened",
            field="siteId",
            allowed="the id of an opened site (openSite first)",
        )


class InvalidCalendar(DomainError):
    code = "INVALID_CALENDAR"

    def __init__(self, field: str, problem: str, allowed: str) -> None:
        super().__init__(f"the calendar {problem}", field=field, allowed=allowed)


# -- surveys: a refused answer names the survey and the fields, never the respondent


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
