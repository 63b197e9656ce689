"""Routing and escalation emails: what one says, and sending it with a real SMTP client.

A notice is composed from an outbox row (``issue_id``, ``reason``, recipient):
the issue's id, its department, priority and due time, and a link to the issue
in the gateway. Never its text, never its author: the person reads the issue
behind the link, with their own permissions. Its ``Message-ID`` is derived from
the row's key, so a notice sent again after a crash is the same message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

from aerie_events.settings import one_of, whole_number


@dataclass(frozen=True)
class MailSettings:
    """Where notices go out (``from_env``: read from the mapping the platform passes in)."""

    host: str | None
    port: int = 25
    sender: str = "aerie@localhost"
    tls: str = "off"
    """``off``, ``starttls`` or ``ssl``."""
    username: str | None = None
    password: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    """The gateway's public base URL: links in notices point there."""
    timeout_seconds: float = 10.0
    max_attempts: int = 8
    """A notice the server refuses this many times is given up: kept, marked failed, listed."""
    retry_after_seconds: float = 30.0
    """The wait after a first failed attempt; it doubles with each attempt (at most an hour)."""

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MailSettings:
        """``AERIE_SMTP_*`` and ``AERIE_PUBLIC_URL``; no server (no email sent) when
        ``AERIE_SMTP_HOST`` is unset. Links default to the gateway on ``AERIE_HTTP_PORT``."""
        port = env.get("AERIE_HTTP_PORT") or "8000"
        return cls(
            host=env.get("AERIE_SMTP_HOST") or None,
            port=whole_number(env, "AERIE_SMTP_PORT", 25, 1, 65535),
            sender=env.get("AERIE_SMTP_SENDER") or "aerie@localhost",
            tls=one_of(env, "AERIE_SMTP_TLS", ("off", "starttls", "ssl")),
            username=env.get("AERIE_SMTP_USER") or None,
            password=env.get("AERIE_SMTP_PASSWORD") or None,
            public_url=env.get("AERIE_PUBLIC_URL") or f"http://127.0.0.1:{port}",
        )


@dataclass(frozen=True)
class Notice:
    """One email about one issue to one recipient, for one reason."""

    issue_id: str
    reason: str
    recipient: str
    department: str
    priority: str
    due_at: str | None
    created_at: str

    @property
    def message_id(self) -> str:
        """Stable per (issue, reason, recipient): a resend is recognisably the same message."""
        key = f"{self.issue_id}\x00{self.reason}\x00{self.recipient}".encode()
        return f"<{hashlib.sha256(key).hexdigest()[:40]}@aerie.voice>"

    def link(self, public_url: str) -> str:
        return f"{public_url.rstrip('/')}/voice/issues/{quote(self.issue_id, safe='')}"


_SUBJECTS = {
    "routed": "New issue {issue} for {department} ({priority})",
    "reassigned": "Issue {issue} reassigned to {department} ({priority})",
    "escalated-overdue": "Escalated: issue {issue} was not answered by {due}",
    "escalated-rejected": "Escalated: the reply to issue {issue} was rejected",
}


def compose(notice: Notice, settings: MailSettings) -> EmailMessage:
    """The email for ``notice``: a subject, a few facts and the link; no text, no author."""
    kind = notice.reason.split(":", 1)[0]
    due = notice.due_at or "no deadline"
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = notice.recipient
    message["Subject"] = _SUBJECTS.get(kind, "Issue {issue}").format(
        issue=notice.issue_id, department=notice.department, priority=notice.priority, due=due
    )
    message["Message-ID"] = notice.message_id
    message["Date"] = format_datetime(dt.datetime.fromisoformat(notice.created_at))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "\n".join(
            [
                f"Issue: {notice.issue_id}",
                f"Department: {notice.department}",
                f"Priority: {notice.priority}",
                f"Reply due: {due}",
                "",
                f"Open it: {notice.link(settings.public_url)}",
                "",
                "Sign in to read the issue; its text is not sent by email.",
            ]
        )
    )
    return message


REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
"""The server refused one message (its recipient, sender or content): the session goes on."""


class Session:
    """One SMTP session: messages are sent one at a time, so each is refused or sent alone."""

    def __init__(self, settings: MailSettings) -> None:
        client: Any
        if settings.tls == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host or "",
                settings.port,
                timeout=settings.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(
                settings.host or "", settings.port, timeout=settings.timeout_seconds
            )
        try:
            if settings.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.username:
                client.login(settings.username, settings.password or "")
        except BaseException:
            client.close()
            raise
        self.client = client

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message``; raises one of ``REFUSED`` when the server refuses it alone."""
        self.client.send_message(message)

    def close(self) -> None:
        try:
            self.client.quit()
        except (OSError, smtplib.SMTPException):
            self.client.close()
