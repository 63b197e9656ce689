"""A survey's results are decided by the rules it was published under, whatever comes later.

A survey records the anonymity policy's version (``policy_version``) and the
scales' version (the favourable, unfavourable and eNPS bands). Its results
choose the disclosure rule and the bands by those, so a new version of either
changes what surveys published from then on show, never an older survey.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aerie_events.rules.scales import SCALE_VERSIONS, SCALES_VERSION, Scale
from aerie_projections.satisfaction import disclosure
from aerie_projections.satisfaction.disclosure import RULES, Disclosure
from aerie_projections.satisfaction.results import SurveyInfo, SurveyResults, results_of
from aerie_projections.satisfaction.statistics import OVERALL, GroupKey, fold
from aerie_services.surveys.policy import ANONYMITY

NOW_POLICY, NOW_SCALES = "anonymity/2026-12", "scales/2026-01"
LATER_POLICY, LATER_SCALES = "anonymity/2099-01", "scales/2099-01"
COMPANY: GroupKey = ("company", "", "")


def survey(policy_version: str = NOW_POLICY, scales_version: str = NOW_SCALES) -> SurveyInfo:
    return SurveyInfo.of(
        {
            "survey_id": "pulse-1",
            "series_id": "pulse",
            "title": "Pulse",
            "questions": [
                {"question_id": "o", "text": "Satisfied?", "scale": "1-5", "role": "overall"},
                {"question_id": "r", "text": "Recommend?", "scale": "0-10", "role": "enps"},
                {"question_id": "w", "text": "Workload", "scale": "1-5", "role": "driver"},
            ],
            "comment_prompt": None,
            "sites": [],
            "teams": [],
            "opens_on": dt.date(2026, 3, 2),
            "closes_on": dt.date(2026, 3, 8),
            "anonymity_threshold": 5,
            "policy_version": policy_version,
            "published_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
            "closed_at": dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC),
            "close_reason": "scheduled",
            "responses_at_close": 6,
            "scales_version": scales_version,
        }
    )


def closed_results(info: SurveyInfo) -> SurveyResults:
    """Six respondents of one team: overall 4, 4, 4, 5, 5, 3; eNPS 8, 8, 9, 9, 10, 6."""
    answers = [
        {"survey_id": "pulse-1", "site_id": "n", "team_id": "a", "overall": o, "enps": e}
        | {"drivers": {"w": o}}
        for o, e in ((4, 8), (4, 8), (4, 9), (5, 9), (5, 10), (3, 6))
    ]
    rows: list[dict[str, Any]] = [
        {
            "kind": group[0],
            "site_id": group[1],
            "team_id": group[2],
            "role": item[0],
            "question_id": item[1],
            "n": sums.n,
            "sum_x": sums.sum_x,
            "sum_xx": sums.sum_xx,
            "sum_xy": sums.sum_xy,
            "counts": sums.counts,
        }
        for (_, group, item), sums in fold(answers).items()
    ]
    invited = {COMPANY: 6, ("site", "n", ""): 6, ("team", "n", "a"): 6}
    return results_of(info, rows, invited)


def overall_favourable(results: SurveyResults) -> float | None:
    company = results.group(COMPANY)
    assert company is not None
    item = company.item(OVERALL)
    return item.statistics.favourable if item is not None else None


@pytest.fixture
def later_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A later policy that shows nothing, and later bands where only the top answer pleases."""

    def show_nothing(responses: dict[GroupKey, int], threshold: int, _answers: Any) -> Disclosure:
        return Disclosure(threshold, frozenset(), dict.fromkeys(responses, "BELOW_THRESHOLD"))

    monkeypatch.setitem(RULES, LATER_POLICY, show_nothing)
    strict = {
        "1-5": Scale("1-5", 1, 5, favourable_from=5, unfavourable_to=3),
        "0-10": Scale("0-10", 0, 10, 9, 5, promoters_from=10, detractors_to=8),
    }
    monkeypatch.setitem(SCALE_VERSIONS, LATER_SCALES, strict)


def test_the_versions_the_write_side_records_now_have_rules_to_read_them() -> None:
    assert ANONYMITY.version == NOW_POLICY and NOW_POLICY in RULES
    assert SCALES_VERSION == NOW_SCALES and NOW_SCALES in SCALE_VERSIONS


def test_a_survey_is_shown_under_the_disclosure_rule_of_the_policy_it_recorded(
    later_versions: None,
) -> None:
    assert closed_results(survey(NOW_POLICY)).group(COMPANY).shown
    assert not closed_results(survey(LATER_POLICY)).group(COMPANY).shown


def test_a_surveys_figures_read_the_bands_of_the_scales_it_recorded(later_versions: None) -> None:
    assert overall_favourable(closed_results(survey(scales_version=NOW_SCALES))) == 5 / 6
    assert overall_favourable(closed_results(survey(scales_version=LATER_SCALES))) == 2 / 6
    enps_now = closed_results(survey(scales_version=NOW_SCALES)).group(COMPANY).items[1]
    enps_later = closed_results(survey(scales_version=LATER_SCALES)).group(COMPANY).items[1]
    assert enps_now.statistics.enps == pytest.approx((3 - 1) / 6 * 100)
    assert enps_later.statistics.enps == pytest.approx((1 - 3) / 6 * 100)


def test_a_version_this_code_does_not_know_is_refused_by_name() -> None:
    with pytest.raises(LookupError, match="anonymity/1999-01"):
        disclosure.rule_of("anonymity/1999-01")
    with pytest.raises(LookupError, match="scales/1999-01"):
        survey(scales_version="scales/1999-01")
