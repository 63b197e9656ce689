"""The employee opinion platform: issues raised to departments."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from aerie_services.base import AerieAggregate, stable_id
from aerie_services.errors import AlreadyRecorded


class Issue(AerieAggregate):
    """An issue raised by an employee. An anonymous issue never stores its author."""

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
        self.remember(meta, "issue.raised", 1)

    @classmethod
    def raise_issue(cls, existing: Issue | None, meta: dict, payload: dict) -> Issue:
        if existing is not None:
            raise AlreadyRecorded(f"issue {payload['issue_id']!r}", "issueId")
        return cls(meta=meta, payload=payload)
