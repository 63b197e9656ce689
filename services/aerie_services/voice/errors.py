"""Named errors of the opinion platform: each says what was wrong and what is allowed.

None of them names an anonymous issue's author, or tells whether a follow-up
key belongs to another issue.
"""

from __future__ import annotations

from collections.abc import Iterable

from aerie_services.kit.errors import DomainError


class TransitionNotAllowed(DomainError):
    """An action the issue's current status does not allow; ``allowed`` lists those it does."""

    code = "ISSUE_TRANSITION_NOT_ALLOWED"

    def __init__(
        self,
        issue_id: str,
        action: str,
        status: str,
        allowed: Iterable[str],
        why: str | None = None,
    ) -> None:
        choices = sorted(allowed)
        because = f" ({why})" if why else ""
        super().__init__(
            f"issue {issue_id!r} is {status}: it cannot be {_past(action)}{because}",
            field="issueId",
            allowed=(
                "actions allowed now: " + ", ".join(choices)
                if choices
                else "nothing: the issue is closed"
            ),
        )
        self.action = action
        self.status = status
        self.allowed_actions = tuple(choices)


class UnknownDepartment(DomainError):
    code = "UNKNOWN_DEPARTMENT"

    def __init__(self, department_id: str, published: Iterable[str]) -> None:
        ids = sorted(published)
        super().__init__(
            f"no department {department_id!r} is published",
            field="department",
            allowed="one of " + ", ".join(ids) if ids else "none is published yet",
        )


class InvalidDepartment(DomainError):
    """A department's published data breaks a rule of the directory."""

    code = "INVALID_DEPARTMENT"

    def __init__(self, message: str, *, field: str, allowed: str) -> None:
        super().__init__(message, field=field, allowed=allowed)


class NoLeadership(DomainError):
    code = "NO_LEADERSHIP_DEPARTMENT"

    def __init__(self) -> None:
        super().__init__(
            "no leadership department is published to take escalated issues",
            field="department",
            allowed="publish a department with leadership: true first",
        )


class FollowUpKeyMismatch(DomainError):
    """The key does not open this issue. Says nothing of which issue it would open, nor whether
    there is an issue of that id, anonymous or not."""

    code = "FOLLOW_UP_KEY_MISMATCH"
    conceals_input = True  # whoever tried may be the anonymous author: keep no trace of them

    def __init__(self) -> None:
        super().__init__(
            "the follow-up key does not match this issue",
            field="followUpKey",
            allowed="the key shown once when the anonymous issue was raised",
        )


class NotTheAuthor(DomainError):
    """No issue of that id that the caller follows up by name. Says nothing of whether there is
    one: an unknown id, an anonymous issue and someone else's get this same refusal."""

    code = "NOT_THE_AUTHOR"
    conceals_input = True  # an anonymous author who forgot their key may be the one trying

    def __init__(self, issue_id: str) -> None:
        super().__init__(
            f"no issue {issue_id!r} raised by you or handed over to you: only an issue's author "
            "(or whoever it was handed over to) follows it up by name",
            field="issueId",
            allowed="the id of an issue you raised by name or were handed over; an anonymous "
            "one with its followUpKey",
        )


def follow_up_refused(issue_id: str, by_key: bool) -> DomainError:
    """The one refusal of a follow-up its caller may not make, by key or by name.

    It depends on nothing but what the caller sent: an unknown issue, an anonymous issue
    with another key and someone else's named issue are refused alike.
    """
    return FollowUpKeyMismatch() if by_key else NotTheAuthor(issue_id)


class InvalidLink(DomainError):
    code = "INVALID_ISSUE_LINK"

    def __init__(self, why: str) -> None:
        super().__init__(
            f"the issues cannot be linked: {why}",
            field="representativeIssueId",
            allowed="another issue that is not itself linked to a representative",
        )


class NotASuggestion(DomainError):
    code = "NOT_A_SUGGESTION"

    def __init__(self, issue_id: str) -> None:
        super().__init__(
            f"{issue_id!r} is an issue, not a suggestion: only suggestions are adopted",
            field="issueId",
            allowed="the id of a suggestion (kind suggestion)",
        )


class NotYetDue(DomainError):
    code = "DEADLINE_NOT_YET_DUE"

    def __init__(self, issue_id: str, due_at: str) -> None:
        super().__init__(
            f"issue {issue_id!r} is due at {due_at}: it is not overdue yet",
            field="issueId",
            allowed="an issue past its reply deadline",
        )


_PAST = {
    "reply": "replied to",
    "accept": "accepted",
    "reject": "rejected",
    "escalate": "escalated",
    "resolve": "resolved",
    "reassign": "reassigned",
    "reprioritise": "reprioritised",
    "comment": "commented on",
    "adopt": "adopted",
    "link": "linked",
    "hand_over": "handed over",
}


def _past(action: str) -> str:
    return _PAST.get(action, action)


class UnknownIssue(DomainError):
    """No such issue; or, with ``holder``, none that employee holds (a hand-over's)."""

    code = "UNKNOWN_ISSUE"

    def __init__(self, issue_id: str, holder: str | None = None) -> None:
        if holder is None:
            message = f"no issue {issue_id!r} has been raised"
            allowed = "the id of a raised issue (an anonymous one's as its author was told)"
        else:
            message = f"no open issue {issue_id!r} is held by {holder!r}"
            allowed = "the id of a named issue the employee holds"
        super().__init__(message, field="issueId", allowed=allowed)


class CannotHandOver(DomainError):
    code = "CANNOT_HAND_OVER"

    def __init__(self, issue_id: str, why: str) -> None:
        super().__init__(
            f"issue {issue_id!r} cannot be handed over: {why}",
            field="issueId",
            allowed="an open, named issue, to someone other than its holder",
        )
