"""Process manager: what an agent's energy leads to, week by week.

Each ISO week of KPI facts is assessed once the week is complete: when the
agent's first fact of one of the two weeks after it arrives (one agent's facts
come in order, so the week has all it will get), or, for a week whose facts
arrive live and no later fact comes, a day and a half after it ended in UTC
(Tuesday 12:00 UTC: a durable timer, set while that moment is still ahead of the
facts' recorded time, and moved to the later fact's time when one comes first).
Either way the week is assessed once. The assessment leads to a reward in proportion to the
overflow, or to off-post training (seven days and an acceptance test when the
energy is very low), and sustained low energy to a demotion one star down.
An agent who fails the acceptance test, or has passed none three days after
the off-post training ended, is re-positioned. Every decision goes to the
agent's ladder record as a command whose id comes from the agent and the week
(or the order), and the record checks it against its own KPI facts.
"""

from aerie_projections.energy.manager import EnergyManager

MANAGER = EnergyManager()
