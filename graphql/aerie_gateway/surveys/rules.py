"""Who may read what of surveys (installed into the one policy by the domain's declaration)."""

from __future__ import annotations

from aerie_gateway.permissions import COMPANY, PEOPLE, SITE, Rule, grants

DEFINITIONS = Rule({**dict.fromkeys(PEOPLE, COMPANY), "admin": COMPANY})
"""Surveys themselves (questions, dates, whom they ask): anyone signed in as a person."""

RESULTS = grants(analyst=COMPANY, hr=COMPANY, site_manager=SITE)
"""Figures of groups, as shown: a site manager the groups of their own site."""

TRENDS = grants(analyst=COMPANY, hr=COMPANY)

COMMENTS = grants(hr=COMPANY)
"""Free text may say who wrote it: HR alone reads it, and only of shown groups."""
