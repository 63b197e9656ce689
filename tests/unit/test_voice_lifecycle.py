"""Given / when / then on an issue's closed loop, as the lifecycle table states it."""

import pytest
from aerie_services.voice.errors import TransitionNotAllowed
from aerie_services.voice.lifecycle import Status, after, allowed_actions, escalation_reason


def walk(*actions: str) -> Status:
    status = Status.ROUTED
    for action in actions:
        status = after("IS-1", status, action)
    return status


def test_a_reply_the_author_accepts_is_then_resolved() -> None:
    assert walk("reply", "accept", "resolve") is Status.RESOLVED


def test_a_rejected_reply_goes_to_leadership_whose_answer_can_be_accepted() -> None:
    assert walk("reply", "reject", "escalate", "reply", "accept") is Status.ACCEPTED


def test_leaderships_answer_can_be_rejected_again() -> None:
    assert walk("reply", "reject", "escalate", "reply", "reject") is Status.REJECTED


def test_an_unanswered_issue_can_be_escalated_and_then_answered_by_leadership() -> None:
    assert walk("escalate", "reply") is Status.REPLIED


def test_a_reply_to_a_resolved_issue_is_refused_naming_what_is_allowed() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        walk("reply", "accept", "resolve", "reply")
    assert refused.value.code == "ISSUE_TRANSITION_NOT_ALLOWED"
    assert refused.value.allowed_actions == ("adopt", "link")
    assert "resolved" in refused.value.message


def test_accepting_an_issue_that_has_no_reply_yet_is_refused_with_the_allowed_actions() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        walk("accept")
    assert set(refused.value.allowed_actions) == set(allowed_actions(Status.ROUTED))
    assert "reply" in refused.value.allowed_actions
    assert "accept" not in refused.value.allowed_actions


def test_a_replied_issue_cannot_be_reassigned() -> None:
    with pytest.raises(TransitionNotAllowed):
        walk("reply", "reassign")


def test_comments_keep_the_status() -> None:
    assert walk("reply", "comment") is Status.REPLIED


def test_an_escalation_says_whether_the_issue_was_late_or_its_reply_rejected() -> None:
    assert escalation_reason(Status.ROUTED) == "overdue"
    assert escalation_reason(Status.REJECTED) == "rejected"
