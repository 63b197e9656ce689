"""Tracked projections on the real PostgreSQL: duplicates, gaps, poison messages, replay."""

import asyncio
import json
import uuid
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT
from aerie_events.catalog.voice import ISSUE_HANDED_OVER, ISSUE_RAISED
from aerie_events.envelope import Envelope
from aerie_events.signing import RelaySignature
from aerie_projections.handover import MANAGER as HANDOVER
from aerie_projections.profile import PROJECTION as PROFILE
from aerie_projections.tracking import Message, TrackedProjection

from tests.conftest import write_side

TOPIC = "aerie.people"


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> str:
    url = fresh_database("projector")
    write_side(url).close()
    return url


def envelope(employee_id: str, position: int, **payload: Any) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        type=EMPLOYEE_HIRED,
        schema_version=1,
        occurred_at="2026-01-05T09:00:00+00:00",
        recorded_at="2026-01-05T09:00:01+00:00",
        position=position,
        context="people",
        site_id="site-p",
        employee_id=employee_id,
        actor={"kind": "system", "id": "hris"},
        source={"system": "hris"},
        correlation_id=f"c-{employee_id}",
        causation_id=None,
        policy_version=None,
        payload=payload
        or {"display_name": "Agent", "team_id": "t1", "role": "agent", "hired_on": "2026-01-05"},
    )


RELAY = RelaySignature(b"k" * 32)


def message(
    seq: int | None, value: bytes, offset: int, partition: int = 0, topic: str = TOPIC
) -> Message:
    """A message as the relay writes it: numbered and signed."""
    if seq is None:
        return Message(topic, partition, offset, [], value)
    headers = [
        ("aerie-seq", str(seq).encode()),
        ("aerie-sig", RELAY.sign(topic, partition, seq, value)),
    ]
    return Message(topic, partition, offset, headers, value)


def runner_of(projection: Any, url: str) -> TrackedProjection:
    return TrackedProjection(projection, url, "aerie_read", RELAY)


def hired(employee_id: str, seq: int, partition: int = 0) -> Message:
    return message(seq, envelope(employee_id, seq).to_json(), offset=seq - 1, partition=partition)


def count(url: str, query: str, *params: Any) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


def profiles(url: str, prefix: str) -> int:
    return count(
        url,
        "SELECT count(*) FROM aerie_read.employee_profile WHERE employee_id LIKE %s",
        prefix + "%",
    )


def apply(runner: TrackedProjection, messages: list[Message]) -> Any:
    return asyncio.run(runner.apply(messages))


def test_a_batch_delivered_twice_changes_nothing(url: str) -> None:
    runner = runner_of(PROFILE, url)
    batch = [hired(f"D-{seq}", seq, partition=1) for seq in range(1, 6)]
    assert apply(runner, batch) == []
    assert apply(runner, batch) == []
    assert profiles(url, "D-") == 5


def test_a_gap_reports_the_number_needed_and_where_it_showed_and_applies_nothing_after_it(
    url: str,
) -> None:
    runner = runner_of(PROFILE, url)
    apply(runner, [hired(f"G-{seq}", seq, partition=2) for seq in range(1, 4)])
    gaps = apply(runner, [hired("G-5", 5, partition=2), hired("G-6", 6, partition=2)])
    assert [(g.partition, g.needed, g.seen) for g in gaps] == [(2, 4, 4)]  # G-5 sits at 4
    assert profiles(url, "G-") == 3
    apply(runner, [hired("G-4", 4, partition=2), hired("G-5", 5, partition=2)])
    assert profiles(url, "G-") == 5


def test_poison_messages_are_quarantined_and_the_partition_moves_on(url: str) -> None:
    runner = runner_of(PROFILE, url)
    before = count(url, "SELECT count(*) FROM aerie_quarantine")
    bad_payload = envelope("Q-3", 3, team_id="t1").to_json()  # no role, no hired_on
    bad_date = envelope(  # the database refuses the date, however often it is tried
        "Q-5", 5, display_name="A", team_id="t1", role="agent", hired_on="2026-13-45"
    ).to_json()
    unknown = envelope("Q-6", 6).to_dict() | {"type": "star.exploded"}
    huge = envelope("Q-7", 7, display_name="x" * 1_000_000, team_id="t1").to_json()
    batch = [
        hired("Q-1", 1, partition=3),
        message(None, envelope("Q-x", 9).to_json(), offset=1, partition=3),  # no header
        message(2, b"{not json", offset=2, partition=3),
        message(3, bad_payload, offset=3, partition=3),
        hired("Q-4", 4, partition=3),
        message(5, bad_date, offset=5, partition=3),
        message(6, json.dumps(unknown).encode(), offset=6, partition=3),
        message(7, huge, offset=7, partition=3),
        hired("Q-8", 8, partition=3),
    ]
    assert apply(runner, batch) == []
    assert profiles(url, "Q-") == 3
    with psycopg.connect(url) as conn:
        quarantined = conn.execute(
            "SELECT reason, original FROM aerie_quarantine WHERE id > %s ORDER BY id", (before,)
        ).fetchall()
        reasons = [reason for reason, _ in quarantined]
        seq = conn.execute(
            "SELECT seq FROM aerie_projection_tracking WHERE projection = 'profile' "
            "AND topic = %s AND partition = 3",
            (TOPIC,),
        ).fetchone()[0]
    assert len(reasons) == 6
    assert "aerie-seq" in reasons[0]
    assert "not an event envelope" in reasons[1]
    assert "unknown event type 'star.exploded'" in reasons[2]  # sorted out before applying
    assert "KeyError" in reasons[3]
    assert "DatetimeFieldOverflow" in reasons[4]
    assert "KeyError" in reasons[5]  # 1 MB of text, and no role: kept, not retried forever
    assert bytes(quarantined[5][1]) == huge  # the original bytes, whole
    assert seq == 8


