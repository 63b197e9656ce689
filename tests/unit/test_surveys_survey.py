"""Given / when / then on a survey: publishing, answering under a pseudonym, correcting, closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_services.surveys.domainmodel import Respondent, Survey, Unchanged
from aerie_services.surveys.errors import (
    AnswerOutOfScale,
    InvalidSurvey,
    NotInSurveyPopulation,
    SurveyAlreadyPublished,
    SurveyClosed,
    SurveyNotOpen,
)
from aerie_services.surveys.questionnaire import keyed_digest, response_pseudonym

KEY = b"k" * 32
QUESTIONS = [
    {"question_id": "overall", "text": "All in all, satisfied?", "scale": "1-5", "role": "overall"},
    {"question_id": "enps", "text": "Recommend us?", "scale": "0-10", "role": "enps"},
    {"question_id": "workload", "text": "Workload is fair", "scale": "1-5", "role": "driver"},
    {"question_id": "coaching", "text": "Coaching helps", "scale": "0-10", "role": "driver"},
]


def meta(kind: str, command_id: str, digest: str = "d") -> dict[str, Any]:
    return {
        "type": kind,
        "command_id": command_id,
        "digest": digest,
        "employee_id": None,
        "occurred_at": "2026-03-01T09:00:00+00:00",
    }


def published(**changes: Any) -> Survey:
    payload = {
        "survey_id": "pulse-1",
        "series_id": "pulse",
        "title": "Pulse",
        "questions": QUESTIONS,
        "comment_prompt": "Anything else?",
        "sites": ["site-north"],
        "teams": ["site-south-team-02"],
        "opens_on": "2026-03-02",
        "closes_on": "2026-03-08",
        "anonymity_threshold": 5,
        **changes,
    }
    return Survey.publish(None, meta(SURVEY_PUBLISHED, "p1"), payload)


def respondent(who: str = "N-0001", team: str = "site-north-team-01", day: int = 3) -> Respondent:
    site = team.rsplit("-team-", 1)[0]
    return Respondent(response_pseudonym(KEY, "pulse-1", who), site, team, dt.date(2026, 3, day))


def answer(
    survey: Survey,
    who: Respondent,
    command_id: str = "a1",
    comment: str | None = None,
    **scores: Any,
) -> None:
    data: dict[str, Any] = {
        "survey_id": "pulse-1",
        "overall": scores.get("overall", 4),
        "enps": scores.get("enps", 9),
        "drivers": scores.get("drivers", {"workload": 3, "coaching": 8}),
    }
    if comment is not None:
        data["comment"] = comment
    digest = keyed_digest(KEY, who.response_id, repr(sorted(data.items())))
    survey.answer(meta(SURVEY_ANSWERED, command_id, digest), data, who)


def last_payload(survey: Survey) -> dict[str, Any]:
    return survey.collect_events()[-1].payload


def test_an_answer_names_a_pseudonymous_response_and_where_the_respondent_sat() -> None:
    survey = published()
    answer(survey, respondent())
    payload = last_payload(survey)
    assert payload["response_id"].startswith("R-")
    assert "N-0001" not in repr(payload)
    assert (payload["site_id"], payload["team_id"]) == ("site-north", "site-north-team-01")
    assert (payload["revision"], payload["anonymous"]) == (1, True)


def test_a_surveys_id_comes_from_its_survey_id() -> None:
    assert published().id == Survey.id_for("pulse-1")


def test_two_surveys_give_one_person_unrelated_response_ids() -> None:
    assert response_pseudonym(KEY, "pulse-1", "N-0001") != response_pseudonym(
        KEY, "pulse-2", "N-0001"
    )


def test_a_correction_carries_the_answer_it_replaces_and_keeps_the_first_group() -> None:
    survey = published()
    answer(survey, respondent(), overall=2)
    moved = respondent(team="site-south-team-02")
    answer(survey, moved, "a2", overall=5)
    payload = last_payload(survey)
    assert payload["revision"] == 2
    assert payload["previous"]["overall"] == 2
    assert payload["overall"] == 5
    assert payload["team_id"] == "site-north-team-01"


def test_the_same_answer_again_records_nothing() -> None:
    survey = published()
    answer(survey, respondent(), "a1")
    with pytest.raises(Unchanged) as unchanged:
        answer(survey, respondent(), "a2")
    assert unchanged.value.version == 2


def test_an_answer_outside_the_scale_is_refused_naming_each_field() -> None:
    survey = published()
    with pytest.raises(AnswerOutOfScale) as refused:
        answer(survey, respondent(), overall=6, enps=11, drivers={"workload": 0, "coaching": 8})
    fields = [p.field for p in refused.value.problems]
    assert fields == ["overall", "enps", "drivers.workload"]
    assert refused.value.allowed == "a whole number from 1 to 5"
    assert survey.collect_events()[-1].__class__.__name__ == "Published"


def test_an_unanswered_or_unknown_driver_is_refused() -> None:
    survey = published()
    with pytest.raises(AnswerOutOfScale) as refused:
        answer(survey, respondent(), drivers={"workload": 3, "pay": 2})
    assert [p.field for p in refused.value.problems] == ["drivers.pay", "drivers.coaching"]


def test_someone_outside_the_target_population_is_refused() -> None:
    survey = published()
    with pytest.raises(NotInSurveyPopulation):
        answer(survey, respondent(team="site-east-team-01"))


def test_a_team_listed_by_itself_is_in_the_population() -> None:
    survey = published()
    answer(survey, respondent(team="site-south-team-02"))
    assert last_payload(survey)["site_id"] == "site-south"


def test_an_answer_before_the_first_day_is_refused() -> None:
    survey = published()
    with pytest.raises(SurveyNotOpen):
        answer(survey, respondent(day=1))


def test_an_answer_after_the_last_local_day_is_refused() -> None:
    survey = published()
    with pytest.raises(SurveyClosed):
        answer(survey, respondent(day=9))


def test_no_answer_nor_correction_after_the_close() -> None:
    survey = published()
    answer(survey, respondent())
    survey.close(meta(SURVEY_CLOSED, "c1"), {"survey_id": "pulse-1", "reason": "early"})
    assert last_payload(survey)["responses"] == 1
    with pytest.raises(SurveyClosed):
        answer(survey, respondent(), "a2", overall=1)
    with pytest.raises(SurveyClosed):
        answer(survey, respondent("N-0002"), "a3")


def test_a_survey_closes_once() -> None:
    survey = published()
    survey.close(meta(SURVEY_CLOSED, "c1"), {"survey_id": "pulse-1", "reason": "early"})
    with pytest.raises(SurveyClosed):
        survey.close(meta(SURVEY_CLOSED, "c2"), {"survey_id": "pulse-1", "reason": "scheduled"})


def test_a_comment_is_refused_when_the_survey_asks_no_free_text() -> None:
    survey = published(comment_prompt=None)
    with pytest.raises(AnswerOutOfScale) as refused:
        answer(survey, respondent(), comment="the new headsets hurt")
    assert refused.value.field == "comment"


def test_a_survey_is_published_once() -> None:
    survey = published()
    with pytest.raises(SurveyAlreadyPublished):
        Survey.publish(survey, meta(SURVEY_PUBLISHED, "p2"), {"survey_id": "pulse-1"})


def test_a_survey_without_exactly_one_overall_and_one_enps_item_is_refused() -> None:
    questions = [
        {"question_id": "q1", "text": "t", "scale": "1-5", "role": "overall"},
        {"question_id": "q2", "text": "t", "scale": "1-5", "role": "overall"},
        {"question_id": "q3", "text": "t", "scale": "1-5", "role": "enps"},
        {"question_id": "q3", "text": "t", "scale": "1-7", "role": "driver"},
    ]
    with pytest.raises(InvalidSurvey) as refused:
        published(questions=questions)
    assert [p.field for p in refused.value.problems] == [
        "questions[2].scale",
        "questions[3].scale",
        "questions[3].questionId",
        "questions",
        "questions",
        "questions",
    ]


def test_a_survey_closing_before_it_opens_is_refused() -> None:
    with pytest.raises(InvalidSurvey) as refused:
        published(opens_on="2026-03-08", closes_on="2026-03-02")
    assert refused.value.field == "closesOn"


def test_a_survey_closes_once_its_last_day_has_ended_everywhere() -> None:
    survey = published()
    assert survey.window.closes_at == dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC)


def test_a_survey_whose_last_day_is_over_everywhere_cannot_be_published() -> None:
    with pytest.raises(InvalidSurvey) as refused:
        published(opens_on="2026-02-01", closes_on="2026-02-07")
    assert refused.value.field == "closesOn"


def test_a_missing_answer_is_named() -> None:
    survey = published()
    with pytest.raises(AnswerOutOfScale) as refused:
        answer(survey, respondent(), overall=None)
    assert refused.value.problems[0].problem == "is not answered"


def test_a_survey_with_two_enps_items_is_refused() -> None:
    questions = [
        *QUESTIONS,
        {"question_id": "enps-again", "text": "Recommend us?", "scale": "0-10", "role": "enps"},
    ]
    with pytest.raises(InvalidSurvey) as refused:
        published(questions=questions)
    assert [(p.field, p.problem, p.allowed) for p in refused.value.problems] == [
        ("questions", "2 questions have role 'enps'", "exactly one eNPS item, on 0-10")
    ]
