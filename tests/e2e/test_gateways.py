"""Several gateway processes on one port, and mutations that answer with the view they change."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from aerie_events.catalog.learning import TRAINING_PASSED

from tests.conftest import Platform, hire, new_id, wait_until

SITE = "site-gw"
PASS = """mutation($input: PassTrainingInput!, $wait: Int!) { passTraining(input: $input) {
  type view(waitMs: $wait) { status employee { id trainingsPassedCount } } } }"""


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, bus) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "gateways").run_parts(
        "relay", "worker", "gateway"
    )
    running.start("gateway", name="gateway-1")  # a second process on the same port
    yield running
    running.stop()


def health(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        return json.loads(response.read())


def training(employee: str) -> dict[str, Any]:
    return {
        "commandId": new_id("lms"),
        "employeeId": employee,
        "courseId": new_id("C-RYW"),
        "courseTitle": "Reading your writes",
        "score": 90,
        "passMark": 60,
        "passedOn": "2026-03-01",
    }


def test_two_gateway_processes_answer_and_both_see_a_mutation(platform: Platform, bus: Any) -> None:
    answering = wait_until(
        lambda: len(found := {health(platform.port)["process"] for _ in range(40)}) == 2 and found,
        30,
        "a second gateway process never answered on the shared port",
    )
    assert len(answering) == 2
    employee = new_id("GW")
    hire(bus, employee, site_id=SITE)
    view = "query($id: ID!) { employee(id: $id) { id } }"
    wait_until(
        lambda: platform.graphql(view, {"id": employee})["data"]["employee"], 30, "not projected"
    )
    # each request is a new connection, spread over both processes by the kernel
    answers = [platform.graphql(view, {"id": employee})["data"]["employee"] for _ in range(20)]
    assert all(answer == {"id": employee} for answer in answers)


def test_a_mutation_answers_with_the_view_that_shows_it(platform: Platform, bus: Any) -> None:
    employee = new_id("GW")
    hire(bus, employee, site_id=SITE)
    for expected in (1, 2):
        result = platform.graphql(PASS, {"input": training(employee), "wait": 5000})
        view = result["data"]["passTraining"]["view"]
        assert view["status"] == "APPLIED", result
        assert view["employee"]["trainingsPassedCount"] == expected


def test_a_wait_out_of_range_is_a_coded_error(platform: Platform, bus: Any) -> None:
    employee = new_id("GW")
    hire(bus, employee, site_id=SITE)
    result = platform.graphql(PASS, {"input": training(employee), "wait": 60_000})
    assert result["data"]["passTraining"]["type"] == TRAINING_PASSED  # recorded all the same
    assert {e["extensions"]["code"] for e in result["errors"]} == {"INVALID_ARGUMENT"}


def test_a_view_the_projection_has_not_reached_is_answered_as_pending(
    platform: Platform, bus: Any
) -> None:
    employee = new_id("GW")
    hire(bus, employee, site_id=SITE)
    first = platform.graphql(PASS, {"input": training(employee), "wait": 5000})
    assert first["data"]["passTraining"]["view"]["status"] == "APPLIED"
    platform.kill("worker")  # nothing is projected from now on
    try:
        result = platform.graphql(PASS, {"input": training(employee), "wait": 300})
        view = result["data"]["passTraining"]["view"]
        assert view["status"] == "PENDING"
        assert view["employee"]["trainingsPassedCount"] == 1  # as it stands, without the write
    finally:
        platform.start("worker")
