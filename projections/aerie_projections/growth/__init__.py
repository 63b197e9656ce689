"""Growth paths read model: each employee's place on the ladder and its history, KPIs and
energy by day (the boards read them), energy decisions, learning, readiness, yearly counts."""

from aerie_projections.growth.views import GrowthProjection

PROJECTION = GrowthProjection()
