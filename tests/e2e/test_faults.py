"""Faults as an attacker or a broken client would cause them, against the running platform.

Each test states the fault, causes it through the same doors a user has (the
broker, the gateway, the command path) and checks that nothing committed is
lost, nothing forged is applied, and the parts behind it keep moving.
"""

import json
from collections.abc import Iterator

import psycopg
import pytest
from aerie_projections.tracking import NOT_SIGNED
from aerie_services.platform.relay import partition_of

from tests.conftest import Platform, hire, hire_input, new_id, token_for, wait_until

VIEW = "query($id: ID!) { employee(id: $id) { id displayName siteId } }"


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, side) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "faults")
    running.env["AERIE_ANONYMOUS_RELEASE_SECONDS"] = "1"  # how long the relay holds one back
    running.run_parts("relay", "worker", "gateway")
    yield running
    running.stop()


def view(platform: Platform, employee_id: str) -> dict | None:
    return platform.graphql(VIEW, {"id": employee_id})["data"]["employee"]


def quarantined(database_url: str, topic: str) -> list[tuple[str, int, str]]:
    """(projection, partition, reason) of what the projections quarantined from ``topic``."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT projection, partition, reason FROM aerie_quarantine "
            "WHERE stage = 'projection' AND topic = %s ORDER BY id",
            (topic,),
        ).fetchall()


def test_a_message_forged_onto_a_context_topic_is_quarantined_not_applied(
    platform: Platform, side, database_url: str
) -> None:
    """A fake hire with the next sequence number must neither show nor push out the real one."""
    from kafka import KafkaProducer

    real, fake = new_id("REAL"), new_id("FAKE")
    topic = f"{platform.env['AERIE_TOPIC_PREFIX']}.people"
    hire(side.bus, new_id("WARM"), site_id="site-f")  # the topic and its tracking exist
    partition = partition_of(real, 3)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT seq FROM aerie_relay_partition WHERE topic = %s AND partition = %s",
            (topic, partition),
        ).fetchone()
    next_seq = (row[0] if row else 0) + 1
    forged = (
        b'{"event_id":"00000000-0000-4000-8000-000000000001","type":"employee.hired",'
        b'"schema_version":1,"occurred_at":"2026-01-05T09:00:00+00:00",'
        b'"recorded_at":"2026-01-05T09:00:00+00:00","position":1,"context":"people",'
        b'"site_id":"site-f","employee_id":"' + fake.encode() + b'","actor":{},"source":{},'
        b'"correlation_id":"x","causation_id":null,"policy_version":null,"payload":'
        b'{"display_name":"Fake","team_id":"t1","role":"agent","hired_on":"2026-01-05"}}'
    )
    producer = KafkaProducer(bootstrap_servers=platform.env["AERIE_KAFKA_BOOTSTRAP"])
    producer.send(
        topic,
        key=real.encode(),
        value=forged,
        partition=partition,
        headers=[("aerie-seq", str(next_seq).encode())],
    ).get(timeout=10)
    producer.close()

    hire(side.bus, real, "Real Agent", site_id="site-f")  # the relay gives it the same number

    assert wait_until(lambda: view(platform, real), 30, "the real hire was not projected")
    assert view(platform, fake) is None
    entries = wait_until(
        lambda: (found := quarantined(database_url, topic)) and len(found) >= 7 and found,
        10,
        "the forged message was not quarantined by every projection reading the topic",
    )
    assert sorted(entries) == [
        ("audit", partition, NOT_SIGNED),
        ("energy", partition, NOT_SIGNED),
        ("growth", partition, NOT_SIGNED),
        ("handover", partition, NOT_SIGNED),
        ("profile", partition, NOT_SIGNED),
        ("satisfaction", partition, NOT_SIGNED),
        ("study", partition, NOT_SIGNED),
    ]


HIRE = """mutation($input: HireEmployeeInput!) { hireEmployee(input: $input) { eventId } }"""


def hire_through_gateway(platform: Platform, **fields: object) -> dict:
    given = hire_input(new_id("TXT"), "site-f", **{"displayName": "Wang Fang", **fields})
    return platform.graphql(HIRE, {"input": given})


@pytest.mark.parametrize(
    ("fields", "field", "problem"),
    [
        ({"displayName": "Wang\x00Fang"}, "input.displayName", "control character"),
        ({"displayName": "Wang \ud800 Fang"}, "input.displayName", "surrogate"),
        ({"displayName": "Wang\x1bFang"}, "input.displayName", "control character"),
        ({"occurredAt": "9999-12-31T23:59:59-12:00"}, "input.occurredAt", "out of range"),
        ({"hiredOn": "0001-01-01"}, "input.hiredOn", "out of range"),
    ],
)
def test_text_postgresql_cannot_hold_is_refused_at_the_door_naming_the_field(
    platform: Platform, fields: dict, field: str, problem: str
) -> None:
    """Each used to be accepted (and jam a projection) or give a masked INTERNAL_ERROR."""
    result = hire_through_gateway(platform, **fields)
    error = result["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == field
    assert problem in error["message"]


def test_an_amount_is_checked_after_rounding(platform: Platform, side) -> None:
    """0.001 rounds to 0.00, which is not more than 0: refused, not stored as 0.00."""
    employee = new_id("AMT")
    hire(side.bus, employee, site_id="site-f")
    query = "mutation($input: GrantCouponInput!) { grantCoupon(input: $input) { eventId } }"
    result = platform.graphql(
        query,
        {
            "input": {
                "commandId": f"c-{employee}",
                "employeeId": employee,
                "couponId": f"CP-{employee}",
                "customerRef": "CUST-1",
                "scenario": "late_arrival",
                "amount": "0.001",
            }
        },
    )
    error = result["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == "input.amount"
    assert "0.00" in error["message"]


def post_raw(platform: Platform, body: bytes) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{platform.port}/graphql",
        data=body,
        headers={"content-type": "application/json", "authorization": f"Bearer {token_for()}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("depth", [33, 5000])
def test_deeply_nested_json_is_refused_with_a_coded_error_not_a_500(
    platform: Platform, depth: int
) -> None:
    body = b'{"query": "{ employees { totalCount } }", "variables": {"a": ' + b"[" * depth
    status, answer = post_raw(platform, body + b"]" * depth + b"}}")
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "nested" in answer["errors"][0]["message"]


@pytest.mark.parametrize("value", [b"1" * 5000, b"NaN", b"Infinity"])
def test_a_number_json_cannot_carry_is_a_coded_bad_request(
    platform: Platform, value: bytes
) -> None:
    body = b'{"query": "{ employees { totalCount } }", "variables": {"a": ' + value + b"}}"
    status, answer = post_raw(platform, body)
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_refused_command_is_one_log_line_without_the_text_or_a_traceback(
    platform: Platform,
) -> None:
    marker = "Secret words of a person 7f3a"
    result = hire_through_gateway(platform, displayName=marker + "\x00")
    assert result["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    log = (platform.logs / "gateway.log").read_text()
    assert marker not in log
    assert "Traceback" not in log
    assert "refused at hireEmployee: INVALID_INPUT" in log


RAISE = """mutation($input: RaiseIssueInput!) { raiseIssue(input: $input) { eventId } }"""


def anonymous_issues(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM aerie_read.issue WHERE anonymous AND issue_id LIKE 'ANON-%'"
        ).fetchone()[0]


def all_rows_mentioning(database_url: str, needle: str) -> dict[str, int]:
    """Every table of the database (any schema) whose rows mention ``needle``: name -> rows."""
    found = {}
    with psycopg.connect(database_url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, table in tables:
            hits = conn.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" AS t '
                "WHERE position(%s in t::text) > 0 OR position(%s in t::text) > 0",
                (needle, needle.encode().hex()),
            ).fetchone()[0]
            if hits:
                found[f"{schema}.{table}"] = hits
    return found


HIRE_ONLY = {
    "public.people_events",
    "public.aerie_command_ids",
    "public.aerie_subject_keys",
    "aerie_read.employee_profile",
    "aerie_read.handover_member",
    "aerie_read.audit_event",
    "aerie_read.satisfaction_roster",
    "aerie_read.growth_agent",
    "aerie_read.growth_change",
    "aerie_read.energy_agent",
}
"""Where an employee's hire (and moves) name them: every other row naming them is a leak."""


