"""The performance bounded context."""