def test_a_forged_message_is_quarantined_and_the_real_event_keeps_its_number(url: str) -> None:
    """Someone writes the next sequence number onto a context topic without the relay's key."""
    runner = runner_of(PROFILE, url)
    apply(runner, [hired("F-1", 1, partition=6)])
    forged_value = envelope("F-FAKE", 2).to_json()
    unsigned = Message(TOPIC, 6, 1, [("aerie-seq", b"2")], forged_value)
    wrong_key = RelaySignature(b"x" * 32).sign(TOPIC, 6, 2, forged_value)
    signed_elsewhere = Message(
        TOPIC, 6, 2, [("aerie-seq", b"2"), ("aerie-sig", wrong_key)], forged_value
    )
    altered = hired("F-2", 2, partition=6)
    altered = Message(altered.topic, 6, 3, altered.headers, altered.value.replace(b"F-2", b"F-9"))
    assert apply(runner, [unsigned, signed_elsewhere, altered]) == []
    real = message(2, envelope("F-2", 2).to_json(), offset=4, partition=6)
    assert apply(runner, [real]) == []

    assert profiles(url, "F-") == 2  # F-1 and the real F-2; neither F-FAKE nor F-9
    with psycopg.connect(url) as conn:
        quarantined = conn.execute(
            "SELECT kafka_offset, reason FROM aerie_quarantine WHERE topic = %s "
            "AND partition = 6 ORDER BY kafka_offset",
            (TOPIC,),
        ).fetchall()
    assert [offset for offset, _ in quarantined] == [1, 2, 3]
    assert all("not signed by the relay" in reason for _, reason in quarantined)


def test_each_projection_tracks_its_own_position_on_a_shared_topic(url: str) -> None:
    profile = runner_of(PROFILE, url)
    handover = runner_of(HANDOVER, url)
    apply(profile, [hired(f"S-{seq}", seq, partition=4) for seq in range(1, 4)])
    apply(handover, [hired(f"S-{seq}", seq, partition=4) for seq in range(1, 2)])
    with psycopg.connect(url) as conn:
        rows = dict(
            conn.execute(
                "SELECT projection, seq FROM aerie_projection_tracking WHERE topic = %s "
                "AND partition = 4",
                (TOPIC,),
            ).fetchall()
        )
    assert rows == {"profile": 3, "handover": 1}
    assert (
        count(
            url, "SELECT count(*) FROM aerie_read.handover_member WHERE employee_id LIKE %s", "S-%"
        )
        == 1
    )


def event(
    kind: str, employee_id: str | None, position: int, context: str, **payload: Any
) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        type=kind,
        schema_version=1,
        occurred_at="2026-01-05T09:00:00+00:00",
        recorded_at="2026-01-05T09:00:01+00:00",
        position=position,
        context=context,
        site_id="site-p",
        employee_id=employee_id,
        actor={"kind": "system", "id": "t"},
        source={"system": "t"},
        correlation_id="c",
        causation_id=None,
        policy_version=None,
        payload=payload,
    )


def test_a_due_timer_fires_once_and_sends_commands_derived_from_it(url: str) -> None:
    from aerie_projections.managed import ManagedProjection

    sent: list[Any] = []
    runner = ManagedProjection(
        HANDOVER, url, "aerie_read", lambda _m, request: sent.append(request), RELAY
    )
    hire = {"display_name": "A", "hired_on": "2026-01-05"}
    people = [
        event(EMPLOYEE_HIRED, "T-LEAD", 1, "people", team_id="T-team", role="team_lead", **hire),
        event(EMPLOYEE_HIRED, "T-AGENT", 2, "people", team_id="T-team", role="agent", **hire),
        event(EMPLOYEE_LEFT, "T-AGENT", 3, "people", left_on="2026-02-01", reason="resigned"),
    ]
    raised = event(
        ISSUE_RAISED, "T-AGENT", 1, "voice", issue_id="T-ISSUE", department="it", anonymous=False
    )
    messages = [
        message(n + 1, e.to_json(), n, partition=5, topic="aerie.people")
        for n, e in enumerate(people)
    ] + [message(1, raised.to_json(), 0, partition=5, topic="aerie.voice")]
    apply(runner, messages)
    assert asyncio.run(runner.fire_due()) == 1
    assert asyncio.run(runner.fire_due()) == 0
    assert [(r.kind, r.command_id, r.employee_id, r.data["to_employee_id"]) for r in sent] == [
        (ISSUE_HANDED_OVER, "handover:T-AGENT:T-ISSUE", "T-AGENT", "T-LEAD")
    ]


