"""Given / when / then on the routing and escalation emails."""

from aerie_projections.deadlines.mail import MailSettings, Notice, compose

SETTINGS = MailSettings(
    host="127.0.0.1", sender="aerie@example.com", public_url="https://aerie.example.com/"
)


def notice(**changes: str) -> Notice:
    values = {
        "issue_id": "ANON-0123456789ABCDEF",
        "reason": "routed:1",
        "recipient": "hr-desk@example.com",
        "department": "hr",
        "priority": "high",
        "due_at": "2026-03-09T09:30:00+00:00",
        "created_at": "2026-03-06T08:30:00+00:00",
        **changes,
    }
    return Notice(**values)


def test_a_routing_email_links_to_the_issue_and_says_when_a_reply_is_due() -> None:
    message = compose(notice(), SETTINGS)
    body = message.get_content()
    assert "https://aerie.example.com/voice/issues/ANON-0123456789ABCDEF" in body
    assert "2026-03-09T09:30:00+00:00" in body
    assert message["To"] == "hr-desk@example.com"
    assert message["Subject"].startswith("New issue ANON-0123456789ABCDEF")


def test_the_same_notice_sent_again_is_the_same_message() -> None:
    assert compose(notice(), SETTINGS)["Message-ID"] == compose(notice(), SETTINGS)["Message-ID"]


def test_another_reason_or_recipient_is_another_message() -> None:
    ids = {
        notice().message_id,
        notice(reason="routed:2").message_id,
        notice(recipient="board@example.com").message_id,
    }
    assert len(ids) == 3


def test_an_escalation_email_says_why_it_was_escalated() -> None:
    late = compose(notice(reason="escalated-overdue:1"), SETTINGS)
    rejected = compose(notice(reason="escalated-rejected:2"), SETTINGS)
    assert "not answered by" in late["Subject"]
    assert "rejected" in rejected["Subject"]
