"""Named domain errors every context shares. Each carries a code, the field at fault and what
is allowed.

The gateway shows these to people as they are (message, code, field,
allowed); every other exception is masked.
"""

from __future__ import annotations

from aerie_events.fields import FieldProblem, PayloadInvalid


class DomainError(Exception):
    """A command that the domain refuses, with a message a person can act on."""

    code = "DOMAIN_ERROR"
    conceals_input = False
    """True when the refused input may lead to a person who must stay unknown (an anonymous
    issue's author): its dead letter then keeps field names and codes only."""

    def __init__(self, message: str, *, field: str | None = None, allowed: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.allowed = allowed

    @property
    def problems(self) -> list[FieldProblem]:
        if self.field is None:
            return []
        return [FieldProblem(self.field, self.message, self.allowed or "")]


class InvalidInput(DomainError):
    """The command's data does not have the shape its event type requires."""

    code = "INVALID_INPUT"

    def __init__(self, invalid: PayloadInvalid) -> None:
        first = invalid.problems[0]
        super().__init__(str(invalid), field=first.field, allowed=first.allowed)
        self.code = invalid.code
        self._problems = invalid.problems

    @property
    def problems(self) -> list[FieldProblem]:
        return self._problems


class AlreadyRecorded(DomainError):
    """A second, different command for something that can happen only once."""

    code = "ALREADY_RECORDED"

    def __init__(self, what: str, field: str) -> None:
        super().__init__(f"{what} was already recorded", field=field, allowed="a new identifier")


class CommandIdReused(DomainError):
    code = "COMMAND_ID_REUSED"

    def __init__(self, command_id: str) -> None:
        super().__init__(
            f"command id {command_id!r} was already used for a different command",
            field="commandId",
            allowed="a new command id for a new command; the same one only to retry",
        )


class CommandAlreadyRecorded(Exception):
    """The append found the command recorded before, as another event: a retry of a command
    its aggregate no longer remembers. Nothing was stored; the first outcome answers it."""

    def __init__(self, command_id: str) -> None:
        super().__init__(f"command {command_id!r} was already recorded")
        self.command_id = command_id


class Conflict(DomainError):
    code = "CONFLICT"

    def __init__(self) -> None:
        super().__init__("too many concurrent changes to the same record; try again")


class NotOneself(DomainError):
    """A person recording, in another person's name, what only that person may record."""

    code = "NOT_ONESELF"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what}: only the person themselves records it",
            field="employeeId",
            allowed="your own employee id (your token's subject)",
        )


class DateInFuture(DomainError):
    code = "DATE_IN_FUTURE"

    def __init__(self, field: str, day: str, today: str, zone: str) -> None:
        super().__init__(
            f"{day} is after today ({today}) at the site ({zone})",
            field=field,
            allowed=f"a day up to {today}, the site's date today",
        )
