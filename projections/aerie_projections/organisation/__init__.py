"""The sites read model: names, time zones and working calendars."""

from aerie_projections.organisation.views import OrganisationProjection

PROJECTION = OrganisationProjection()
