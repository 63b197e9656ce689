"""The event codec: stored state to envelope, personal fields sealed per person, upcasting."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any
from uuid import UUID, uuid4

import pytest
from aerie_events.catalog import CATALOG, EventType
from aerie_events.catalog.performance import EMPLOYEE_REPOSITIONED
from aerie_events.catalog.surveys import SURVEY_ANSWERED
from aerie_events.catalog.voice import ISSUE_RAISED
from aerie_events.codec import (
    SEALED_PREFIX,
    EventCodec,
    StoredFact,
    Undecodable,
    check_upcasters,
    new_subject_key,
    seal_payload,
)
from aerie_events.envelope import Envelope
from aerie_events.fields import Field
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex

ISSUE = CATALOG[ISSUE_RAISED]
AUTHOR = "E-0001"
OTHER = "E-0002"
TITLE = "Night shift canteen closes early"
DESCRIPTION = "Since March the canteen closes at 22:00; colleagues on nights go hungry."


def transcoder() -> JSONTranscoder:
    """The library's transcoder, set up as the event store sets it up."""
    codec = JSONTranscoder()
    codec.register(UUIDAsHex())
    codec.register(DatetimeAsISO())
    codec.register(DecimalAsStr())
    return codec


def meta(kind: str, employee_id: str | None = AUTHOR, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "schema_version": CATALOG[kind].schema_version if kind in CATALOG else 1,
        "command_id": "cmd-1",
        "digest": "d" * 64,
        "occurred_at": "2026-01-05T09:00:00+00:00",
        "site_id": "site-1",
        "employee_id": employee_id,
        "actor": {"kind": "employee", "id": AUTHOR},
        "source": {"system": "aerie"},
        "correlation_id": "cmd-1",
        "causation_id": None,
        "policy_version": "2026.1",
        **extra,
    }


def stored_state(event_meta: dict[str, Any] | None, payload: dict[str, Any]) -> bytes:
    """A stored event's state, byte for byte as the library writes it."""
    state: dict[str, Any] = {
        "timestamp": dt.datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=dt.UTC),
        "originator_topic": "aerie_services.voice.domainmodel:Issue",
        "payload": payload,
    }
    if event_meta is not None:
        state["meta"] = event_meta
    return transcoder().encode(state)


def issue_payload() -> dict[str, Any]:
    return ISSUE.clean(
        {
            "issue_id": "I-1",
            "department": "facilities",
            "title": TITLE,
            "description": DESCRIPTION,
            "anonymous": False,
        }
    )


def sealed_issue(key: bytes, key_id: str = AUTHOR) -> bytes:
    payload = seal_payload(ISSUE, issue_payload(), key_id=key_id, key=key)
    return stored_state(meta(ISSUE_RAISED, key_id=key_id), payload)


def decode(codec: EventCodec, state: bytes, keys: dict[str, bytes]) -> Envelope | None:
    return codec.decode(state, event_id=uuid4(), position=7, context="voice", keys=keys)


def test_a_sealed_payload_hides_the_personal_text() -> None:
    state = sealed_issue(new_subject_key())

    assert TITLE.encode() not in state
    assert DESCRIPTION.encode() not in state
    assert json.loads(state)["payload"]["title"].startswith(SEALED_PREFIX)


def test_a_sealed_payload_opens_back_to_the_same_payload_with_its_persons_key() -> None:
    key = new_subject_key()

    envelope = decode(EventCodec(), sealed_issue(key), {AUTHOR: key})

    assert envelope is not None
    assert envelope.payload == issue_payload()


def test_sealing_leaves_fields_that_are_not_personal_in_clear() -> None:
    sealed = seal_payload(ISSUE, issue_payload(), key_id=AUTHOR, key=new_subject_key())

    assert {name for name, value in sealed.items() if value != issue_payload()[name]} == {
        "title",
        "description",
    }


def test_an_absent_personal_field_stays_absent_when_sealed() -> None:
    survey = CATALOG[SURVEY_ANSWERED]
    payload = survey.clean(
        {"survey_id": "S-1", "overall": 4, "enps": 8, "drivers": {"pay": 3}, "anonymous": True}
    )

    assert seal_payload(survey, payload, key_id=AUTHOR, key=new_subject_key()) == payload


