"""Given / when / then on the issue aggregate and the department directory."""

from typing import Any

import pytest
from aerie_services.kit.errors import AlreadyRecorded
from aerie_services.voice.domainmodel import DepartmentDirectory, Issue, may_follow_up
from aerie_services.voice.errors import (
    FollowUpKeyMismatch,
    InvalidLink,
    NotASuggestion,
    NotTheAuthor,
    NotYetDue,
    TransitionNotAllowed,
    UnknownDepartment,
    follow_up_refused,
)
from aerie_services.voice.followup import follow_up_digest, follow_up_key

SECRET = b"k" * 32
DUE = "2026-03-09T09:00:00+00:00"


def meta(command_id: str, at: str = "2026-03-06T08:00:00+00:00", **more: Any) -> dict[str, Any]:
    return {
        "command_id": command_id,
        "digest": command_id,
        "occurred_at": at,
        "site_id": "site-north",
        "employee_id": "N-0001",
        **more,
    }


def raised(kind: str = "issue", **more: Any) -> Issue:
    payload = {
        "issue_id": "IS-1",
        "kind": kind,
        "department": "hr",
        "priority": "high",
        "reply_due_at": DUE,
        "anonymous": False,
    }
    return Issue.raise_issue(None, meta("raise", **more), payload)


def replied(issue: Issue, n: int = 1) -> Issue:
    issue.reply(
        meta(f"reply-{n}"),
        {"issue_id": "IS-1", "text": "t", "visibility": "private", "reply_number": n},
    )
    return issue


def test_a_named_issue_is_followed_up_by_its_holder_only_and_never_by_a_key() -> None:
    issue = raised()
    assert may_follow_up(issue, "N-0001", None, SECRET)
    assert not may_follow_up(issue, "N-0002", None, SECRET)
    assert not may_follow_up(issue, None, None, SECRET)
    assert not may_follow_up(issue, None, follow_up_key(SECRET, "N-0001", "raise"), SECRET)


def test_an_anonymous_issue_is_followed_up_through_its_key_only() -> None:
    key = follow_up_key(SECRET, "N-0001", "c-1")
    issue = raised(employee_id=None, follow_up_digest=follow_up_digest(SECRET, key))
    assert may_follow_up(issue, None, key, SECRET)
    assert not may_follow_up(issue, None, follow_up_key(SECRET, "N-0001", "c-2"), SECRET)
    assert not may_follow_up(issue, None, "", SECRET)
    assert not may_follow_up(issue, "N-0001", None, SECRET)  # not even its author by name


def test_no_issue_is_followed_up_by_anyone() -> None:
    assert not may_follow_up(None, "N-0001", None, SECRET)
    assert not may_follow_up(None, None, follow_up_key(SECRET, "N-0001", "c-1"), SECRET)


