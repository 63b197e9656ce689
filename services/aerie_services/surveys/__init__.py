"""The surveys bounded context: surveys published, answered under pseudonyms, closed."""

from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED

from aerie_services.kit.context import BoundedContext, Handles
from aerie_services.surveys.application import Surveys

CONTEXT = BoundedContext(
    name="surveys",
    application=Surveys,
    handles=(
        Handles(
            SURVEY_PUBLISHED,
            Surveys.publish_survey,
            subject="none",
            decided_by_domain=frozenset({"closes_at", "scales_version"}),
            event_time="platform",
        ),
        Handles(
            SURVEY_ANSWERED,
            Surveys.answer_survey,
            decided_by_domain=frozenset(
                {"response_id", "revision", "site_id", "team_id", "previous", "anonymous"}
            ),
            event_time="platform",
        ),
        Handles(
            SURVEY_CLOSED,
            Surveys.close_survey,
            subject="none",
            decided_by_domain=frozenset({"responses"}),
            event_time="platform",
        ),
    ),
)
