"""Field specifications: one description drives validation and JSON Schema.

A payload is a flat mapping of named fields. Each field is described once by a
``Field``; from that description the catalog both checks incoming data (with a
message a person can act on: which field, what was wrong, what is allowed) and
exports the JSON Schema that integrators read.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
"""Dates and date-times outside these are refused (PostgreSQL and Python hold them all)."""
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
PERSONAL_NOTE = (
    "Personal data, sealed with its person's own key: null once that person's data was erased."
)


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of an input."""

    field: str
    problem: str
    allowed: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem} (allowed: {self.allowed})"


class PayloadInvalid(ValueError):
    """Raised when data does not match an event type's payload; lists every problem."""

    code = "INVALID_INPUT"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Field:
    """How one payload field looks: its kind, whether it is required, its limits."""

    kind: str
    """id, text, int, decimal, bool, date, datetime, time, zone, enum, scores, list, record."""
    description: str
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    personal: bool = False
    nullable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    inclusive_minimum: bool = False
    """A decimal may equal its minimum (a KPI's lowest value); by default it must exceed it."""
    item: Field | None = None
    """A list's items (kind ``list``)."""
    max_items: int | None = None
    """At most this many items in a list (kind ``list``)."""
    fields: Mapping[str, Field] | None = None
    """A record's own fields (kind ``record``); only top-level fields can be personal."""
    name: str | None = None
    """A record's name where it needs one of its own (its GraphQL input type), e.g.
    ``SurveyQuestion``; by default the name of the field that holds it."""

    def allowed(self) -> str:
        """Say, for a person, what values this field accepts."""
        match self.kind:
            case "id":
                return "an identifier of 1-64 letters, digits, '.', '_', ':' or '-'"
            case "text":
                return (
                    f"text of at most {self.max_length} characters, valid Unicode, "
                    "no control characters but tab and line breaks"
                )
            case "int":
                return f"a whole number from {_num(self.minimum)} to {_num(self.maximum)}"
            case "decimal":
                lowest = "from" if self.inclusive_minimum else "greater than"
                return (
                    f"a number {lowest} {_num(self.minimum)} and at most "
                    f"{_num(self.maximum)} once rounded to 2 decimals"
                )
            case "bool":
                return "true or false"
            case "date":
                return f"a date as YYYY-MM-DD from {EARLIEST} to {LATEST}"
            case "datetime":
                return (
                    "a date-time as ISO 8601 with a time zone, e.g. 2026-03-01T09:30:00+08:00, "
                    f"from {EARLIEST} to {LATEST}"
                )
            case "time":
                return "a time of day as HH:MM (24 hours), e.g. 09:00"
            case "zone":
                return "an IANA time zone name, e.g. Asia/Shanghai or Europe/Berlin"
            case "enum":
                return "one of " + ", ".join(self.choices)
            case "list":
                assert self.item is not None
                return f"a list of at most {self.max_items} items, each {self.item.allowed()}"
            case "record":
                assert self.fields is not None
                return "an object with the fields " + ", ".join(self.fields)
            case "scores":
                return (
                    "an object of up to 20 driver names (identifiers) to whole numbers "
                    f"from {_num(self.minimum)} to {_num(self.maximum)}"
                )
        raise AssertionError(self.kind)

    def clean(self, name: str, value: Any) -> tuple[Any, list[FieldProblem]]:
        """Return the value in its stored (JSON) form, or the problems with it.

        A list or a record names the place of each problem inside it
        (``questions[2].scale``).
        """
        if value is None:
            if self.nullable or not self.required:
                return None, []
            return None, [FieldProblem(name, "is missing", self.allowed())]
        try:
            return _CLEANERS[self.kind](self, value), []
        except PayloadInvalid as inner:
            return None, [_within(name, problem) for problem in inner.problems]
        except (ValueError, TypeError, InvalidOperation, OverflowError) as exc:
            return None, [FieldProblem(name, str(exc) or "is not valid", self.allowed())]

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema fragment of this field.

        A personal field may be null in any event: it is sealed with its
        person's key, and reads as null once that key is destroyed (erasure).
        """
        schema = _SCHEMAS[self.kind](self)
        if self.personal:
            return {
                "anyOf": [schema, {"type": "null"}],
                "description": f"{self.description} {PERSONAL_NOTE}",
                "x-personal-data": True,
            }
        schema["description"] = self.description
        if self.nullable:
            schema = {"anyOf": [schema, {"type": "null"}], "description": self.description}
        return schema


def _within(name: str, problem: FieldProblem) -> FieldProblem:
    """``problem`` of a part of field ``name`` (``[2].scale`` -> ``questions[2].scale``)."""
    inner = problem.field if problem.field.startswith("[") else f".{problem.field}"
    return FieldProblem(f"{name}{inner}", problem.problem, problem.allowed)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _clean_id(spec: Field, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(ID_PATTERN, value):
        raise ValueError(f"{value!r} is not a valid identifier")
    return value


def _clean_text(spec: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    if not value.strip():
        raise ValueError("is empty")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ValueError(f"is {len(value)} characters long")
    if found := _SURROGATE.search(value):
        raise ValueError(
            f"contains a lone surrogate (U+{ord(found.group()):04X}) at character "
            f"{found.start() + 1}: not valid Unicode"
        )
    if found := _CONTROL.search(value):
        raise ValueError(
            f"contains a control character (U+{ord(found.group()):04X}) at character "
            f"{found.start() + 1}"
        )
    return value


def _clean_int(spec: Field, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {value!r}")
    _check_range(spec, value)
    return value


def _clean_decimal(spec: Field, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError(f"expected a number, got {value!r}")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if spec.maximum is not None and number > Decimal(str(spec.maximum)) + 1:
        raise ValueError(f"{value} is too large")  # before rounding a huge number fails
    rounded = number.quantize(Decimal("0.01"))
    shown = f"{value} (rounded: {rounded})" if rounded != number else f"{value}"
    if spec.minimum is not None and (
        rounded < Decimal(str(spec.minimum))
        or (rounded == Decimal(str(spec.minimum)) and not spec.inclusive_minimum)
    ):
        raise ValueError(f"{shown} is too small")
    if spec.maximum is not None and rounded > Decimal(str(spec.maximum)):
        raise ValueError(f"{shown} is too large")
    return str(rounded)


def _clean_bool(spec: Field, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _clean_date(spec: Field, value: Any) -> str:
    if isinstance(value, dt.datetime):
        raise TypeError("expected a date without a time")
    if not isinstance(value, dt.date):
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"{value!r} is not a date")
        value = dt.date.fromisoformat(value)
    _check_era(value)
    return value.isoformat()


def _clean_datetime(spec: Field, value: Any) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date-time") from None
    if not isinstance(value, dt.datetime):
        raise TypeError(f"expected a date-time, got {value!r}")
    if value.tzinfo is None:
        raise ValueError("has no time zone")
    _check_era(value.date())
    return value.astimezone(dt.UTC).isoformat()


def _clean_time(spec: Field, value: Any) -> str:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise ValueError(f"{value!r} is not a time of day")
    return value


@cache
def known_zones() -> frozenset[str]:
    """The IANA time zone names this installation knows (``tzdata``)."""
    return frozenset(zoneinfo.available_timezones())


def _clean_zone(spec: Field, value: Any) -> str:
    if not isinstance(value, str) or value not in known_zones():
        raise ValueError(f"{value!r} is not a known time zone")
    return value


def _clean_list(spec: Field, value: Any) -> list[Any]:
    assert spec.item is not None
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    if spec.max_items is not None and len(value) > spec.max_items:
        raise ValueError(f"has {len(value)} items")
    cleaned, problems = [], []
    for index, item in enumerate(value):
        one, found = spec.item.clean(f"[{index}]", item)
        cleaned.append(one)
        problems += found
    if problems:
        raise PayloadInvalid(problems)
    return cleaned


def _clean_record(spec: Field, value: Any) -> dict[str, Any]:
    assert spec.fields is not None
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return clean_payload(spec.fields, value)


def _check_era(day: dt.date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day.isoformat()} is out of range")


def _clean_enum(spec: Field, value: Any) -> str:
    if value not in spec.choices:
        raise ValueError(f"{value!r} is not one of the choices")
    return value


def _clean_scores(spec: Field, value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or not value or len(value) > 20:
        raise ValueError("expected a non-empty object of at most 20 drivers")
    cleaned: dict[str, int] = {}
    for driver, score in sorted(value.items()):
        _clean_id(spec, driver)
        cleaned[driver] = _clean_int(spec, score)
    return cleaned


def _check_range(spec: Field, value: float) -> None:
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"{value} is too small")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"{value} is too large")


_CLEANERS = {
    "id": _clean_id,
    "text": _clean_text,
    "int": _clean_int,
    "decimal": _clean_decimal,
    "bool": _clean_bool,
    "date": _clean_date,
    "datetime": _clean_datetime,
    "time": _clean_time,
    "zone": _clean_zone,
    "enum": _clean_enum,
    "scores": _clean_scores,
    "list": _clean_list,
    "record": _clean_record,
}


def _bounds(spec: Field) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if spec.minimum is not None:
        bounds["minimum"] = spec.minimum
    if spec.maximum is not None:
        bounds["maximum"] = spec.maximum
    return bounds


_SCHEMAS = {
    "id": lambda s: {"type": "string", "pattern": ID_PATTERN},
    "text": lambda s: {"type": "string", "minLength": 1, "maxLength": s.max_length},
    "int": lambda s: {"type": "integer", **_bounds(s)},
    "decimal": lambda s: {
        "type": "string",
        "pattern": r"^-?\d+\.\d{2}$",
        ("x-minimum" if s.inclusive_minimum else "x-exclusive-minimum"): s.minimum,
        "x-maximum": s.maximum,
    },
    "bool": lambda s: {"type": "boolean"},
    "date": lambda s: {"type": "string", "format": "date"},
    "datetime": lambda s: {"type": "string", "format": "date-time"},
    "time": lambda s: {"type": "string", "pattern": f"^{_TIME.pattern}$"},
    "zone": lambda s: {"type": "string", "minLength": 1, "maxLength": 64, "x-iana-time-zone": True},
    "enum": lambda s: {"type": "string", "enum": list(s.choices)},
    "list": lambda s: {
        "type": "array",
        "items": s.item.json_schema() if s.item else {},
        **({"maxItems": s.max_items} if s.max_items is not None else {}),
    },
    "record": lambda s: object_schema(s.fields or {}),
    "scores": lambda s: {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 20,
        "propertyNames": {"pattern": ID_PATTERN},
        "additionalProperties": {"type": "integer", **_bounds(s)},
    },
}


def object_schema(fields: Mapping[str, Field]) -> dict[str, Any]:
    """The JSON Schema of an object of ``fields`` (a payload, or a record field)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name for name, spec in fields.items() if spec.required],
        "properties": {name: spec.json_schema() for name, spec in fields.items()},
    }


def clean_payload(fields: Mapping[str, Field], data: Any) -> dict[str, Any]:
    """Check ``data`` against ``fields``; return the stored form or raise ``PayloadInvalid``.

    Every problem is reported at once: unknown fields, missing fields, wrong values.
    """
    if not isinstance(data, dict):
        raise PayloadInvalid([FieldProblem("payload", "is not an object", "a JSON object")])
    problems = [
        FieldProblem(name, "is not a field of this event", "fields: " + ", ".join(fields))
        for name in data
        if name not in fields
    ]
    cleaned: dict[str, Any] = {}
    for name, spec in fields.items():
        value, found = spec.clean(name, data.get(name))
        if found:
            problems += found
        elif value is not None or name in data:
            cleaned[name] = value
    if problems:
        raise PayloadInvalid(problems)
    return cleaned
