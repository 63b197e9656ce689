"""Satisfaction surveys' events: published, answered under pseudonyms, closed."""

from __future__ import annotations

from typing import Any

from aerie_events.catalog.kit import EventType, Upcasters, define
from aerie_events.fields import Field
from aerie_events.rules.scales import SCALE_VERSIONS, SCALES

CONTEXT = "surveys"

SURVEY_PUBLISHED = "survey.published"
SURVEY_ANSWERED = "survey.answered"
SURVEY_CLOSED = "survey.closed"

SCALE_NAMES = tuple(SCALES)
SURVEY_QUESTION = Field(
    "record",
    "A scale question.",
    name="SurveyQuestion",
    fields={
        "question_id": Field("id", "The question; the same id in each wave compares it."),
        "text": Field("text", "What it asks.", max_length=300),
        "scale": Field(
            "enum", "Its answer scale (see aerie_events.rules.scales).", choices=SCALE_NAMES
        ),
        "role": Field(
            "enum",
            "overall: overall satisfaction; enps: the eNPS item (0-10); driver: what drives it.",
            choices=("overall", "enps", "driver"),
        ),
    },
)
ANSWER_FIELDS = {
    "overall": Field("int", "Overall satisfaction.", minimum=0, maximum=10),
    "enps": Field("int", "The eNPS answer.", minimum=0, maximum=10),
    "drivers": Field("scores", "Each driver's answer.", minimum=0, maximum=10),
}
LEGACY_NULL = (
    "Null in an answer recorded under schema 1, before answers were anonymous: "
    "its scores are withheld from every reader."
)

TYPES: tuple[EventType, ...] = (
    define(
        SURVEY_PUBLISHED,
        CONTEXT,
        "A satisfaction survey was published: its questions, whom it asks and when it is open.",
        keyed_by="survey_id",
        survey_id=Field("id", "The survey (one wave of its series)."),
        series_id=Field("id", "The series its waves belong to; waves compare by question id."),
        title=Field("text", "The survey's title.", max_length=200),
        questions=Field(
            "list",
            "Its scale questions: one overall-satisfaction item, one eNPS item, drivers.",
            item=SURVEY_QUESTION,
            max_items=40,
        ),
        comment_prompt=Field(
            "text", "The free-text question, if it asks one.", max_length=300, required=False
        ),
        sites=Field(
            "list",
            "Sites it asks (with teams; neither: everyone).",
            item=Field("id", "A site."),
            max_items=100,
            required=False,
        ),
        teams=Field(
            "list",
            "Teams it asks, wherever they are.",
            item=Field("id", "A team."),
            max_items=1000,
            required=False,
        ),
        opens_on=Field("date", "First day it takes answers, in each site's local date."),
        closes_on=Field("date", "Last day it takes answers, in each site's local date."),
        closes_at=Field(
            "datetime", "When it closes on schedule: once its last day has ended everywhere."
        ),
        anonymity_threshold=Field(
            "int",
            "No group of fewer respondents is shown: the policy's minimum, or more if asked.",
            minimum=2,
            maximum=1000,
            required=False,
        ),
        scales_version=Field(
            "enum",
            "The version of the scales' bands (favourable, unfavourable, eNPS) its results read.",
            choices=tuple(SCALE_VERSIONS),
        ),
        schema_version=2,
    ),
    define(
        SURVEY_ANSWERED,
        CONTEXT,
        "Someone answered a survey, or corrected their answer, under a pseudonymous response.",
        keyed_by="survey_id",
        survey_id=Field("id", "The survey."),
        response_id=Field(
            "id",
            "The response: a keyed hash no role can link to a person. " + LEGACY_NULL,
            nullable=True,
        ),
        revision=Field(
            "int",
            "1 for the first answer, then one more per correction.",
            minimum=1,
            nullable=True,
        ),
        site_id=Field("id", "Where the respondent sat when first answering.", nullable=True),
        team_id=Field("id", "Their team then (results count it there).", nullable=True),
        overall=Field(
            "int",
            "Overall satisfaction, on its question's scale.",
            minimum=0,
            maximum=10,
            nullable=True,
        ),
        enps=Field(
            "int",
            "How likely to recommend working here, 0 to 10.",
            minimum=0,
            maximum=10,
            nullable=True,
        ),
        drivers=Field(
            "scores",
            "Each driver question's answer, by question id.",
            minimum=0,
            maximum=10,
            nullable=True,
        ),
        comment=Field(
            "text",
            "The answer to the free-text question, sealed with a key of the response's own.",
            max_length=2000,
            required=False,
            personal=True,
        ),
        previous=Field(
            "record",
            "A correction's replaced answer (overall, enps, drivers).",
            fields=ANSWER_FIELDS,
            required=False,
        ),
        anonymous=Field("bool", "Always true from schema 2 on: the answer names no one."),
        schema_version=2,
    ),
    define(
        SURVEY_CLOSED,
        CONTEXT,
        "A survey closed: no answer or correction is taken after this; results can be shown.",
        keyed_by="survey_id",
        survey_id=Field("id", "The survey."),
        reason=Field("enum", "Why it closed.", choices=("scheduled", "early")),
        responses=Field("int", "How many responses it holds.", minimum=0),
    ),
)


def _survey_answered_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 answer named its person (its subject); from version 2 on answers name no one.

    Stored events are never rewritten, so a version-1 answer keeps its subject
    in the store; whenever it is read, it keeps only its survey: its scores
    and comment are withheld, and no read model or topic links them to the
    person again. It has no response id, which is how readers tell it apart.
    """
    withheld = ("response_id", "revision", "site_id", "team_id", "overall", "enps", "drivers")
    return {"survey_id": payload["survey_id"], **dict.fromkeys(withheld), "anonymous": False}


def _survey_published_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 survey was published before the scales' bands were recorded with it: it was
    read under the only version there was then, ``scales/2026-01``, and still is."""
    return {**payload, "scales_version": "scales/2026-01"}


UPCASTERS: Upcasters = {
    (SURVEY_ANSWERED, 1): _survey_answered_1_to_2,
    (SURVEY_PUBLISHED, 1): _survey_published_1_to_2,
}
