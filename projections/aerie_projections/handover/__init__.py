"""Process manager: a leaver's named open issues are handed to their team lead.

When ``employee.left`` is recorded, a timer is set for the end of the last
working day (``left_on``, in event time). When it fires, every open issue the
leaver raised by name and still holds is handed to the active team lead of
the leaver's team, each by an ``issue.handed_over`` command whose id is derived
from the leaver and the issue. Anonymous issues have no holder and stay with
their department.
"""

from aerie_projections.handover.manager import HandoverManager

MANAGER = HandoverManager()
