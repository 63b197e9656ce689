"""Aerie's write side: one eventsourcing Application per bounded context.

Nothing here connects to anything at import time; ``bootstrap.py`` is the one
place that builds the applications, the relay and their connections.
"""
