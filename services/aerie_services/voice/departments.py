"""The published table of departments: who answers what, how fast, and who is leadership.

A department is data, published and revised as versions: its name, the scope
employees read when they choose where an issue goes, the address the routing
email goes to, and its reply deadline per priority in working minutes. One
department is the company's leadership: escalated issues go to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aerie_events.catalog.voice import MAX_REPLY_MINUTES, PRIORITIES

from aerie_services.voice.errors import InvalidDepartment, NoLeadership, UnknownDepartment

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class Department:
    """One published version of a department."""

    department_id: str
    name: str
    scope: str
    contact_email: str
    reply_within: Mapping[str, int]
    """Working minutes to the first reply, per priority."""
    leadership: bool
    version: int

    @property
    def policy_version(self) -> str:
        """The rule set a deadline of this department was decided by (recorded on the event)."""
        return f"department:{self.department_id}/v{self.version}"

    def minutes_for(self, priority: str) -> int:
        return self.reply_within[priority]


@dataclass
class Directory:
    """Every department published so far, in its latest version."""

    departments: dict[str, Department] = field(default_factory=dict)

    def publish(self, department_id: str, data: Mapping[str, Any]) -> Department:
        """The next version of ``department_id`` from ``data``, checked; the directory is unchanged.

        ``data`` holds ``name``, ``scope``, ``contact_email``, ``reply_within`` (a mapping of
        every priority to working minutes) and ``leadership``.
        """
        previous = self.departments.get(department_id)
        leadership = bool(data["leadership"])
        _check_email(data["contact_email"])
        reply_within = _checked_reply_times(data["reply_within"])
        if leadership:
            other = self._leadership_other_than(department_id)
            if other is not None:
                raise InvalidDepartment(
                    f"{other.department_id!r} is already the leadership department",
                    field="leadership",
                    allowed="false: only one department is the company's leadership",
                )
        elif previous is not None and previous.leadership:
            raise InvalidDepartment(
                f"{department_id!r} is the leadership department and stays it",
                field="leadership",
                allowed="true: escalated issues need a leadership department",
            )
        return Department(
            department_id=department_id,
            name=data["name"],
            scope=data["scope"],
            contact_email=data["contact_email"],
            reply_within=reply_within,
            leadership=leadership,
            version=(previous.version + 1) if previous else 1,
        )

    def record(self, department: Department) -> None:
        self.departments[department.department_id] = department

    def route(self, department_id: str) -> Department:
        """The department an issue for ``department_id`` goes to, or ``UnknownDepartment``."""
        found = self.departments.get(department_id)
        if found is None:
            raise UnknownDepartment(department_id, self.departments)
        return found

    def leadership(self) -> Department:
        found = self._leadership_other_than(None)
        if found is None:
            raise NoLeadership()
        return found

    def _leadership_other_than(self, department_id: str | None) -> Department | None:
        return next(
            (
                d
                for d in self.departments.values()
                if d.leadership and d.department_id != department_id
            ),
            None,
        )


def _check_email(address: Any) -> None:
    if not isinstance(address, str) or len(address) > 254 or not _EMAIL.match(address):
        raise InvalidDepartment(
            f"{address!r} is not an email address",
            field="contactEmail",
            allowed="one address such as hr-desk@example.com",
        )


def _checked_reply_times(reply_within: Any) -> dict[str, int]:
    allowed = (
        f"whole working minutes from 1 to {MAX_REPLY_MINUTES} for each of "
        + ", ".join(PRIORITIES)
        + ", never longer for a more urgent priority"
    )
    if not isinstance(reply_within, Mapping) or set(reply_within) != set(PRIORITIES):
        raise InvalidDepartment(
            "reply deadlines must name every priority", field="replyWithin", allowed=allowed
        )
    times = {p: reply_within[p] for p in PRIORITIES}
    for priority, minutes in times.items():
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise InvalidDepartment(
                f"the {priority} deadline is not a whole number",
                field="replyWithin",
                allowed=allowed,
            )
        if not 1 <= minutes <= MAX_REPLY_MINUTES:
            raise InvalidDepartment(
                f"the {priority} deadline of {minutes} minutes is out of range",
                field="replyWithin",
                allowed=allowed,
            )
    ordered = [times[p] for p in PRIORITIES]
    if ordered != sorted(ordered):
        raise InvalidDepartment(
            "a more urgent priority has a longer deadline", field="replyWithin", allowed=allowed
        )
    return times
