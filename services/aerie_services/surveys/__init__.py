"""The surveys bounded context: surveys published, answered under pseudonyms, closed."""

from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED

from aerie_services.kit.access import COMPANY, grants, only_oneself
from aerie_services.kit.context import BoundedContext, Handles
from aerie_services.surveys.application import Surveys

MANAGE = grants(hr=COMPANY)
"""Who publishes and closes surveys."""

CONTEXT = BoundedContext(
    name="surveys",
    application=Surveys,
    handles=(
        Handles(
            SURVEY_PUBLISHED,
            Surveys.publish_survey,
            may=MANAGE,
            subject="none",
            decided_by_domain=frozenset({"closes_at", "scales_version"}),
            event_time="platform",
        ),
        Handles(
            SURVEY_ANSWERED,
            Surveys.answer_survey,
            may=only_oneself(),
            summary="as yourself: a first answer, or a correction until the survey closes (the "
            "same answers again record nothing). It names no one: the result has no view and "
            "no position, and its event id is a receipt only the platform can make.",
            notes={
                "employee_id": "Yourself: answers are recorded under a pseudonym, never your id."
            },
            decided_by_domain=frozenset(
                {"response_id", "revision", "site_id", "team_id", "previous", "anonymous"}
            ),
            event_time="platform",
        ),
        Handles(
            SURVEY_CLOSED,
            Surveys.close_survey,
            may=MANAGE,
            summary="no answer is taken after it; results show. Closed by hand, it closes early.",
            defaults={"reason": "early"},
            subject="none",
            decided_by_domain=frozenset({"responses"}),
            event_time="platform",
        ),
    ),
)
