"""Upcasters: how a stored payload of an older schema version reads as the current one.

``issue.raised`` is at version 2 (departments became data), ``survey.answered`` at 2 (answers
name no one), ``survey.published`` at 2 (it records the scales' version),
``training.passed`` at 2 (a pass may be a retake), ``star.promoted`` at 2 (the criteria
the promotion met) and ``employee.repositioned`` at 2 (the week of KPI facts behind it);
every other type is at 1.

To change the shape of a type's payload:

1. raise its ``schema_version`` in ``catalog.py`` (say from 1 to 2) and describe
   its new fields;
2. add here a function that turns a version-1 payload into a version-2 one and
   register it under ``(type name, 1)``, the version it reads::

       def _issue_raised_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
           return {**payload, "channel": "web"}

       UPCASTERS[("issue.raised", 1)] = _issue_raised_1_to_2

3. regenerate the JSON Schemas.

An upcaster receives the payload with its personal fields already opened (or
``None`` when the person's key was destroyed, so it must accept ``None`` there),
returns a new mapping and never changes its argument. Stored events are never
rewritten: a version-1 event is upcast step by step (1 to 2, 2 to 3, ...) each
time it is read. ``EventCodec`` refuses to start when a step is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the payload of version N of an event type into the payload of version N + 1."""


def _issue_raised_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 1 named a department from a fixed list, with no kind, priority or deadline.

    Those departments keep their ids as published departments; a version-1
    issue is an issue of normal priority routed before deadlines were kept.
    """
    return {
        **payload,
        "kind": "issue",
        "priority": "normal",
        "department_version": None,
        "reply_due_at": None,
    }


UPCASTERS: dict[tuple[str, int], Upcaster] = {("issue.raised", 1): _issue_raised_1_to_2}
"""(type name, the version it reads) -> upcaster to the next version."""


def _survey_answered_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 answer named its person (its subject); from version 2 on answers name no one.

    Stored events are never rewritten, so a version-1 answer keeps its subject
    in the store; whenever it is read, it keeps only its survey: its scores
    and comment are withheld, and no read model or topic links them to the
    person again. It has no response id, which is how readers tell it apart.
    """
    withheld = ("response_id", "revision", "site_id", "team_id", "overall", "enps", "drivers")
    return {"survey_id": payload["survey_id"], **dict.fromkeys(withheld), "anonymous": False}


UPCASTERS[("survey.answered", 1)] = _survey_answered_1_to_2


def _survey_published_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 survey was published before the scales' bands were recorded with it: it was
    read under the only version there was then, ``scales/2026-01``, and still is."""
    return {**payload, "scales_version": "scales/2026-01"}


UPCASTERS[("survey.published", 1)] = _survey_published_1_to_2


def _training_passed_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """Before retakes were told apart, a pass was taken to be the first of its course."""
    return {**payload, "retake": False}


def _star_promoted_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """A promotion recorded before the ladder policy checked it carries no criteria."""
    return {**payload, "criteria": []}


UPCASTERS[("training.passed", 1)] = _training_passed_1_to_2
UPCASTERS[("star.promoted", 1)] = _star_promoted_1_to_2


def _employee_repositioned_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 re-positioning named only its off-post order; the order names the week of
    KPI facts behind it, so the week reads as unknown here rather than guessed."""
    return {**payload, "window_start": None, "window_end": None}


UPCASTERS[("employee.repositioned", 1)] = _employee_repositioned_1_to_2
