"""The composition root: the one place that reads configuration and wires the parts.

The ``aerie`` CLI, settings read once from the environment, the embedded stack,
the process supervisor, migrations and replay orchestration live here; every
other package receives its configuration as arguments.
"""
