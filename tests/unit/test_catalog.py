import pytest
from aerie_events.catalog import CATALOG, event_type
from aerie_events.catalog.coupons import COUPON_GRANTED
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT, EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import STAR_PROMOTED
from aerie_events.catalog.surveys import SURVEY_ANSWERED
from aerie_events.catalog.voice import ISSUE_RAISED
from aerie_events.fields import PayloadInvalid
from aerie_events.schema import rendered_schemas, schema_drift
from aerie_gateway.schema import SDL_PATH, sdl

FIVE_CORE_EVENTS = {
    ISSUE_RAISED,
    TRAINING_PASSED,
    STAR_PROMOTED,
    COUPON_GRANTED,
    SURVEY_ANSWERED,
}


def test_catalog_has_the_five_core_events_and_the_roster_lifecycle() -> None:
    assert FIVE_CORE_EVENTS | {EMPLOYEE_HIRED, EMPLOYEE_TRANSFERRED, EMPLOYEE_LEFT} <= set(CATALOG)


def test_checked_in_json_schemas_match_the_catalog() -> None:
    assert schema_drift() == [], "run `make schemas` and commit the result"


def test_checked_in_graphql_sdl_matches_the_schema() -> None:
    assert SDL_PATH.read_text() == sdl(), "run `make schemas` and commit the result"


def test_a_valid_event_validates_against_its_exported_schema() -> None:
    import json

    import jsonschema

    schema = json.loads(rendered_schemas()["training.passed.v2.json"])
    envelope = {
        "event_id": "6f1c1e44-5d0f-4d1c-9f5b-2b8d9c3f6a10",
        "type": TRAINING_PASSED,
        "schema_version": 2,
        "occurred_at": "2026-01-02T09:00:00+00:00",
        "recorded_at": "2026-01-02T09:00:01+00:00",
        "position": 1,
        "context": "learning",
        "site_id": "s1",
        "employee_id": "e1",
        "actor": {"kind": "integration", "id": "lms"},
        "source": {"system": "lms"},
        "correlation_id": "c",
        "causation_id": None,
        "policy_version": None,
        "payload": event_type(TRAINING_PASSED).clean(
            {
                "course_id": "C1",
                "course_title": "Basics",
                "score": 80,
                "pass_mark": 60,
                "passed_on": "2026-01-02",
            }
        ),
    }
    jsonschema.validate(envelope, schema)


def test_every_problem_of_a_payload_is_reported_with_field_and_allowed_values() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        event_type(STAR_PROMOTED).clean(
            {"from_star": 9, "to_star": "3", "promoted_on": "2026-02-01", "extra": 1}
        )
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {"extra", "from_star", "to_star", "reason", "criteria"}
    assert "1 to 4" in problems["from_star"].allowed
    assert problems["reason"].problem == "is missing"


def test_a_malformed_date_is_refused_naming_the_format() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        event_type(EMPLOYEE_LEFT).clean({"left_on": "31/01/2026", "reason": "resigned"})
    assert caught.value.problems[0].field == "left_on"
    assert "YYYY-MM-DD" in caught.value.problems[0].allowed


def test_an_unknown_event_type_lists_the_known_ones() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        event_type("star.exploded")
    assert caught.value.code == "UNKNOWN_EVENT_TYPE"
    assert STAR_PROMOTED in caught.value.problems[0].allowed
