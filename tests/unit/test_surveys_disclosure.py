"""No group below the threshold is shown, and no subtraction of shown groups reveals one."""

from __future__ import annotations

import itertools
import random

from aerie_projections.satisfaction.disclosure import (
    BELOW_THRESHOLD,
    COMPLEMENTARY,
    HOMOGENEOUS,
    PARENT_WITHHELD,
    RULES,
    Answers,
    disclose,
)
from aerie_projections.satisfaction.statistics import OVERALL, GroupKey, groups_of

COMPANY: GroupKey = ("company", "", "")


def site(s: str) -> GroupKey:
    return ("site", s, "")


def team(s: str, t: str) -> GroupKey:
    return ("team", s, t)


def counts(teams: dict[tuple[str, str], int]) -> dict[GroupKey, int]:
    """Group -> respondents, from respondents per (site, team)."""
    totals: dict[GroupKey, int] = {}
    for (s, t), n in teams.items():
        for group in groups_of(s, t):
            totals[group] = totals.get(group, 0) + n
    return totals


def isolated_sets(responses: dict[GroupKey, int], shown: frozenset[GroupKey]) -> list[int]:
    """Sizes of every set of respondents one can isolate from shown groups by subtraction.

    The groups nest (company > site > team), so the finest sets adding and
    subtracting can reach are each shown group less its largest shown subgroups.
    """
    sizes = []
    for group in shown:
        inner = [g for g in shown if g != group and _within(g, group)]
        largest = [g for g in inner if not any(o != g and _within(g, o) for o in inner)]
        sizes.append(responses[group] - sum(responses[g] for g in largest))
    return sizes


def _within(inner: GroupKey, outer: GroupKey) -> bool:
    if outer[0] == "company":
        return inner[0] != "company"
    return outer[0] == "site" and inner[0] == "team" and inner[1] == outer[1]


def test_a_team_below_the_threshold_is_withheld() -> None:
    result = disclose(counts({("n", "a"): 4, ("n", "b"): 9, ("n", "c"): 8}), 5)
    assert result.reason(team("n", "a")) == BELOW_THRESHOLD


def test_site_minus_its_shown_teams_cannot_reveal_a_withheld_team() -> None:
    responses = counts({("n", "a"): 3, ("n", "b"): 9, ("n", "c"): 8, ("s", "d"): 12})
    result = disclose(responses, 5)
    assert result.reason(team("n", "a")) == BELOW_THRESHOLD
    assert result.reason(team("n", "c")) == COMPLEMENTARY  # 20 - 9 - 8 would be team a's 3
    assert result.reason(team("n", "b")) is None
    assert all(size == 0 or size >= 5 for size in isolated_sets(responses, result.shown))


def test_company_minus_its_shown_sites_cannot_reveal_a_small_site() -> None:
    responses = counts({("n", "a"): 30, ("s", "b"): 25, ("e", "c"): 2})
    result = disclose(responses, 5)
    assert result.reason(site("e")) == BELOW_THRESHOLD
    assert result.reason(site("s")) == COMPLEMENTARY
    assert result.reason(team("s", "b")) == PARENT_WITHHELD


def test_a_company_below_the_threshold_shows_nothing() -> None:
    result = disclose(counts({("n", "a"): 2, ("s", "b"): 2}), 5)
    assert result.shown == frozenset()


def test_groups_exactly_at_the_threshold_are_shown() -> None:
    responses = counts({("n", "a"): 5, ("n", "b"): 5})
    assert disclose(responses, 5).shown == frozenset(responses)


def test_no_combination_of_shown_groups_isolates_fewer_than_the_threshold() -> None:
    rng = random.Random(5)
    for threshold, _ in itertools.product((3, 5, 7), range(300)):
        teams = {
            (f"site-{s}", f"team-{t}"): rng.choice((0, 1, 2, 3, 4, 5, 6, 8, 11, 12))
            for s in range(rng.randint(1, 4))
            for t in range(rng.randint(1, 5))
        }
        responses = {g: n for g, n in counts(teams).items() if n > 0}
        result = disclose(responses, threshold)
        assert all(responses[g] >= threshold for g in result.shown)
        assert all(n == 0 or n >= threshold for n in isolated_sets(responses, result.shown))


def test_the_reference_check_does_catch_a_revealing_disclosure() -> None:
    responses = counts({("n", "a"): 3, ("n", "b"): 9, ("n", "c"): 8})
    naive = frozenset(g for g, n in responses.items() if n >= 5)
    assert 3 in isolated_sets(responses, naive)


# -- a group that answered as one (anonymity/2026-12) ------------------------------------

DIVERSE = RULES["anonymity/2026-12"]


