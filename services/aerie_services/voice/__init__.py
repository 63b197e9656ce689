"""The voice bounded context: the employee opinion platform."""

from aerie_services.context import BoundedContext, Handles
from aerie_services.voice.application import Voice

CONTEXT = BoundedContext(
    name="voice",
    application=Voice,
    handles=(
        Handles("issue.raised", Voice.raise_issue),
        Handles("issue.handed_over", Voice.hand_over_issue),
    ),
)
