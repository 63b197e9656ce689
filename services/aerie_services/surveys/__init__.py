"""The surveys bounded context."""

from aerie_services.context import BoundedContext, Handles
from aerie_services.surveys.application import Surveys

CONTEXT = BoundedContext(
    name="surveys",
    application=Surveys,
    handles=(Handles("survey.answered", Surveys.answer_survey),),
)
