"""How long ``aerie run`` has the relay hold anonymous events back: short only for a local trial."""

from __future__ import annotations

from aerie_platform.cli.run import TRIAL_RELEASE_SECONDS, release_window


def test_a_local_trial_of_the_demo_releases_within_a_minute() -> None:
    window = release_window(None, embedded_database=True, demo_store=True)
    assert window == str(TRIAL_RELEASE_SECONDS) == "60"


def test_a_database_of_its_own_keeps_the_default_window_even_with_the_demo() -> None:
    assert release_window(None, embedded_database=False, demo_store=True) is None


def test_an_embedded_store_with_other_data_keeps_the_default_window() -> None:
    assert release_window(None, embedded_database=True, demo_store=False) is None


def test_a_window_set_in_the_environment_always_holds() -> None:
    for embedded, demo in ((True, True), (False, False)):
        assert release_window("900", embedded_database=embedded, demo_store=demo) == "900"
