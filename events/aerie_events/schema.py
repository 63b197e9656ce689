"""JSON Schema of each event type, generated from the catalog and checked in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aerie_events.catalog import CATALOG, EventType
from aerie_events.fields import object_schema

SCHEMA_DIR = Path(__file__).parent / "schemas"

_ID = {"type": "string", "minLength": 1, "maxLength": 64}
_REF = {
    "type": "object",
    "additionalProperties": {"type": "string"},
}


def envelope_schema(event: EventType) -> dict[str, Any]:
    """The schema of one event type in its envelope."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:aerie:event:{event.name}:v{event.schema_version}",
        "title": event.name,
        "description": event.description,
        "type": "object",
        "additionalProperties": False,
        "required": [
            "event_id",
            "type",
            "schema_version",
            "occurred_at",
            "recorded_at",
            "position",
            "context",
            "site_id",
            "employee_id",
            "actor",
            "source",
            "correlation_id",
            "causation_id",
            "policy_version",
            "payload",
        ],
        "properties": {
            "event_id": {"type": "string", "format": "uuid"},
            "type": {"const": event.name},
            "schema_version": {"const": event.schema_version},
            "occurred_at": {"type": "string", "format": "date-time"},
            "recorded_at": {"type": "string", "format": "date-time"},
            "position": {"type": "integer", "minimum": 1},
            "context": {"const": event.context},
            "site_id": {"anyOf": [_ID, {"type": "null"}]},
            "employee_id": {"anyOf": [_ID, {"type": "null"}]},
            "actor": {**_REF, "required": ["kind", "id"]},
            "source": {**_REF, "required": ["system"]},
            "correlation_id": {"type": "string"},
            "causation_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "policy_version": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "payload": object_schema(event.fields),
        },
    }


def rendered_schemas() -> dict[str, str]:
    """File name -> schema text, exactly as checked in."""
    return {
        f"{name}.v{event.schema_version}.json": json.dumps(
            envelope_schema(event), indent=2, sort_keys=True
        )
        + "\n"
        for name, event in CATALOG.items()
    }


def export_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema; remove files of types that no longer exist."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = rendered_schemas()
    for stale in directory.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    written = []
    for name, text in wanted.items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    return written


def schema_drift(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files that differ from the catalog (missing, stale or changed)."""
    wanted = rendered_schemas()
    present = {p.name: p.read_text() for p in directory.glob("*.json")}
    drift = [name for name, text in wanted.items() if present.get(name) != text]
    drift += [name for name in present if name not in wanted]
    return sorted(drift)
