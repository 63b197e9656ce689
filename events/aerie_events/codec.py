"""The event codec: stored event state in, the envelope consumers see out.

Stored events are written by the ``eventsourcing`` library's JSON transcoder.
The state of an Aerie fact is a JSON object with the library's ``timestamp``
(``{"_type_": "datetime_iso", "_data_": ...}``), the fact's ``meta`` (its type,
when and where it happened, who did it, ...) and its ``payload``. A state
without ``meta`` is one of the library's own aggregate events, not a fact.

Two things happen between the stored state and the envelope:

- **Per-person encryption.** Fields the catalog marks ``personal`` are sealed
  with the key of the person the fact is about (``meta.key_id``), with
  AES-256-GCM. Destroying that key (crypto-shredding) erases the person's
  personal data everywhere without rewriting history: a sealed field whose key
  is gone reads as ``None``.
- **Upcasting.** A payload stored at an older schema version is brought to the
  catalog's current version, one version at a time, by the upcasters (see
  each context's ``UPCASTERS`` in ``aerie_events.catalog``).

The codec knows no database and reads no configuration: the caller passes
the keys it holds (e.g. from ``PostgresKeyRing.keys_of``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aerie_events.catalog import CATALOG, UPCASTERS, EventType, Upcaster
from aerie_events.envelope import Envelope

__all__ = [
    "SEALED_PREFIX",
    "EventCodec",
    "StoredFact",
    "Undecodable",
    "Upcaster",
    "check_upcasters",
    "new_subject_key",
    "seal_payload",
]

SEALED_PREFIX = "sealed:v1:"
SUBJECT_KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

ENVELOPE_META_KEYS = frozenset(
    {
        "type",
        "occurred_at",
        "site_id",
        "employee_id",
        "actor",
        "source",
        "correlation_id",
        "causation_id",
        "policy_version",
    }
)
"""The meta keys every stored fact carries: the envelope is made of them."""


class Undecodable(ValueError):
    """A stored event the codec cannot turn into an envelope.

    The message says what is wrong and where (event type, schema version,
    field); it never contains a personal value. ``reason`` is what is wrong.
    """

    def __init__(
        self,
        reason: str,
        *,
        event_type: str | None = None,
        schema_version: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.event_type = event_type
        self.schema_version = schema_version
        self.field = field
        where = [
            f"type {event_type!r}" if event_type is not None else "",
            f"schema version {schema_version}" if schema_version is not None else "",
            f"field {field!r}" if field is not None else "",
        ]
        place = ", ".join(part for part in where if part)
        super().__init__(
            f"stored event ({place}): {reason}" if place else f"stored event: {reason}"
        )


@dataclass(frozen=True, slots=True)
class StoredFact:
    """A catalog fact as stored: its payload still sealed and at its stored schema version."""

    type: str
    schema_version: int
    key_id: str | None
    meta: dict[str, Any]
    payload: dict[str, Any]
    recorded_at: str


def check_upcasters(
    catalog: Mapping[str, EventType], upcasters: Mapping[tuple[str, int], Upcaster]
) -> None:
    """Raise ``ValueError`` naming every upcaster that is missing or out of place.

    A type at schema version N needs an upcaster from each of the versions
    1 .. N-1; an upcaster must name a catalog type and a version below its current one.
    """
    problems = [
        f"{name} is at schema version {event.schema_version} "
        f"but has no upcaster from version {version} to {version + 1}"
        for name, event in catalog.items()
        for version in range(1, event.schema_version)
        if (name, version) not in upcasters
    ]
    for name, version in upcasters:
        if name not in catalog:
            problems.append(f"an upcaster names {name!r}, which is not a catalog type")
        elif not 1 <= version < catalog[name].schema_version:
            problems.append(
                f"the upcaster of {name} from version {version} does not lead to its "
                f"current schema version {catalog[name].schema_version}"
            )
    if problems:
        raise ValueError("upcasters do not match the catalog: " + "; ".join(problems))


def new_subject_key() -> bytes:
    """A fresh AES-256 key for one person."""
    return os.urandom(SUBJECT_KEY_BYTES)


def seal_payload(
    event: EventType, payload: dict[str, Any], *, key_id: str, key: bytes
) -> dict[str, Any]:
    """A copy of ``payload`` with every personal field sealed with the person's key.

    A sealed value is ``"sealed:v1:" + urlsafe_b64(nonce + AES-GCM ciphertext)``
    of the field's JSON value. The associated data binds the key id, the event
    type and the field name, so a sealed value moved to another person, event
    or field does not open. ``None`` values are left as they are.
    """
    cipher = AESGCM(key)
    sealed = dict(payload)
    for name in _personal_fields(event):
        value = payload.get(name)
        if value is not None:
            sealed[name] = _seal_value(cipher, value, _binding(key_id, event.name, name))
    return sealed


class EventCodec:
    """Reads stored event state and builds envelopes at the catalog's current versions."""

    def __init__(
        self,
        catalog: Mapping[str, EventType] = CATALOG,
        upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS,
    ) -> None:
        check_upcasters(catalog, upcasters)
        self.catalog = catalog
        self.upcasters = upcasters
        self._personal = {name: _personal_fields(event) for name, event in catalog.items()}

    def read(self, state: bytes) -> StoredFact | None:
        """The fact stored in ``state``, or ``None`` for a library-internal event.

        Raises ``Undecodable`` for state that is not UTF-8 JSON, a fact that
        lacks meta keys, payload or timestamp, or a type the catalog does not know.
        """
        try:
            stored = orjson.loads(state)
        except orjson.JSONDecodeError:
            stored = _strict_json(state)  # raises, saying what is wrong and where
        if not isinstance(stored, dict):
            raise Undecodable("is not a JSON object")
        meta = stored.get("meta")
        if meta is None:
            return None
        return self._fact_of(stored, meta)

    def envelope(
        self,
        fact: StoredFact,
        *,
        event_id: UUID,
        position: int,
        context: str,
        keys: Mapping[str, bytes],
    ) -> Envelope:
        """The envelope of ``fact``, its personal fields opened and its payload upcast.

        ``keys`` maps key ids to the keys still held. A sealed field whose key
        is not in ``keys`` (destroyed) reads as ``None``; a sealed value that
        does not open with the key given raises ``Undecodable``, as does a
        payload with no path of upcasters to the current version.
        """
        current = self.catalog[fact.type].schema_version
        payload = fact.payload
        if fact.key_id is not None:
            payload = self._opened(fact, keys.get(fact.key_id), current)
        if fact.schema_version != current:
            payload = self._upcast(fact, payload, current)
        meta = fact.meta
        return Envelope(
            event_id=event_id,
            type=fact.type,
            schema_version=current,
            occurred_at=meta["occurred_at"],
            recorded_at=fact.recorded_at,
            position=position,
            context=context,
            site_id=meta["site_id"],
            employee_id=meta["employee_id"],
            actor=meta["actor"],
            source=meta["source"],
            correlation_id=meta["correlation_id"],
            causation_id=meta["causation_id"],
            policy_version=meta["policy_version"],
            payload=payload,
        )

    def decode(
        self,
        state: bytes,
        *,
        event_id: UUID,
        position: int,
        context: str,
        keys: Mapping[str, bytes],
    ) -> Envelope | None:
        """``read`` then ``envelope``: the envelope of ``state``, or ``None`` for an internal event."""
        fact = self.read(state)
        if fact is None:
            return None
        return self.envelope(fact, event_id=event_id, position=position, context=context, keys=keys)

    # -- reading --------------------------------------------------------------

    def _fact_of(self, stored: dict[str, Any], meta: Any) -> StoredFact:
        if not isinstance(meta, dict):
            raise Undecodable("meta is not a JSON object")
        kind = meta.get("type")
        if kind is None:
            raise Undecodable("meta lacks type")
        if not isinstance(kind, str) or kind not in self.catalog:
            raise Undecodable("is not a catalog type", event_type=str(kind)[:64])
        version = meta.get("schema_version", 1)
        if type(version) is not int or version < 1:
            raise Undecodable("schema_version is not a whole number from 1", event_type=kind)
        if not meta.keys() >= ENVELOPE_META_KEYS:
            missing = ENVELOPE_META_KEYS - meta.keys()
            raise Undecodable(
                "meta lacks " + ", ".join(sorted(missing)), event_type=kind, schema_version=version
            )
        key_id = meta.get("key_id")
        if key_id is not None and not isinstance(key_id, str):
            raise Undecodable("key_id is not text", event_type=kind, schema_version=version)
        payload = stored.get("payload")
        if not isinstance(payload, dict):
            raise Undecodable("has no payload object", event_type=kind, schema_version=version)
        return StoredFact(kind, version, key_id, meta, payload, _recorded_at(stored, kind, version))

    # -- opening --------------------------------------------------------------

    def _opened(self, fact: StoredFact, key: bytes | None, current: int) -> dict[str, Any]:
        """The payload with its sealed fields opened, or set to ``None`` when ``key`` is gone.

        A field is opened when the catalog marks it personal or, for a payload
        stored at an older version, when the current catalog no longer names
        it (its upcaster renames or drops it).
        """
        fields = self.catalog[fact.type].fields
        cipher = _cipher_of(fact, key)
        opened = dict(fact.payload)
        for name, value in fact.payload.items():
            if not (isinstance(value, str) and value.startswith(SEALED_PREFIX)):
                continue
            if name not in self._personal[fact.type] and (
                fact.schema_version == current or name in fields
            ):
                continue
            if cipher is None or fact.key_id is None:  # its key is gone: erased
                opened[name] = None
                continue
            try:
                opened[name] = _open_value(cipher, value, _binding(fact.key_id, fact.type, name))
            except Undecodable as error:
                raise Undecodable(
                    error.reason,
                    event_type=fact.type,
                    schema_version=fact.schema_version,
                    field=name,
                ) from None
        return opened

    # -- upcasting ------------------------------------------------------------

    def _upcast(self, fact: StoredFact, payload: dict[str, Any], current: int) -> dict[str, Any]:
        if fact.schema_version > current:
            raise Undecodable(
                f"is newer than the catalog's schema version {current}",
                event_type=fact.type,
                schema_version=fact.schema_version,
            )
        for version in range(fact.schema_version, current):
            upcaster = self.upcasters.get((fact.type, version))
            if upcaster is None:
                raise Undecodable(
                    f"has no upcaster from version {version} to {version + 1}",
                    event_type=fact.type,
                    schema_version=fact.schema_version,
                )
            payload = upcaster(payload)
        return payload


