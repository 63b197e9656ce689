"""The opinion platform's read model: queues, the public board, escalations and their figures."""

from aerie_projections.escalations.views import EscalationsProjection

PROJECTION = EscalationsProjection()
