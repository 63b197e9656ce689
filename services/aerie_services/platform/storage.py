"""Tables the platform keeps beside the event store, as versioned migrations.

Relay progress, the anonymous events the relay holds back, dead letters
(rejected input), the quarantine (what could not be decoded or applied),
idempotency keys and the subjects' keys. The
platform's migration runner applies ``MIGRATIONS`` once per start.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from aerie_services.platform.keyring import KEYRING_DDL

QUARANTINE_TABLE = "aerie_quarantine"
REPUBLISH_TABLE = "aerie_relay_republish"
HELD_TABLE = "aerie_relay_held"
QUARANTINE_CHANNEL = "aerie_quarantine"
DEAD_LETTER_TABLE = "aerie_dead_letters"
DEAD_LETTER_CHANNEL = "aerie_dead_letters"

RELAY_AND_DEAD_LETTERS = """
CREATE TABLE IF NOT EXISTS aerie_relay_partition (
    topic text NOT NULL,
    partition int NOT NULL,
    seq bigint NOT NULL,
    kafka_offset bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
CREATE TABLE IF NOT EXISTS aerie_relay_position (
    source text PRIMARY KEY,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS aerie_dead_letters (
    id bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL,
    kind text,
    input jsonb NOT NULL,
    code text NOT NULL,
    reason text NOT NULL
);
"""

QUARANTINE = """
CREATE TABLE IF NOT EXISTS aerie_quarantine (
    id bigserial PRIMARY KEY,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    stage text NOT NULL,
    projection text,
    topic text,
    partition int,
    kafka_offset bigint,
    position bigint,
    reason text NOT NULL,
    original bytea,
    redriven_at timestamptz
);
CREATE OR REPLACE FUNCTION aerie_quarantine_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_current_xact_id();
    NOTIFY aerie_quarantine;
    RETURN NULL;
END; $$;
DROP TRIGGER IF EXISTS aerie_quarantine_notify ON aerie_quarantine;
CREATE TRIGGER aerie_quarantine_notify BEFORE INSERT ON aerie_quarantine
    FOR EACH STATEMENT EXECUTE FUNCTION aerie_quarantine_notify();
"""

SECRETS = """
CREATE TABLE IF NOT EXISTS aerie_secrets (
    name text PRIMARY KEY,
    value bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO aerie_secrets (name, value)
    VALUES ('relay-signing', sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
    ON CONFLICT (name) DO NOTHING;
"""

COMMAND_IDS_TABLE = "aerie_command_ids"
COMMAND_IDS_CONSTRAINT = "aerie_command_ids_pkey"
COMMAND_IDS = """
CREATE TABLE IF NOT EXISTS aerie_command_ids (
    command_id text NOT NULL,
    digest text NOT NULL,
    events_table text NOT NULL,
    originator_id uuid NOT NULL,
    originator_version int NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT aerie_command_ids_pkey PRIMARY KEY (command_id)
);
"""

ANONYMOUS_SECRET = """
INSERT INTO aerie_secrets (name, value)
    VALUES ('anonymous-ids', sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
    ON CONFLICT (name) DO NOTHING;
"""

QUARANTINE_ONCE = """
DELETE FROM aerie_quarantine AS q USING aerie_quarantine AS first
    WHERE q.stage = 'projection' AND first.stage = 'projection'
    AND q.projection = first.projection AND q.topic = first.topic
    AND q.partition = first.partition AND q.kafka_offset = first.kafka_offset AND q.id > first.id;
CREATE UNIQUE INDEX IF NOT EXISTS aerie_quarantine_once
    ON aerie_quarantine (projection, topic, partition, kafka_offset) WHERE stage = 'projection';
"""

DEMO_LOADS = """
CREATE TABLE IF NOT EXISTS aerie_demo_loads (
    agents int NOT NULL,
    days int NOT NULL,
    seed int NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (agents, days, seed)
);
"""

HELD_EVENTS = """
CREATE TABLE IF NOT EXISTS aerie_relay_held (
    source text NOT NULL,
    position bigint NOT NULL,
    key text NOT NULL,
    site_id text,
    release_at timestamptz NOT NULL,
    partition int,
    seq bigint,
    PRIMARY KEY (source, position),
    CHECK ((partition IS NULL) = (seq IS NULL))
);
CREATE INDEX IF NOT EXISTS aerie_relay_held_waiting
    ON aerie_relay_held (source, release_at) WHERE seq IS NULL;
CREATE INDEX IF NOT EXISTS aerie_relay_held_keys
    ON aerie_relay_held (source, key) WHERE seq IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS aerie_relay_held_numbers
    ON aerie_relay_held (source, partition, seq) WHERE seq IS NOT NULL;
ALTER TABLE aerie_relay_position ADD COLUMN IF NOT EXISTS resend_until bigint NOT NULL DEFAULT 0;
"""
"""Events the relay holds back (anonymous ones, and what follows them under the same key).

A row names a stored event by ``(source, position)``: no bytes are copied, so
nothing personal is kept here and a destroyed key still erases what is
released. ``release_at`` is the end of the window it was parked in. Once
released the row keeps the ``(partition, seq)`` the event was given, so a
republish after a broker reset numbers it the same. ``resend_until`` is how far
a source had sent before the broker lost its data: nothing is newly released
until the republish has passed it.
"""

DEAD_LETTER_SIZE = """
ALTER TABLE aerie_dead_letters ADD COLUMN IF NOT EXISTS input_bytes int;
"""

DEMO_AS_OF = """
ALTER TABLE aerie_demo_loads ADD COLUMN IF NOT EXISTS as_of timestamptz;
"""

REPUBLISH_REQUESTS = """
CREATE TABLE IF NOT EXISTS aerie_relay_republish (
    topic text PRIMARY KEY,
    asked_at timestamptz NOT NULL DEFAULT now(),
    reason text NOT NULL
);
"""
"""Topics a consumer found missing a number in: their relay publishes them again from the store."""

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "relay positions and dead letters", RELAY_AND_DEAD_LETTERS),
    (2, "subject keys for personal data", KEYRING_DDL),
    (3, "quarantine of what could not be decoded or applied", QUARANTINE),
    (4, "the relay's signing key (used unless AERIE_RELAY_KEY is set)", SECRETS),
    (5, "the size a dead letter's input had before it was bounded", DEAD_LETTER_SIZE),
    (6, "command ids, unique platform-wide", COMMAND_IDS),
    (7, "the key that derives anonymous issues' ids", ANONYMOUS_SECRET),
    (8, "demo loads, so an interrupted one is completed", DEMO_LOADS),
    (9, "a message is quarantined once per projection", QUARANTINE_ONCE),
    (10, "anonymous events held back until their window ends", HELD_EVENTS),
    (11, "the instant a demo load ends the day before", DEMO_AS_OF),
    (12, "topics a consumer asked to be republished from the event store", REPUBLISH_REQUESTS),
)
"""``(version, name, SQL)`` of the platform's own tables, in order."""


def stored_relay_key(database_url: str) -> bytes:
    """The relay-signing key the platform generated in its database at migration."""
    with psycopg.connect(database_url) as conn:
        return stored_secret(conn, "relay-signing")


def stored_secret(conn: psycopg.Connection[Any], name: str) -> bytes:
    """A random key ``aerie migrate`` generated into ``aerie_secrets``."""
    row = conn.execute("SELECT value FROM aerie_secrets WHERE name = %s", (name,)).fetchone()
    if row is None:
        raise LookupError(f"no {name!r} key in aerie_secrets: run `aerie migrate` first")
    value = row["value"] if isinstance(row, dict) else row[0]
    return bytes(value)


MAX_KEPT_TEXT = 500
"""A dead letter keeps at most this many characters of any one text it was given."""
MAX_KEPT_ITEMS = 50
MAX_KEPT_DEPTH = 6
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def kept_input(data: Any, depth: int = 0) -> Any:
    """What a dead letter keeps of refused input: bounded, and storable as ``jsonb``.

    Texts are cut to ``MAX_KEPT_TEXT`` characters (saying how long they were),
    lists and objects to ``MAX_KEPT_ITEMS`` entries and ``MAX_KEPT_DEPTH``
    levels; a NUL or a lone surrogate, which PostgreSQL cannot hold, becomes
    U+FFFD. Other values are kept as text.
    """
    if isinstance(data, str):
        text = _UNSTORABLE.sub("\ufffd", data[:MAX_KEPT_TEXT])
        return text if len(data) <= MAX_KEPT_TEXT else f"{text}... ({len(data):,} characters)"
    if data is None or isinstance(data, bool | int | float):
        return data
    if depth >= MAX_KEPT_DEPTH:
        return "(nested deeper than kept)"
    if isinstance(data, dict):
        items = list(data.items())[:MAX_KEPT_ITEMS]
        return {kept_input(str(k), depth + 1): kept_input(v, depth + 1) for k, v in items}
    if isinstance(data, list | tuple):
        return [kept_input(v, depth + 1) for v in list(data)[:MAX_KEPT_ITEMS]]
    return kept_input(str(data), depth)


def input_size(data: Any) -> int:
    """The size in bytes of ``data`` as JSON (what the caller sent, roughly)."""
    try:
        return len(json.dumps(data, default=str).encode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        return -1


class DeadLetters:
    """Rejected input, kept bounded with its reason; the relay publishes it to the dead-letter topic."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def record(self, *, source: str, kind: str | None, data: Any, code: str, reason: str) -> None:
        kept = json.dumps(kept_input(data))
        with psycopg.connect(self.database_url) as conn, conn.transaction():
            conn.execute("SELECT pg_current_xact_id()")  # before the id: see committed.py
            conn.execute(
                "INSERT INTO aerie_dead_letters (source, kind, input, input_bytes, code, reason) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",  # one per ingest message
                (
                    source,
                    kept_input(kind) if kind else kind,
                    kept,
                    input_size(data),
                    code,
                    kept_input(reason),
                ),
            )
            conn.execute("NOTIFY aerie_dead_letters")


@dataclass(frozen=True)
class CommandAnswer:
    """What became of a command, by its id: the event it recorded, or why it was refused."""

    command_id: str
    event_id: UUID | None = None
    code: str | None = None
    reason: str | None = None


def command_answers(database_url: str, command_ids: Sequence[str]) -> dict[str, CommandAnswer]:
    """The answers so far to ``command_ids`` (a command not handled yet has none).

    A recorded command answers its event; a refused one its latest dead letter's code and
    reason (a refusal followed by a success answers the success).
    """
    from aerie_services.kit.base import event_id_of

    ids = list(command_ids)
    answers: dict[str, CommandAnswer] = {}
    with psycopg.connect(database_url) as conn:
        refused = conn.execute(
            "SELECT DISTINCT ON (input->>'command_id') input->>'command_id', code, reason "
            "FROM aerie_dead_letters WHERE input->>'command_id' = ANY(%s) "
            "ORDER BY input->>'command_id', id DESC",
            (ids,),
        ).fetchall()
        for command_id, code, reason in refused:
            answers[command_id] = CommandAnswer(command_id, code=code, reason=reason)
        recorded = conn.execute(
            f"SELECT command_id, originator_id, originator_version FROM {COMMAND_IDS_TABLE} "
            "WHERE command_id = ANY(%s)",
            (ids,),
        ).fetchall()
        for command_id, originator_id, version in recorded:
            answers[command_id] = CommandAnswer(command_id, event_id_of(originator_id, version))
    return answers
