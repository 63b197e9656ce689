"""Process manager: reply deadlines as durable timers, escalations to leadership, notices by email.

See ``manager.py``. Deadlines survive restarts (they are timer rows); an
issue is escalated once per breach (command ids derived from the breach);
notices sit in an outbox written with the batch and are sent and marked once.
"""

from aerie_projections.deadlines.manager import DeadlineManager

MANAGER = DeadlineManager()
"""The deadline manager; the platform gives it its mail settings at start."""
