"""What raising an issue answers: the receipt (an anonymous one's follow-up key, shown once).

Every other write of the opinion platform is its command's mutation as declared on the
write side (``aerie_services.voice``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from strawberry.types import Info

from aerie_gateway.recording import CommandResult
from aerie_gateway.voice.types import IssueReceipt


async def issue_receipt(info: Info, given: Any, result: CommandResult) -> IssueReceipt:
    """The raise's result, with the issue's id and, when anonymous, its follow-up key."""
    issue_id, key = given.issue_id, None
    if given.anonymous:
        app = info.context.bus.apps["voice"]
        issue_id, key = await asyncio.to_thread(
            app.anonymous_receipt, given.employee_id, given.command_id
        )
    return IssueReceipt(
        event_id=result.event_id,
        type=result.type,
        context=result.context,
        position=result.position,
        duplicate=result.duplicate,
        issue_id=issue_id,
        follow_up_key=key,
    )
