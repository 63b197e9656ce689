"""Process manager: an accepted regrouping moves each of its agents to their new team.

It keeps each proposal's moves (``regrouping.proposed``: the agents whose team changes).
When ``regrouping.accepted`` is recorded, a timer comes due at once; firing it records one
``employee.transferred`` per move, each under a command id derived from the proposal and
the agent (``regroup:<proposal>:<employee>``), so a timer fired twice moves no one twice.
A transfer the roster refuses (the agent left meanwhile) is refused alone, with its reason
in the dead letters; the others are recorded.
"""

from aerie_projections.regrouping.manager import RegroupingManager, transfer_command_id

MANAGER = RegroupingManager()

__all__ = ["MANAGER", "RegroupingManager", "transfer_command_id"]
