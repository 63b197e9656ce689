"""The learning bounded context."""
