"""Satisfaction: survey results per group, kept from running sums, shown behind the threshold.

``views.SatisfactionProjection`` keeps the running sums; ``results`` applies the
rules every reader gets results under (closed surveys only, ``disclosure``);
``drivers`` ranks what to fix first; ``queries`` are what the gateway calls.
"""

from aerie_projections.satisfaction.views import SatisfactionProjection

PROJECTION = SatisfactionProjection()