def test_every_refused_follow_up_computes_the_keys_hash_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No early return: an unknown issue, an anonymous one and a named one cost the same."""
    from aerie_services.voice import followup

    computed: list[str] = []
    real = followup.follow_up_digest

    def counted(secret: bytes, key: str) -> str:
        computed.append(key)
        return real(secret, key)

    anonymous = raised(
        employee_id=None,
        follow_up_digest=real(SECRET, follow_up_key(SECRET, "N-0001", "c-1")),
    )
    monkeypatch.setattr(followup, "follow_up_digest", counted)
    for issue in (None, anonymous, raised()):
        for follower, key in (("N-0002", None), (None, "FU-WRONG")):
            computed.clear()
            assert not may_follow_up(issue, follower, key, SECRET)
            assert len(computed) == 1, (issue, follower, key)


def test_the_refusal_depends_on_the_way_of_asking_only() -> None:
    by_name = follow_up_refused("IS-9", by_key=False)
    assert isinstance(by_name, NotTheAuthor) and by_name.conceals_input
    assert "IS-9" in by_name.message and by_name.field == "issueId"
    by_key = follow_up_refused("IS-9", by_key=True)
    assert isinstance(by_key, FollowUpKeyMismatch) and by_key.conceals_input
    assert "IS-9" not in by_key.message and by_key.field == "followUpKey"


def test_an_issue_is_escalated_as_overdue_only_once_its_deadline_has_passed() -> None:
    issue = raised()
    early = {"issue_id": "IS-1", "reason": "overdue", "to_department": "board"}
    with pytest.raises(NotYetDue):
        issue.escalate(meta("e1", at="2026-03-09T08:59:59+00:00"), early)
    issue.escalate(meta("e2", at=DUE), early)
    assert (issue.status, issue.department) == ("escalated", "board")


def test_a_replied_issue_is_not_escalated_as_overdue() -> None:
    issue = replied(raised())
    with pytest.raises(TransitionNotAllowed) as refused:
        issue.escalate(meta("e1", at=DUE), {"issue_id": "IS-1", "reason": "overdue"})
    assert "accept" in refused.value.allowed_actions


def test_a_rejected_reply_is_escalated_as_rejected_not_as_overdue() -> None:
    issue = replied(raised())
    issue.reject(meta("r1"), {"issue_id": "IS-1", "reply_number": 1, "anonymous": False})
    with pytest.raises(TransitionNotAllowed):
        issue.escalate(meta("e1", at=DUE), {"issue_id": "IS-1", "reason": "overdue"})
    issue.escalate(meta("e2"), {"issue_id": "IS-1", "reason": "rejected", "to_department": "board"})
    assert issue.status == "escalated"


def test_only_a_suggestion_is_adopted_and_only_once() -> None:
    with pytest.raises(NotASuggestion):
        replied(raised()).adopt(meta("a1"), {"issue_id": "IS-1", "adopted_on": "2026-03-10"})
    suggestion = replied(raised("suggestion"))
    suggestion.adopt(meta("a1"), {"issue_id": "IS-1", "adopted_on": "2026-03-10"})
    with pytest.raises(AlreadyRecorded):
        suggestion.adopt(meta("a2"), {"issue_id": "IS-1", "adopted_on": "2026-03-11"})


def test_an_issue_links_only_to_a_representative_that_is_not_linked_itself() -> None:
    issue, other = raised(), raised()
    other.issue_id = "IS-2"
    other.link(meta("l1"), {"issue_id": "IS-2", "representative_issue_id": "IS-3"}, raised())
    with pytest.raises(InvalidLink):
        issue.link(meta("l2"), {"issue_id": "IS-1", "representative_issue_id": "IS-2"}, other)
    with pytest.raises(InvalidLink):
        issue.link(meta("l3"), {"issue_id": "IS-1", "representative_issue_id": "IS-1"}, issue)


def test_the_directory_numbers_each_departments_versions() -> None:
    directory = DepartmentDirectory()
    data = {
        "department_id": "hr",
        "name": "HR",
        "scope": "Pay",
        "contact_email": "hr@example.com",
        "reply_within": {"urgent": 60, "high": 120, "normal": 480, "low": 960},
        "leadership": False,
    }
    assert directory.publish(meta("p1"), data).version == 1
    assert directory.publish(meta("p2"), {**data, "scope": "Pay, leave"}).version == 2
    assert directory.directory().route("hr").scope == "Pay, leave"
    with pytest.raises(UnknownDepartment):
        directory.directory().route("it")


def test_a_routed_issue_past_its_deadline_keeps_its_breach_it_is_not_reassigned() -> None:
    issue = raised()
    move = {"issue_id": "IS-1", "to_department": "it", "reply_due_at": "2026-03-10T09:00:00+00:00"}
    with pytest.raises(TransitionNotAllowed) as refused:
        issue.reassign(meta("m1", at="2026-03-09T09:30:00+00:00"), move)
    assert "the breach stands" in refused.value.message
    assert "escalate" in refused.value.allowed_actions
    assert "reassign" not in refused.value.allowed_actions
    later = {"issue_id": "IS-1", "priority": "low", "reply_due_at": "2026-03-12T09:00:00+00:00"}
    with pytest.raises(TransitionNotAllowed):
        issue.reprioritise(meta("p1", at="2026-03-09T09:30:00+00:00"), later)
    issue.reassign(meta("m2", at="2026-03-09T08:30:00+00:00"), move)  # before it: allowed
    assert issue.department == "it"


def test_reassigning_to_the_department_that_holds_it_is_refused_saying_why() -> None:
    issue = raised()
    same = {"issue_id": "IS-1", "to_department": "hr", "reply_due_at": DUE}
    with pytest.raises(TransitionNotAllowed) as refused:
        issue.reassign(meta("m1"), same)
    assert refused.value.status == "routed"
    assert refused.value.message == (
        "issue 'IS-1' is routed: it cannot be reassigned (it is already with hr)"
    )


def test_escalating_for_the_wrong_reason_says_which_reason_applies() -> None:
    issue = replied(raised())
    issue.reject(meta("r1"), {"issue_id": "IS-1", "reply_number": 1, "anonymous": False})
    with pytest.raises(TransitionNotAllowed) as refused:
        issue.escalate(meta("e1", at=DUE), {"issue_id": "IS-1", "reason": "overdue"})
    assert refused.value.message.endswith(
        "it cannot be escalated (an issue rejected is escalated as rejected, not overdue)"
    )
