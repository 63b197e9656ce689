"""How long a refused follow-up takes: an unknown issue, an anonymous one, someone else's.

Run with ``make bench`` (or ``python -m tests.perf.followup``). On an embedded
PostgreSQL (unless ``AERIE_DATABASE_URL`` points at a server), through the
command path the gateway and the Kafka door call (``Aerie.handle``, its dead
letter included): a caller who is none of the authors comments on an issue
id that no issue has, on someone's anonymous issue and on someone's named
issue, by name and with a wrong follow-up key; and the ``anonymousIssue``
query's check of a wrong key on each. The cases are taken in turn, in a new
random order each round, so a drift of the machine falls on all of them.

Prints the median and the 90th percentile of each case, and how far each
case's median is from the unknown id's, the reference: the refusals are
meant to take the same time, so a gap well above the spread between rounds
would tell the cases apart.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from aerie_events.catalog.voice import ISSUE_COMMENTED, ISSUE_RAISED, ISSUE_REPLIED
from aerie_services.kit.errors import DomainError

from tests.conftest import hire, write_side
from tests.perf.bench import database, print_machine

ROUNDS = 1500
WARM_UP = 100
SITE = "site-bench-followup"
WRONG_KEY = "FU-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"


def issues(side: Any) -> dict[str, str]:
    """Someone's named issue and anonymous issue, both replied, and an id no issue has."""
    bus = side.bus
    author = "BF-author"
    hire(bus, author, site_id=SITE)
    raised = {}
    for anonymous in (False, True):
        command_id = f"bench-followup-raise-{anonymous}"
        bus.handle(
            ISSUE_RAISED,
            command_id=command_id,
            employee_id=author,
            trusted_time=True,
            occurred_at="2026-03-02T09:00:00+00:00",
            data={
                "issue_id": "BF-anonymous" if anonymous else "BF-named",
                "department": "hr",
                "title": "Headset",
                "description": "Cuts out",
                "anonymous": anonymous,
            },
        )
        if anonymous:
            raised["anonymous"] = side.apps["voice"].anonymous_receipt(author, command_id)[0]
        else:
            raised["named"] = "BF-named"
    for issue_id in raised.values():
        bus.handle(
            ISSUE_REPLIED,
            command_id=f"bench-followup-reply-{issue_id}",
            data={"issue_id": issue_id, "text": "Done", "visibility": "private"},
        )
    return {"unknown id": "BF-nothing", **raised}


def attempts(side: Any, targets: dict[str, str]) -> dict[str, Callable[[int], None]]:
    """Each case as a call that is refused (``n`` makes each command id new)."""
    caller = {"kind": "person", "id": "BF-caller", "role": "agent"}
    voice = side.apps["voice"]

    def comment(issue_id: str, key: str | None) -> Callable[[int], None]:
        data = {"issue_id": issue_id, "text": "Again"}
        data |= {"follow_up_key": key} if key else {}

        def attempt(n: int) -> None:
            try:
                side.bus.handle(
                    ISSUE_COMMENTED, command_id=f"bf-{n}", actor=caller, data=dict(data)
                )
            except DomainError:
                return
            raise AssertionError(f"a comment on {issue_id} was recorded")

        return attempt

    def read_by_key(issue_id: str) -> Callable[[int], None]:
        def attempt(_n: int) -> None:
            try:
                voice.check_follow_up_key(issue_id, WRONG_KEY)
            except DomainError:
                return
            raise AssertionError(f"the key opened {issue_id}")

        return attempt

    cases: dict[str, Callable[[int], None]] = {}
    for name, issue_id in targets.items():
        cases[f"comment by name, {name}"] = comment(issue_id, None)
        cases[f"comment by key, {name}"] = comment(issue_id, WRONG_KEY)
        cases[f"anonymousIssue key check, {name}"] = read_by_key(issue_id)
    return cases


def measure(cases: dict[str, Callable[[int], None]]) -> dict[str, list[float]]:
    """Microseconds of each call, the cases in a new random order each round."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    rng = random.Random(7)
    for round_number in range(WARM_UP + ROUNDS):
        rng.shuffle(order)
        for name in order:
            n = round_number * len(order) + order.index(name)
            started = time.perf_counter_ns()
            cases[name](n)
            elapsed = (time.perf_counter_ns() - started) / 1000
            if round_number >= WARM_UP:
                times[name].append(elapsed)
        if round_number and round_number % 500 == 0:
            print(f"  {round_number} of {WARM_UP + ROUNDS} rounds", flush=True)
    return times


def print_times(times: dict[str, list[float]]) -> None:
    print(f"\nrefused follow-ups, {ROUNDS} rounds (microseconds):")
    header = f"{'case':<52} {'median':>8} {'p90':>8} {'vs unknown id':>14}"
    print(header)
    print("-" * len(header))
    for way in ("comment by name", "comment by key", "anonymousIssue key check"):
        reference = statistics.median(times[f"{way}, unknown id"])
        for case in ("unknown id", "anonymous", "named"):
            values = sorted(times[f"{way}, {case}"])
            median = statistics.median(values)
            p90 = values[int(len(values) * 0.9)]
            gap = (median - reference) / reference * 100
            print(f"{way + ', ' + case:<52} {median:>8.0f} {p90:>8.0f} {gap:>+13.1f}%")


def main() -> None:
    print_machine()
    with ExitStack() as stack, database(stack) as database_url:
        side = write_side(database_url)
        stack.callback(side.close)
        cases = attempts(side, issues(side))
        print(f"  {len(cases)} cases, {WARM_UP} rounds of warming up, then {ROUNDS}")
        print_times(measure(cases))


if __name__ == "__main__":
    threading.current_thread().name = "bench-followup"
    main()
