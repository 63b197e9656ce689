"""Aerie's read side: projections of the event stream into PostgreSQL read models.

Read models are disposable: ``aerie replay`` rebuilds them from the event
store into a fresh schema and can compare digests with the live ones.
"""
