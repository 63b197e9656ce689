"""The audit trail: every event about an employee, with who recorded it and through what."""

from aerie_projections.audit.views import AuditTrailProjection

PROJECTION = AuditTrailProjection()