def test_a_payload_sealed_for_one_person_does_not_open_as_another_persons() -> None:
    key = new_subject_key()
    payload = seal_payload(ISSUE, issue_payload(), key_id=AUTHOR, key=key)
    moved = stored_state(meta(ISSUE_RAISED, employee_id=OTHER, key_id=OTHER), payload)

    with pytest.raises(Undecodable, match="does not open"):
        decode(EventCodec(), moved, {OTHER: key})


def test_a_payload_does_not_open_with_another_persons_key() -> None:
    state = sealed_issue(new_subject_key())

    with pytest.raises(Undecodable, match="does not open"):
        decode(EventCodec(), state, {AUTHOR: new_subject_key()})


def test_a_sealed_value_moved_to_another_field_does_not_open() -> None:
    key = new_subject_key()
    payload = seal_payload(ISSUE, issue_payload(), key_id=AUTHOR, key=key)
    payload["title"], payload["description"] = payload["description"], payload["title"]
    state = stored_state(meta(ISSUE_RAISED, key_id=AUTHOR), payload)

    with pytest.raises(Undecodable) as refused:
        decode(EventCodec(), state, {AUTHOR: key})

    assert refused.value.field in {"title", "description"}
    assert ISSUE_RAISED in str(refused.value)


def test_a_refusal_to_open_names_the_place_but_never_the_personal_value() -> None:
    state = sealed_issue(new_subject_key())

    with pytest.raises(Undecodable) as refused:
        decode(EventCodec(), state, {AUTHOR: new_subject_key()})

    message = str(refused.value)
    assert ISSUE_RAISED in message and f"schema version {ISSUE.schema_version}" in message
    assert TITLE not in message and DESCRIPTION not in message


def test_once_the_key_is_destroyed_personal_fields_read_as_none_and_the_rest_is_intact() -> None:
    state = sealed_issue(new_subject_key())

    envelope = decode(EventCodec(), state, {})

    assert envelope is not None
    assert envelope.payload == {**issue_payload(), "title": None, "description": None}


def test_personal_fields_stored_in_clear_without_a_key_id_read_as_stored() -> None:
    state = stored_state(meta(ISSUE_RAISED), issue_payload())

    envelope = decode(EventCodec(), state, {})

    assert envelope is not None
    assert envelope.payload == issue_payload()


def test_the_envelope_carries_the_stored_facts_meta_and_the_callers_place() -> None:
    event_id = uuid4()
    state = stored_state(meta(ISSUE_RAISED), issue_payload())

    envelope = EventCodec().decode(state, event_id=event_id, position=42, context="voice", keys={})

    assert envelope == Envelope(
        event_id=event_id,
        type=ISSUE_RAISED,
        schema_version=ISSUE.schema_version,
        occurred_at="2026-01-05T09:00:00+00:00",
        recorded_at="2026-01-05T09:00:00.123456+00:00",
        position=42,
        context="voice",
        site_id="site-1",
        employee_id=AUTHOR,
        actor={"kind": "employee", "id": AUTHOR},
        source={"system": "aerie"},
        correlation_id="cmd-1",
        causation_id=None,
        policy_version="2026.1",
        payload=issue_payload(),
    )


def test_a_version_one_issue_reads_as_a_normal_issue_of_its_department_without_deadline() -> None:
    state = stored_state(meta(ISSUE_RAISED, schema_version=1), issue_payload())

    envelope = decode(EventCodec(), state, {})

    assert envelope is not None
    assert envelope.payload == {
        **issue_payload(),
        "kind": "issue",
        "priority": "normal",
        "department_version": None,
        "reply_due_at": None,
    }


def test_reading_a_stored_fact_tells_its_type_version_and_key() -> None:
    fact = EventCodec().read(sealed_issue(new_subject_key()))

    assert isinstance(fact, StoredFact)
    assert (fact.type, fact.schema_version, fact.key_id) == (
        ISSUE_RAISED,
        ISSUE.schema_version,
        AUTHOR,
    )
    assert fact.recorded_at == "2026-01-05T09:00:00.123456+00:00"


# -- upcasting -----------------------------------------------------------------

PARCEL = EventType(
    "parcel.weighed",
    "test",
    3,
    "A parcel was weighed.",
    {
        "parcel_id": Field("id", "The parcel."),
        "grams": Field("int", "Its weight in grams.", minimum=0),
        "addressee": Field("text", "Who it is for.", max_length=100, personal=True),
    },
)


