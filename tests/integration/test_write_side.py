"""The write side on the real PostgreSQL: store, idempotency, dead letters, anonymity."""

from typing import Any

import psycopg
import pytest
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import STAR_PROMOTED
from aerie_events.catalog.voice import ISSUE_RAISED
from aerie_services.kit.errors import DomainError

from tests.conftest import hire, new_id, write_side
from tests.growth_support import PROMOTED_ON, ready_for_promotion


def stored_count(database_url: str, table: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def training(bus: Any, employee_id: str, command_id: str, score: int = 80) -> Any:
    return bus.handle(
        TRAINING_PASSED,
        command_id=command_id,
        employee_id=employee_id,
        data={
            "course_id": "C-1",
            "course_title": "Basics",
            "score": score,
            "pass_mark": 60,
            "passed_on": "2026-01-10",
        },
    )


def test_a_repeated_command_returns_the_first_outcome_and_stores_nothing(bus, database_url) -> None:
    employee = new_id()
    hire(bus, employee)
    first = training(bus, employee, f"stmt-{employee}")
    before = stored_count(database_url, "learning_events")
    again = training(bus, employee, f"stmt-{employee}")
    assert again.duplicate and not first.duplicate
    assert (again.event_id, again.position) == (first.event_id, first.position)
    assert stored_count(database_url, "learning_events") == before


def test_a_command_for_an_unknown_employee_is_refused_and_dead_lettered(bus, database_url) -> None:
    letters = stored_count(database_url, "aerie_dead_letters")
    events = stored_count(database_url, "learning_events")
    with pytest.raises(DomainError) as caught:
        training(bus, "NOBODY-123", "stmt-nobody")
    assert caught.value.code == "UNKNOWN_EMPLOYEE"
    assert stored_count(database_url, "learning_events") == events
    with psycopg.connect(database_url) as conn:
        code, reason = conn.execute(
            "SELECT code, reason FROM aerie_dead_letters ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert stored_count(database_url, "aerie_dead_letters") == letters + 1
    assert code == "UNKNOWN_EMPLOYEE" and "NOBODY-123" in reason


def test_a_huge_or_unstorable_refused_input_is_kept_bounded_with_its_size(
    bus, database_url
) -> None:
    """A 900 KB name with a NUL is refused; its dead letter keeps 500 characters and the size."""
    name = "\x00" + "N" * 900_000
    with pytest.raises(DomainError) as caught:
        bus.handle(
            EMPLOYEE_HIRED,
            command_id=f"h-{new_id()}",
            employee_id=new_id(),
            site_id="site-t",
            data={"display_name": name, "team_id": "t1", "role": "agent", "hired_on": "2026-01-05"},
        )
    assert caught.value.code == "INVALID_INPUT"
    with psycopg.connect(database_url) as conn:
        kept, size = conn.execute(
            "SELECT input->'data'->>'display_name', input_bytes FROM aerie_dead_letters "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert kept.startswith("\ufffd" + "N" * 499)
    assert kept.endswith("(900,001 characters)")
    assert size > 900_000


def test_an_anonymous_issue_stores_no_trace_of_its_author(bus, database_url) -> None:
    author = new_id("ANON")
    hire(bus, author)
    issue = new_id("ISSUE")
    bus.handle(
        ISSUE_RAISED,
        command_id=f"raise-{issue}",
        employee_id=author,
        data={
            "issue_id": issue,
            "department": "hr",
            "title": "Shift pattern",
            "description": "Too many night shifts in a row.",
            "anonymous": True,
        },
    )
    with psycopg.connect(database_url) as conn:
        states = conn.execute("SELECT state FROM voice_events").fetchall()
    assert states and not any(author.encode() in bytes(state) for (state,) in states)


def test_concurrent_promotions_of_one_agent_record_exactly_one(bus) -> None:
    from concurrent.futures import ThreadPoolExecutor

    employee = new_id()
    ready_for_promotion(bus, employee)

    def promote(n: int) -> str:
        try:
            bus.handle(
                STAR_PROMOTED,
                command_id=f"promo-{employee}-{n}",
                employee_id=employee,
                data={"to_star": 2, "reason": "review", "promoted_on": PROMOTED_ON.isoformat()},
            )
            return "recorded"
        except DomainError as error:
            return error.code

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(promote, range(4)))
    assert results.count("recorded") == 1
    assert set(results) <= {"recorded", "STAR_LEVEL_MISMATCH"}
    assert bus.apps["performance"].star_of(employee) == 2


def test_a_bulk_load_refuses_a_command_for_someone_who_left_earlier_in_the_same_load(bus) -> None:
    employee = new_id()
    hire(bus, employee)
    leaving = (
        EMPLOYEE_LEFT,
        {
            "command_id": f"left-{employee}",
            "employee_id": employee,
            "data": {"left_on": "2026-02-01", "reason": "resigned"},
        },
    )
    passed = {"course_id": "C", "course_title": "t", "score": 80, "pass_mark": 60}
    trainings = [
        (
            TRAINING_PASSED,
            {
                "command_id": f"stmt-{employee}-{n}",
                "employee_id": employee,
                "data": {**passed, "passed_on": "2026-01-10"},
            },
        )
        for n in range(2)
    ]
    with pytest.raises(DomainError) as caught:
        bus.handle_many([trainings[0], leaving, trainings[1]], channel="test")
    assert caught.value.code == "EMPLOYEE_HAS_LEFT"


def raise_issue(bus: Any, author: str, command_id: str, issue: str) -> Any:
    return bus.handle(
        ISSUE_RAISED,
        command_id=command_id,
        employee_id=author,
        data={
            "issue_id": issue,
            "department": "it",
            "title": "Headset",
            "description": "It cuts out.",
            "anonymous": False,
        },
    )


def test_a_command_id_reused_for_another_aggregate_or_context_is_refused(bus, database_url) -> None:
    """The id, not the natural key, names the command: wherever it lands, a reuse is refused."""
    author = new_id()
    hire(bus, author)
    command_id = f"cmd-{author}"
    first = raise_issue(bus, author, command_id, f"ISS-{author}-1")
    assert raise_issue(bus, author, command_id, f"ISS-{author}-1").duplicate  # a retry
    before = stored_count(database_url, "voice_events")
    with pytest.raises(DomainError) as other_issue:
        raise_issue(bus, author, command_id, f"ISS-{author}-2")  # another aggregate
    with pytest.raises(DomainError) as other_context:
        training(bus, author, command_id)  # another context altogether
    assert other_issue.value.code == other_context.value.code == "COMMAND_ID_REUSED"
    assert other_issue.value.field == "commandId"
    assert stored_count(database_url, "voice_events") == before
    assert not first.duplicate


def test_two_authors_whose_clients_chose_the_same_command_id_raise_two_anonymous_issues(
    bus, database_url
) -> None:
    authors = [new_id("A1"), new_id("A2")]
    outcomes = []
    for author in authors:
        hire(bus, author)
        outcomes.append(
            bus.handle(
                ISSUE_RAISED,
                command_id="issue-1",  # both clients count from 1
                employee_id=author,
                data={
                    "issue_id": "mine-1",
                    "department": "it",
                    "title": "Headset",
                    "description": "It cuts out.",
                    "anonymous": True,
                },
            )
        )
    assert not any(o.duplicate for o in outcomes)
    assert outcomes[0].aggregate_id != outcomes[1].aggregate_id


def transfer(bus: Any, employee_id: str, command_id: str, team: str) -> Any:
    return bus.handle(
        EMPLOYEE_TRANSFERRED,
        command_id=command_id,
        employee_id=employee_id,
        data={"to_site_id": "site-t", "to_team_id": team, "transferred_on": "2026-02-01"},
    )


def versions_of(database_url: str, table: str, aggregate_id: Any) -> list[int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            f"SELECT originator_version FROM {table} WHERE originator_id = %s "
            "ORDER BY originator_version",
            (aggregate_id,),
        ).fetchall()
    return [version for (version,) in rows]


def test_a_save_refused_after_the_decision_leaves_no_change_behind_in_the_cache(
    database_url,
) -> None:
    """An application that decides on its cached aggregates themselves (no deep copy, as the
    surveys do) must not keep a change whose save failed for another reason than a lost race."""
    from aerie_services.people import EMPLOYEE_PLACEMENT
    from aerie_services.people.domainmodel import Employee

    side = write_side(database_url)
    try:
        side.apps["people"].repository.deepcopy_from_cache = False
        mover, taken = new_id(), f"cmd-{new_id()}"
        hire(side.bus, mover)
        training(side.bus, mover, taken)  # the id is the learning context's from now on
        with pytest.raises(DomainError) as reused:
            transfer(side.bus, mover, taken, "team-2")  # decided, then refused by the save
        assert reused.value.code == "COMMAND_ID_REUSED"
        transfer(side.bus, mover, new_id(), "team-3")
        assert side.bus.facts.ask(EMPLOYEE_PLACEMENT, mover) == ("site-t", "team-3")
    finally:
        side.close()
    assert versions_of(database_url, "people_events", Employee.id_for(mover)) == [1, 2]
    fresh = write_side(database_url)
    try:
        assert fresh.bus.facts.ask(EMPLOYEE_PLACEMENT, mover) == ("site-t", "team-3")
    finally:
        fresh.close()
