"""The employee profile: the unified view of one employee across every context."""

from aerie_projections.profile.views import ProfileProjection

PROJECTION = ProfileProjection()
