"""The notice outbox on the real PostgreSQL and a local SMTP server that refuses one address."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.voice import DEPARTMENT_PUBLISHED, ISSUE_RAISED
from aerie_events.envelope import Envelope
from aerie_platform.stack import free_port
from aerie_projections.deadlines import outbox
from aerie_projections.deadlines.mail import MailSettings
from aerie_projections.deadlines.manager import DeadlineManager

from tests.envelopes import envelope, migrate

SCHEMA = "outbox_test"
REFUSED = "closed-desk@aerie.example"
NOW = "2026-03-09T09:00:00+00:00"


class Server:
    """Accepts every message except those to ``REFUSED`` (550 at RCPT); keeps what it accepts."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.received += list(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Server, int]]:
    from aiosmtpd.controller import Controller

    server, port = Server(), free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    yield server, port
    controller.stop()


@pytest.fixture(scope="module")
def url(fresh_database: Callable[[str], str]) -> str:
    url = fresh_database("outbox")
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, DeadlineManager, SCHEMA)
    return url


def routed_to(contacts: dict[str, str]) -> list[Envelope]:
    """Each department published with its contact, and one issue routed to each."""
    events = [
        envelope(
            DEPARTMENT_PUBLISHED, {"department_id": d, "contact_email": email}, occurred_at=NOW
        )
        for d, email in contacts.items()
    ]
    events += [
        envelope(
            ISSUE_RAISED,
            {
                "issue_id": f"IS-{d}",
                "department": d,
                "priority": "normal",
                "anonymous": False,
                "reply_due_at": "2026-03-09T17:00:00+00:00",
            },
            occurred_at=NOW,
        )
        for d in contacts
    ]
    return events


def apply(url: str, manager: DeadlineManager, events: list[Envelope]) -> None:
    with psycopg.connect(url) as conn, conn.transaction():
        for statement in manager.plan(events):
            conn.execute(statement.render(SCHEMA), statement.params)


def deliver(url: str, manager: DeadlineManager) -> int:
    async def run() -> int:
        conn = await psycopg.AsyncConnection.connect(url)
        try:
            return await manager.deliver(conn, SCHEMA)
        finally:
            await conn.close()

    return asyncio.run(run())


def row(url: str, issue_id: str) -> tuple[Any, ...]:
    with psycopg.connect(url) as conn:
        found = conn.execute(
            f"SELECT attempts, last_error, sent_at IS NOT NULL, failed_at IS NOT NULL "
            f"FROM {SCHEMA}.voice_outbox WHERE issue_id = %s",
            (issue_id,),
        ).fetchone()
    assert found is not None
    return tuple(found)


def test_a_refused_recipient_fails_alone_is_given_up_after_its_attempts_and_stays_listed(
    url: str, smtp: tuple[Server, int]
) -> None:
    server, port = smtp
    mail = MailSettings(
        host="127.0.0.1", port=port, max_attempts=3, retry_after_seconds=0, timeout_seconds=5
    )
    manager = DeadlineManager(mail)
    apply(
        url,
        manager,
        routed_to(
            {"hr": "hr-desk@aerie.example", "closed": REFUSED, "it": "it-desk@aerie.example"}
        ),
    )

    assert deliver(url, manager) == 2
    assert sorted(server.received) == ["hr-desk@aerie.example", "it-desk@aerie.example"]
    assert row(url, "IS-closed") == (1, "SMTPRecipientsRefused", False, False)

    assert [deliver(url, manager) for _ in range(3)] == [0, 0, 0]
    assert len(server.received) == 2  # what was sent is never sent again
    assert row(url, "IS-hr") == (1, None, True, False)
    assert row(url, "IS-closed") == (3, "SMTPRecipientsRefused", False, True)  # given up

    with psycopg.connect(url) as conn:
        given_up = outbox.listed(conn, SCHEMA, failed_only=True, limit=10)
        assert [(r["issue_id"], r["recipient"], r["attempts"]) for r in given_up] == [
            ("IS-closed", REFUSED, 3)
        ]
        assert [
            r["issue_id"] for r in outbox.listed(conn, SCHEMA, failed_only=False, limit=10)
        ] == ["IS-closed"]
        assert outbox.requeue_failed(conn, SCHEMA) == 1
    assert deliver(url, manager) == 0
    assert row(url, "IS-closed") == (1, "SMTPRecipientsRefused", False, False)  # trying again


def test_notices_wait_in_the_outbox_while_no_smtp_server_answers(url: str) -> None:
    manager = DeadlineManager(
        MailSettings(host="127.0.0.1", port=free_port(), max_attempts=3, retry_after_seconds=0)
    )
    apply(url, manager, routed_to({"quiet": "quiet-desk@aerie.example"}))

    assert deliver(url, manager) == 0
    attempts, error, sent, failed = row(url, "IS-quiet")
    assert (attempts, sent, failed) == (1, False, False)
    assert error == "ConnectionRefusedError"
