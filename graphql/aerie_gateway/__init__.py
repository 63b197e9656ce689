"""The GraphQL gateway: the unified employee-experience view, over HTTP.

It reads projections (never the event store, except for audit queries) and
sends every write through the write side's command path.
"""