def kilos_to_grams(payload: dict[str, Any]) -> dict[str, Any]:
    kilos = payload["kilos"]
    return {
        "parcel_id": payload["parcel_id"],
        "grams": kilos * 1000,
        "recipient": payload["recipient"],
    }


def recipient_to_addressee(payload: dict[str, Any]) -> dict[str, Any]:
    rest = {name: value for name, value in payload.items() if name != "recipient"}
    return {**rest, "addressee": payload["recipient"]}


PARCEL_UPCASTERS = {
    ("parcel.weighed", 1): kilos_to_grams,
    ("parcel.weighed", 2): recipient_to_addressee,
}


def test_a_version_1_payload_is_upcast_step_by_step_to_the_current_version_3() -> None:
    codec = EventCodec({"parcel.weighed": PARCEL}, PARCEL_UPCASTERS)
    state = stored_state(
        meta("parcel.weighed"), {"parcel_id": "P-1", "kilos": 2, "recipient": "Ada"}
    )

    envelope = decode(codec, state, {})

    assert envelope is not None
    assert envelope.schema_version == 3
    assert envelope.payload == {"parcel_id": "P-1", "grams": 2000, "addressee": "Ada"}


def test_a_personal_field_renamed_since_it_was_sealed_still_opens_before_upcasting() -> None:
    key = new_subject_key()
    older = EventType(
        "parcel.weighed",
        "test",
        1,
        "A parcel was weighed.",
        {
            "parcel_id": Field("id", "The parcel."),
            "kilos": Field("int", "Its weight in kilograms."),
            "recipient": Field("text", "Who it is for.", max_length=100, personal=True),
        },
    )
    payload = {"parcel_id": "P-1", "kilos": 2, "recipient": "Ada"}
    sealed = seal_payload(older, payload, key_id=AUTHOR, key=key)
    state = stored_state(meta("parcel.weighed", key_id=AUTHOR), sealed)
    codec = EventCodec({"parcel.weighed": PARCEL}, PARCEL_UPCASTERS)

    assert b"Ada" not in state
    envelope = decode(codec, state, {AUTHOR: key})

    assert envelope is not None
    assert envelope.payload["addressee"] == "Ada"


def test_a_payload_at_the_current_version_is_not_upcast() -> None:
    codec = EventCodec({"parcel.weighed": PARCEL}, PARCEL_UPCASTERS)
    payload = {"parcel_id": "P-1", "grams": 5, "addressee": "Ada"}
    state = stored_state(meta("parcel.weighed", schema_version=3), payload)

    envelope = decode(codec, state, {})

    assert envelope is not None
    assert envelope.payload == payload


def test_a_missing_upcaster_is_refused_at_start_naming_the_type_and_version() -> None:
    with pytest.raises(ValueError, match=r"parcel\.weighed .* no upcaster from version 2 to 3"):
        EventCodec({"parcel.weighed": PARCEL}, {("parcel.weighed", 1): kilos_to_grams})


def test_an_upcaster_of_a_type_the_catalog_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'parcel\.weighed', which is not a catalog type"):
        check_upcasters(CATALOG, PARCEL_UPCASTERS)


def test_the_platform_catalog_and_upcasters_match() -> None:
    EventCodec()


def test_a_fact_stored_at_a_version_newer_than_the_catalog_is_undecodable() -> None:
    newer = ISSUE.schema_version + 1
    state = stored_state(meta(ISSUE_RAISED, schema_version=newer), issue_payload())

    with pytest.raises(
        Undecodable, match=f"newer than the catalog's schema version {ISSUE.schema_version}"
    ):
        decode(EventCodec(), state, {})


# -- what cannot be decoded ------------------------------------------------------


def test_a_library_internal_event_without_meta_reads_as_nothing() -> None:
    state = transcoder().encode(
        {"timestamp": dt.datetime.now(dt.UTC), "originator_topic": "x:Y", "id": UUID(int=1)}
    )

    assert EventCodec().read(state) is None
    assert decode(EventCodec(), state, {}) is None


def test_broken_json_is_undecodable_saying_where_it_breaks() -> None:
    with pytest.raises(Undecodable, match=r"is not JSON .*line 1 column 14"):
        EventCodec().read(b'{"meta": {}, ')


