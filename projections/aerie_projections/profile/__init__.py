"""The employee profile: the unified view of one employee across every context."""
