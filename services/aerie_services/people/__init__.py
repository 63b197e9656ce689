"""The people bounded context."""