def test_bytes_that_are_not_utf8_are_undecodable() -> None:
    with pytest.raises(Undecodable, match="is not UTF-8"):
        EventCodec().read(b'{"meta": "\xff\xfe"}')


def test_an_unknown_type_is_undecodable_naming_the_type() -> None:
    state = stored_state(meta("parcel.lost"), {})

    with pytest.raises(Undecodable, match=r"type 'parcel\.lost'.*not a catalog type") as refused:
        EventCodec().read(state)

    assert refused.value.reason == "is not a catalog type"


def test_a_fact_missing_meta_keys_is_undecodable_naming_them() -> None:
    incomplete = {k: v for k, v in meta(ISSUE_RAISED).items() if k != "occurred_at"}

    with pytest.raises(Undecodable, match="meta lacks occurred_at"):
        EventCodec().read(stored_state(incomplete, issue_payload()))


def test_a_sealed_value_that_is_not_base64_is_undecodable() -> None:
    payload = {**issue_payload(), "title": SEALED_PREFIX + "%%%"}
    state = stored_state(meta(ISSUE_RAISED, key_id=AUTHOR), payload)

    with pytest.raises(Undecodable, match="field 'title'"):
        decode(EventCodec(), state, {AUTHOR: new_subject_key()})


def test_a_truncated_sealed_value_is_undecodable() -> None:
    short = SEALED_PREFIX + base64.urlsafe_b64encode(b"0123456789").decode()
    payload = {**issue_payload(), "title": short}
    state = stored_state(meta(ISSUE_RAISED, key_id=AUTHOR), payload)

    with pytest.raises(Undecodable, match="too short"):
        decode(EventCodec(), state, {AUTHOR: new_subject_key()})


# -- the envelope and the schema -------------------------------------------------


def test_an_envelope_with_a_field_this_version_does_not_know_still_reads() -> None:
    envelope = EventCodec().decode(
        stored_state(meta(ISSUE_RAISED), issue_payload()),
        event_id=uuid4(),
        position=1,
        context="voice",
        keys={},
    )
    assert envelope is not None
    newer = {**envelope.to_dict(), "priority": "high"}

    assert Envelope.from_dict(newer) == envelope


def test_the_schema_of_a_personal_field_allows_null_for_erased_data() -> None:
    schema = ISSUE.fields["title"].json_schema()

    assert {"type": "null"} in schema["anyOf"]
    assert schema["x-personal-data"] is True
    assert "erased" in schema["description"]


def test_a_version_1_survey_answer_reads_as_its_survey_only() -> None:
    """Stored before answers were anonymous: its scores and comment are withheld when read."""
    key = new_subject_key()
    v1 = EventType(
        SURVEY_ANSWERED,
        "surveys",
        1,
        "v1",
        {"comment": Field("text", "c", required=False, personal=True)},
    )
    payload = {"survey_id": "pulse-1", "overall": 2, "drivers": {"pay": 1}, "comment": "my lead"}
    sealed = seal_payload(v1, payload, key_id=AUTHOR, key=key)
    state = stored_state(meta(SURVEY_ANSWERED, schema_version=1), sealed)
    envelope = decode(EventCodec(), state, {AUTHOR: key})
    assert envelope is not None and envelope.schema_version == 2
    assert envelope.payload["survey_id"] == "pulse-1"
    assert envelope.payload["response_id"] is None and envelope.payload["anonymous"] is False
    assert "my lead" not in json.dumps(envelope.payload)
    assert {envelope.payload[name] for name in ("overall", "enps", "drivers", "revision")} == {None}


def test_a_version_1_repositioning_reads_with_its_week_unknown_not_guessed() -> None:
    """Stored before a re-positioning named the week of KPI facts behind it: its order does."""
    payload = {
        "order_id": "order-1",
        "from_track": "agent",
        "to_post": "back_office",
        "reason": "failed the acceptance test",
        "repositioned_on": "2026-03-19",
    }
    state = stored_state(meta(EMPLOYEE_REPOSITIONED, schema_version=1), payload)
    envelope = decode(EventCodec(), state, {})
    assert envelope is not None and envelope.schema_version == 2
    assert envelope.payload == {**payload, "window_start": None, "window_end": None}