def test_a_live_week_is_decided_as_soon_as_a_fact_of_the_next_week_arrives(url: str) -> None:
    """A week of very poor facts recorded live sets its timer a day and a half after the week;
    the agent's first fact of the next week is the sign the week is complete: its timer
    moves to then, fires, and the off-post order is sent without waiting."""
    import datetime as dt

    from aerie_events.catalog.performance import KPI_RECORDED, OFFPOST_TRAINING_ORDERED
    from aerie_events.rules.growth.kpi import KPI_NAMES
    from aerie_projections.energy import MANAGER as ENERGY
    from aerie_projections.managed import ManagedProjection

    from tests.growth_support import POOR

    sent: list[Any] = []
    runner = ManagedProjection(
        ENERGY, url, "aerie_read", lambda _m, request: sent.append(request), RELAY
    )
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())  # this week's
    who, week = "E-LIVE", monday.isoformat()
    poor = {name: POOR[name] for name in KPI_NAMES}

    def fact(day: dt.date, recorded: dt.datetime, seq: int) -> Message:
        e = event(KPI_RECORDED, who, seq, "performance", day=day.isoformat(), **poor)
        e = Envelope(**{**e.__dict__, "recorded_at": recorded.isoformat()})
        return message(seq, e.to_json(), seq - 1, partition=7, topic="aerie.performance")

    days = [monday + dt.timedelta(days=n) for n in range(5)]
    ahead = [dt.datetime.combine(d, dt.time(17), tzinfo=dt.UTC) for d in days]
    apply(runner, [fact(d, at, n + 1) for n, (d, at) in enumerate(zip(days, ahead, strict=True))])
    settled = dt.datetime.combine(monday + dt.timedelta(days=8), dt.time(12), tzinfo=dt.UTC)
    assert timer_due(url, f"week:{who}:{week}") == settled  # Tuesday after, 12:00 UTC
    asyncio.run(runner.fire_due())
    assert not [r for r in sent if r.kind == OFFPOST_TRAINING_ORDERED]
    next_week = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)  # recorded: already past
    apply(runner, [fact(monday + dt.timedelta(days=7), next_week, 6)])
    assert timer_due(url, f"week:{who}:{week}") == next_week
    asyncio.run(runner.fire_due())
    orders = [r for r in sent if r.kind == OFFPOST_TRAINING_ORDERED]
    assert [(r.command_id, r.data["window_start"]) for r in orders] == [
        (f"energy:{who}:{week}", week)
    ]


def timer_due(url: str, key: str) -> Any:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT due_at FROM aerie_timers WHERE timer_key = %s", (key,)
        ).fetchone()[0]


def test_redrive_applies_a_quarantined_message_once_and_keeps_one_that_still_fails(
    url: str,
) -> None:
    """After a key rotation, the operator redrives messages the old key signed."""
    from aerie_events.topics import Topics
    from aerie_platform.compose import context_names
    from aerie_platform.redrive import redrive

    rotated = TrackedProjection(PROFILE, url, "aerie_read", RelaySignature(b"n" * 32))
    still_bad = envelope("R-BAD", 1, team_id="t1").to_json()  # no role, no hired_on
    apply(rotated, [hired("R-OLD", 1, partition=7)])
    # It did not take number 1 (not the relay's), so the next message is number 1.
    apply(runner_of(PROFILE, url), [message(1, still_bad, offset=1, partition=7)])
    with psycopg.connect(url) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM aerie_quarantine WHERE topic = %s AND partition = 7 ORDER BY id",
                (TOPIC,),
            )
        ]
    assert len(ids) == 2 and profiles(url, "R-") == 0

    def redrive_them(**options: Any) -> list[Any]:
        return redrive(
            url, [PROFILE, HANDOVER], Topics("aerie"), context_names(), ids=ids, **options
        )

    cautious = redrive_them()  # an unsigned message may be forged: not without being asked
    first = redrive_them(unsigned=True)
    again = redrive_them(unsigned=True)

    assert [(r.entry, r.applied) for r in cautious] == [(ids[1], False)]

    assert [(r.entry, r.applied) for r in first] == [(ids[0], True), (ids[1], False)]
    assert EMPLOYEE_HIRED in first[0].detail and "profile" in first[0].detail
    assert "KeyError" in first[1].detail
    assert [(r.entry, r.applied) for r in again] == [(ids[1], False)]  # the first is done
    assert profiles(url, "R-") == 1
