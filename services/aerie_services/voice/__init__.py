"""The voice bounded context."""
