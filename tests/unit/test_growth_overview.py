"""The site overview withholds every group below the anonymity threshold, directly or by difference."""

from __future__ import annotations

from aerie_gateway.growth.overview import withheld


def test_groups_at_or_above_the_threshold_show_when_no_small_group_exists() -> None:
    assert withheld([5, 12, 7], 5) == set()


def test_a_small_team_is_withheld_with_the_smallest_team_that_would_give_it_away() -> None:
    # site 6 + 9 + 2 = 17: shown; 17 - 6 - 9 would be the two people of the third team
    assert withheld([6, 9, 2], 5) == {0, 2}


def test_small_teams_that_reach_the_threshold_together_need_no_other_withheld() -> None:
    assert withheld([3, 8, 2], 5) == {0, 2}


def test_when_every_other_team_is_needed_all_are_withheld() -> None:
    assert withheld([6, 1], 5) == {0, 1}


def test_empty_groups_are_neither_shown_figures_nor_counted_as_hidden() -> None:
    assert withheld([0, 7, 9], 5) == set()
