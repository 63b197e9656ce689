"""What ``aerie run`` starts, by name, and when it gives up restarting a part."""

from __future__ import annotations

from aerie_platform.cli.supervisor import CrashLoop, part_commands


def test_every_part_has_a_name_of_its_own_and_its_command() -> None:
    assert part_commands(relays=2, workers=2, gateways=2) == {
        "relay": ["relay", "--group", "0"],
        "relay-1": ["relay", "--group", "1"],
        "worker": ["worker", "--index", "0"],
        "worker-1": ["worker", "--index", "1"],
        "gateway": ["gateway"],
        "gateway-1": ["gateway"],
        "ingest": ["ingest"],
    }


def test_a_part_that_keeps_exiting_is_given_up_on_its_fifth_exit_in_a_minute() -> None:
    crashes = CrashLoop()
    assert [crashes.record("worker") for _ in range(CrashLoop.LIMIT)] == [
        False,
        False,
        False,
        False,
        True,
    ]
    assert not crashes.record("relay")


def test_exits_longer_ago_than_the_window_are_forgotten() -> None:
    crashes = CrashLoop()
    crashes.exits["worker"] = [-CrashLoop.WINDOW_SECONDS * 2] * (CrashLoop.LIMIT - 1)
    assert not crashes.record("worker")
    assert len(crashes.exits["worker"]) == 1
