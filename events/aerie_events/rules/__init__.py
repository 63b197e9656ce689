"""Rules shared by the write side, the read side and the demo, as versioned data.

The working calendar of a site, the growth policies (ladder, KPIs and energy, daily
study), the escalation rules of the opinion platform, the survey scales and the coupon
limits. Events carry the version of the rule that decided them, so history replays under
the rules that were in force. Rules name event types by the catalog's constants.
"""