def answered(teams: dict[tuple[str, str], list[int]]) -> tuple[dict[GroupKey, int], Answers]:
    """Respondents and the overall item's histogram per group, from each team's answers."""
    responses: dict[GroupKey, int] = {}
    histograms: dict[GroupKey, list[int]] = {}
    for (s, t), values in teams.items():
        for group in groups_of(s, t):
            responses[group] = responses.get(group, 0) + len(values)
            histogram = histograms.setdefault(group, [0] * 11)
            for value in values:
                histogram[value] += 1
    return responses, {group: {OVERALL: h} for group, h in histograms.items()}


def test_a_team_that_answered_as_one_is_withheld_though_it_is_large_enough() -> None:
    responses, answers = answered({("n", "a"): [5] * 8, ("n", "b"): [1, 2, 3, 4, 5, 2, 3, 4]})
    assert RULES["anonymity/2026-01"](responses, 5, answers).shown == frozenset(responses)
    result = DIVERSE(responses, 5, answers)
    assert result.reason(team("n", "a")) == HOMOGENEOUS


def test_the_site_less_its_other_teams_does_not_give_a_homogeneous_team_back() -> None:
    """Team a all 5: withheld; site less team b would be team a again, so b goes too."""
    responses, answers = answered({("n", "a"): [5] * 8, ("n", "b"): [1, 2, 3, 4, 2, 3, 4, 3]})
    result = DIVERSE(responses, 5, answers)
    assert result.reason(team("n", "a")) == HOMOGENEOUS
    assert result.reason(team("n", "b")) == COMPLEMENTARY
    assert result.reason(site("n")) is None and result.reason(COMPANY) is None


def test_a_site_that_answered_as_one_is_withheld_with_its_teams() -> None:
    responses, answers = answered(
        {
            ("n", "a"): [4, 4, 4, 4, 5, 3],
            ("n", "b"): [4] * 6,
            ("s", "c"): [1, 2, 3, 4, 5, 1, 2, 3] * 2,
        }
    )
    result = DIVERSE(responses, 5, answers)
    assert result.reason(team("n", "b")) == HOMOGENEOUS
    assert result.reason(team("n", "a")) == COMPLEMENTARY  # the site less a would be b
    assert result.reason(site("n")) == HOMOGENEOUS  # 10 of 12 gave 4
    assert result.reason(site("s")) == COMPLEMENTARY  # else the company less s is site n
    assert result.reason(team("s", "c")) == PARENT_WITHHELD
    assert result.reason(COMPANY) is None


def test_four_alike_answers_of_five_are_the_most_a_shown_group_holds() -> None:
    responses, answers = answered({("n", "a"): [5, 5, 5, 5, 4]})
    assert DIVERSE(responses, 5, answers).shown == frozenset(responses)
    responses, answers = answered({("n", "a"): [5, 5, 5, 5, 5, 5, 5, 5, 5, 4]})
    assert DIVERSE(responses, 5, answers).shown == frozenset()


def test_no_combination_of_shown_groups_isolates_a_set_that_answered_as_one() -> None:
    """Random hierarchies and answers: every shown group, and each less its largest shown
    subgroups, has the threshold and no answer above 80% of it; as before for its sizes."""
    rng = random.Random(11)
    for threshold, _ in itertools.product((3, 5), range(300)):
        teams = {
            (f"site-{s}", f"team-{t}"): [
                rng.choice((5, 5, 5, 4, 3)) for _ in range(rng.choice((0, 2, 5, 6, 8, 12)))
            ]
            for s in range(rng.randint(1, 4))
            for t in range(rng.randint(1, 5))
        }
        responses, answers = answered({k: v for k, v in teams.items() if v})
        result = DIVERSE(responses, threshold, answers)
        for histogram in isolated_histograms(answers, result.shown):
            size = sum(histogram)
            assert size == 0 or (size >= threshold and max(histogram) * 5 <= size * 4)


def test_the_diversity_check_does_catch_a_revealing_disclosure() -> None:
    responses, answers = answered({("n", "a"): [5] * 6, ("n", "b"): [1, 2, 3, 4, 5, 3]})
    by_size = RULES["anonymity/2026-01"](responses, 5, answers)
    assert any(max(h) == sum(h) == 6 for h in isolated_histograms(answers, by_size.shown))


def isolated_histograms(answers: Answers, shown: frozenset[GroupKey]) -> list[list[int]]:
    """The overall item's histogram of every shown group, and of each less its largest shown
    subgroups (the sets ``isolated_sets`` sizes)."""
    found = []
    for group in shown:
        inner = [g for g in shown if g != group and _within(g, group)]
        largest = [g for g in inner if not any(o != g and _within(g, o) for o in inner)]
        rest = list(answers[group][OVERALL])
        found.append(list(rest))
        for g in largest:
            rest = [a - b for a, b in zip(rest, answers[g][OVERALL], strict=True)]
        found.append(rest)
    return found
