"""The employee opinion platform: issues raised to departments."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from aerie_services.base import AerieAggregate, stable_id
from aerie_services.errors import AlreadyRecorded, CannotHandOver


class Issue(AerieAggregate):
    """An issue raised by an employee. An anonymous issue never stores its author.

    A named issue has a holder, who follows it up: its author, until it is
    handed over (for example when the author leaves).
    """

    @staticmethod
    def id_for(issue_id: str) -> Any:
        return stable_id("issue", issue_id)

    @staticmethod
    def create_id(payload: dict) -> Any:
        return Issue.id_for(payload["issue_id"])

    @event("Raised")
    def __init__(self, meta: dict, payload: dict) -> None:
        self.issue_id = payload["issue_id"]
        self.department = payload["department"]
        self.status = "open"
        self.holder = meta["employee_id"]  # None for an anonymous issue
        self.remember(meta, "issue.raised", 1)

    @classmethod
    def raise_issue(cls, existing: Issue | None, meta: dict, payload: dict) -> Issue:
        if existing is not None:
            raise AlreadyRecorded(f"issue {payload['issue_id']!r}", "issueId")
        return cls(meta=meta, payload=payload)

    def hand_over(self, meta: dict, data: dict) -> None:
        if self.holder is None:
            raise CannotHandOver(self.issue_id, "it is anonymous: no one may follow it up by name")
        if self.status != "open":
            raise CannotHandOver(self.issue_id, f"it is {self.status}")
        if data["to_employee_id"] == self.holder:
            raise CannotHandOver(self.issue_id, f"{self.holder!r} already holds it")
        self._handed_over(meta=meta, payload=data)

    @event("HandedOver")
    def _handed_over(self, meta: dict, payload: dict) -> None:
        self.holder = payload["to_employee_id"]
        self.remember(meta, "issue.handed_over", self.version + 1)