def _recorded_at(stored: dict[str, Any], kind: str, version: int) -> str:
    timestamp = stored.get("timestamp")
    recorded_at = timestamp.get("_data_") if isinstance(timestamp, dict) else None
    if not isinstance(recorded_at, str):
        raise Undecodable("has no timestamp", event_type=kind, schema_version=version)
    return recorded_at


def _cipher_of(fact: StoredFact, key: bytes | None) -> AESGCM | None:
    if key is None:
        return None
    try:
        return AESGCM(key)
    except (TypeError, ValueError):
        raise Undecodable(
            f"the key {fact.key_id!r} is not an AES key",
            event_type=fact.type,
            schema_version=fact.schema_version,
        ) from None


def _strict_json(state: bytes) -> Any:
    """``state`` parsed by the standard library, whose errors say where; ``Undecodable``."""
    try:
        return json.loads(state)
    except UnicodeDecodeError as error:
        raise Undecodable(f"is not UTF-8 (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise Undecodable(
            f"is not JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None


def _personal_fields(event: EventType) -> frozenset[str]:
    return frozenset(name for name, spec in event.fields.items() if spec.personal)


def _binding(key_id: str, event_type: str, field: str) -> bytes:
    """The associated data of a sealed value: whose it is, and where it belongs."""
    return json.dumps(["aerie-sealed-v1", key_id, event_type, field]).encode()


def _seal_value(cipher: AESGCM, value: Any, binding: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(value, separators=(",", ":")).encode()
    token = base64.urlsafe_b64encode(nonce + cipher.encrypt(nonce, plain, binding))
    return SEALED_PREFIX + token.decode("ascii")


def _open_value(cipher: AESGCM, sealed: str, binding: bytes) -> Any:
    try:
        raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX) :])
    except (binascii.Error, ValueError):
        raise Undecodable("sealed value is not base64") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise Undecodable("sealed value is too short")
    try:
        plain = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], binding)
    except InvalidTag:
        raise Undecodable(
            "sealed value does not open with its person's key for this event and field"
        ) from None
    return json.loads(plain)