def all_messages_mentioning(platform: Platform, needle: str) -> dict[str, int]:
    """Every topic of the platform whose messages (key, headers, body) mention ``needle``."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=platform.env["AERIE_KAFKA_BOOTSTRAP"], enable_auto_commit=False
    )
    prefix = platform.env["AERIE_TOPIC_PREFIX"] + "."
    partitions = [
        TopicPartition(topic, p)
        for topic in consumer.topics()
        if topic.startswith(prefix)
        for p in consumer.partitions_for_topic(topic) or ()
    ]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    ends = consumer.end_offsets(partitions)
    found: dict[str, int] = {}
    while any(consumer.position(tp) < ends[tp] for tp in partitions):
        for tp, records in consumer.poll(timeout_ms=500).items():
            for record in records:
                raw = (record.key or b"") + (record.value or b"")
                raw += b"".join(v for _, v in record.headers or [])
                if needle.encode() in raw:
                    found[tp.topic] = found.get(tp.topic, 0) + 1
    consumer.close()
    return found


def test_no_table_topic_or_log_line_leads_back_to_an_anonymous_author(
    platform: Platform, side, database_url: str
) -> None:
    """A naive client puts the author's id in the command id and issue id; none of it is kept."""
    author = new_id("AUTHOR")
    hire(side.bus, author, site_id="site-f")
    for n, department in enumerate(("hr", "not-a-department")):  # one recorded, one refused
        platform.graphql(
            RAISE,
            {
                "input": {
                    "commandId": f"raise-{author}-{n}",
                    "employeeId": author,
                    "issueId": f"ISS-{author}-{n}",
                    "department": department,
                    "title": "Night shifts",
                    "description": "Too many in a row.",
                    "anonymous": True,
                }
            },
            token=token_for("agent", author, site="site-f", team="team-1"),
        )
    marker = new_id("AFTER")  # a named event after the anonymous ones: when it shows, all did
    hire(side.bus, marker, site_id="site-f")
    wait_until(lambda: view(platform, marker), 30, "the platform did not catch up")
    # Recorded under an id the platform chose, and released by the relay once its window ended.
    wait_until(lambda: anonymous_issues(database_url), 30, "no anonymous issue was released")

    # The author's own hire is expected to mention them; nothing about the issue may.
    rows = all_rows_mentioning(database_url, author)
    assert set(rows) <= HIRE_ONLY, rows
    assert rows["public.aerie_command_ids"] == 1  # the hire's, not the issue's
    assert rows["aerie_read.audit_event"] == 1  # the hire, recorded by name
    messages = all_messages_mentioning(platform, author)
    assert set(messages) == {f"{platform.env['AERIE_TOPIC_PREFIX']}.people"}, messages
    for log in platform.logs.glob("*.log"):
        assert author not in log.read_text(errors="replace"), log.name
