"""The key ring: one AES key per person, kept in PostgreSQL, destroyable.

Personal fields of a fact are sealed with the key of the person the fact is
about (see ``aerie_events.codec``). Destroying that key erases the person's
personal data from every event ever recorded, without rewriting history
(crypto-shredding). A destroyed key leaves a row behind (``destroyed_at``) so
that nothing personal is ever recorded for that person again.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from aerie_events.codec import new_subject_key
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg.rows import tuple_row

KEYRING_DDL = """
CREATE TABLE IF NOT EXISTS aerie_subject_keys (
    key_id text PRIMARY KEY,
    wrapped_key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz
)
"""

CACHE_SIZE = 100_000
NONCE_BYTES = 12

_ENSURE = """
WITH wanted AS (
    SELECT * FROM unnest(%s::text[], %s::bytea[]) AS w(key_id, wrapped_key)
), created AS (
    INSERT INTO aerie_subject_keys (key_id, wrapped_key)
    SELECT key_id, wrapped_key FROM wanted
    ON CONFLICT (key_id) DO NOTHING
    RETURNING key_id, wrapped_key, destroyed_at
)
SELECT key_id, wrapped_key, destroyed_at IS NOT NULL FROM created
UNION ALL
SELECT k.key_id, k.wrapped_key, k.destroyed_at IS NOT NULL
FROM aerie_subject_keys k JOIN wanted w ON w.key_id = k.key_id
"""

_SELECT = """
SELECT key_id, wrapped_key, destroyed_at IS NOT NULL
FROM aerie_subject_keys WHERE key_id = ANY(%s::text[])
"""

_LIVE = """
SELECT key_id, wrapped_key
FROM aerie_subject_keys WHERE key_id = ANY(%s::text[]) AND destroyed_at IS NULL
"""

_DESTROY = """
UPDATE aerie_subject_keys SET wrapped_key = NULL, destroyed_at = now()
WHERE key_id = %s AND destroyed_at IS NULL
RETURNING key_id
"""

_TOMBSTONE = """
INSERT INTO aerie_subject_keys (key_id, wrapped_key, destroyed_at) VALUES (%s, NULL, now())
ON CONFLICT (key_id) DO NOTHING
"""

Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]


class SubjectErased(ValueError):
    """A person's key was destroyed: nothing personal may be recorded for them again."""

    code = "SUBJECT_ERASED"

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__(
            f"personal data of {key_id} was erased; nothing personal can be recorded for them again"
        )


class KeyUnwrapFailed(ValueError):
    """A stored key does not open with the master key given (wrong or missing master key)."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__(f"the stored key of {key_id} does not open with the master key given")


class PostgresKeyRing:
    """Per-person keys in the ``aerie_subject_keys`` table.

    ``connection()`` yields a psycopg connection (any row factory, autocommit
    or not). With ``master_key`` (16, 24 or 32 bytes) every person's key is
    stored wrapped with AES-GCM under it; without one keys are stored raw,
    which is for development only: production should give a master key, kept
    outside the database.

    The writing side calls ``ensure`` and seals with the keys it returns; the
    reading side calls ``keys_of`` and hands the mapping to
    ``EventCodec.envelope``. ``ensure`` caches live keys in this process;
    a key destroyed by another process is refused by ``ensure`` here once it
    left the cache, and whatever is sealed with it meanwhile is unreadable,
    since readers never cache.
    """

    def __init__(self, connection: Connect, master_key: bytes | None = None) -> None:
        self._connection = connection
        self._master = AESGCM(master_key) if master_key is not None else None
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_lock = threading.Lock()

    def ensure(self, key_ids: Collection[str]) -> dict[str, bytes]:
        """The keys of these persons, creating the missing ones, in one round trip.

        Raises ``SubjectErased`` when a person's key was destroyed.
        """
        keys = self._cached(key_ids)
        wanted = sorted(set(key_ids) - keys.keys())
        if not wanted:
            return keys
        fresh = [self._wrap(key_id, new_subject_key()) for key_id in wanted]
        with self._transaction() as cursor:
            rows = cursor.execute(_ENSURE, (wanted, fresh)).fetchall()
            found = {row[0] for row in rows}
            if len(found) < len(wanted):  # created meanwhile by a concurrent writer
                late = [key_id for key_id in wanted if key_id not in found]
                rows += cursor.execute(_SELECT, (late,)).fetchall()
        stored = self._live_keys(rows)
        self._remember(stored)
        return {**keys, **stored}

    def keys_of(self, key_ids: Collection[str]) -> dict[str, bytes]:
        """The keys of these persons that exist and were not destroyed; read afresh each time."""
        if not key_ids:
            return {}
        with self._transaction() as cursor:
            rows = cursor.execute(_LIVE, (list(set(key_ids)),)).fetchall()
        return {key_id: self._unwrap(key_id, wrapped) for key_id, wrapped in rows}

    def destroy(self, key_id: str) -> bool:
        """Erase a person's key; return whether a live key was destroyed.

        A person without a key is marked erased too, so that nothing personal
        is recorded for them afterwards.
        """
        with self._cache_lock:
            self._cache.pop(key_id, None)
        with self._transaction() as cursor:
            destroyed = cursor.execute(_DESTROY, (key_id,)).fetchone() is not None
            if not destroyed:
                cursor.execute(_TOMBSTONE, (key_id,))
        with self._cache_lock:
            self._cache.pop(key_id, None)
        return destroyed

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[tuple[Any, ...]]]:
        """A tuple-row cursor in a transaction of its own, whatever the connection's settings."""
        with (
            self._connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=tuple_row) as cursor,
        ):
            yield cursor

    # -- keys -----------------------------------------------------------------

    def _live_keys(self, rows: Iterable[tuple[str, bytes | None, bool]]) -> dict[str, bytes]:
        keys: dict[str, bytes] = {}
        for key_id, wrapped, destroyed in rows:
            if destroyed or wrapped is None:
                raise SubjectErased(key_id)
            keys[key_id] = self._unwrap(key_id, wrapped)
        return keys

    def _wrap(self, key_id: str, key: bytes) -> bytes:
        if self._master is None:
            return key
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._master.encrypt(nonce, key, key_id.encode())

    def _unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        if self._master is None:
            return bytes(wrapped)
        try:
            return self._master.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], key_id.encode()
            )
        except InvalidTag:
            raise KeyUnwrapFailed(key_id) from None

    # -- cache ----------------------------------------------------------------

    def _cached(self, key_ids: Iterable[str]) -> dict[str, bytes]:
        keys: dict[str, bytes] = {}
        with self._cache_lock:
            for key_id in key_ids:
                key = self._cache.get(key_id)
                if key is not None:
                    self._cache.move_to_end(key_id)
                    keys[key_id] = key
        return keys

    def _remember(self, keys: dict[str, bytes]) -> None:
        with self._cache_lock:
            self._cache.update(keys)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
