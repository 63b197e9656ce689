"""The facts the write side reads from read models, by name.

A use case decides from aggregates; a few need what only a read model gathers across
a site (a regrouping's candidates: every agent of the site ready for calls today). Such
a fact is named here, where both sides can see it: the context that asks lists it in
``BoundedContext.reads``, the projection that knows it answers it (``Projection.answers``),
and the composition root wires one to the other.
"""

REGROUPING_CANDIDATES = "site.regrouping_candidates"
"""For ``(site_id, day)``: the agents a regrouping may use that day, as rows with
``employee_id``, ``star``, ``team_id`` and ``courses`` (the growth read model answers it)."""
