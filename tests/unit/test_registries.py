"""Contexts and projections declare themselves once; contradictions are refused at start."""

from dataclasses import replace

import pytest
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.voice import ISSUE_HANDED_OVER
from aerie_projections.handover import MANAGER as HANDOVER
from aerie_projections.profile import PROJECTION as PROFILE
from aerie_projections.profile.views import ProfileProjection
from aerie_projections.registry import ProjectionRegistryError, checked
from aerie_services.kit.context import ContextRegistry, Handles, RegistryError
from aerie_services.registry import CONTEXTS, registry


def test_every_catalog_type_is_handled_by_exactly_one_registered_context() -> None:
    handlers = registry().handlers
    assert handlers[TRAINING_PASSED][0].name == "learning"
    assert handlers[ISSUE_HANDED_OVER][0].name == "voice"


def test_a_context_handling_a_type_missing_from_the_catalog_is_refused() -> None:
    learning = next(c for c in CONTEXTS if c.name == "learning")
    broken = replace(learning, handles=(*learning.handles, Handles("training.exploded", print)))
    others = [c for c in CONTEXTS if c.name != "learning"]
    with pytest.raises(RegistryError, match=r"training\.exploded.*does not define"):
        ContextRegistry([*others, broken])


def test_a_context_registered_twice_is_refused() -> None:
    with pytest.raises(RegistryError, match="registered twice"):
        ContextRegistry([*CONTEXTS, CONTEXTS[0]])


def test_a_catalog_type_no_context_handles_is_refused() -> None:
    with pytest.raises(RegistryError, match=r"no registered context handles: employee\.hired"):
        ContextRegistry([c for c in CONTEXTS if c.name != "people"])


def test_a_projection_registered_twice_is_refused() -> None:
    with pytest.raises(ProjectionRegistryError, match="registered twice"):
        checked([PROFILE, HANDOVER, PROFILE])


def test_a_projection_of_an_unknown_event_type_is_refused() -> None:
    class Confused(ProfileProjection):
        name = "confused"
        tables = ()
        handles = frozenset({"star.exploded"})

    with pytest.raises(ProjectionRegistryError, match=r"star\.exploded"):
        checked([Confused()])
