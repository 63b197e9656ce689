"""The surveys bounded context."""
