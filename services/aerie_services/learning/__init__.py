"""The learning bounded context."""

from aerie_services.context import BoundedContext, Handles
from aerie_services.learning.application import Learning

CONTEXT = BoundedContext(
    name="learning",
    application=Learning,
    handles=(Handles("training.passed", Learning.pass_training),),
)
