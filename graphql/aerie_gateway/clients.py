"""Integration clients: each site publisher, the HRIS and the LMS has its own credential.

A client is registered with a role and (for a site publisher) its site; it
gets a client id and a secret, shown once. ``POST /token`` exchanges them
for a short-lived bearer token naming the client. Only a hash of the secret
is kept. Revoking a client refuses its secret at once and every token it
was given on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import AsyncConnection

from aerie_gateway.identity import CLIENT_ROLES, SCOPE_CLAIMS

CLIENTS_DDL = """
CREATE TABLE IF NOT EXISTS aerie_clients (
    client_id text PRIMARY KEY,
    secret_sha256 bytea NOT NULL,
    role text NOT NULL,
    site_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
"""

TOKEN_KEY = """
INSERT INTO aerie_secrets (name, value)
    VALUES ('token-signing', sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
    ON CONFLICT (name) DO NOTHING;
"""

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "integration clients and their hashed secrets", CLIENTS_DDL),
    (2, "the key local bearer tokens are signed with (unless AERIE_TOKEN_KEY is set)", TOKEN_KEY),
)
"""``(version, name, SQL)`` of the gateway's own tables."""


class ClientRefused(Exception):
    """A client registration or credential that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class Client:
    client_id: str
    role: str
    site_id: str | None
    revoked: bool


def add_client(
    conn: psycopg.Connection[Any], client_id: str, role: str, site_id: str | None = None
) -> str:
    """Register a client; return its secret (kept only as a hash: show it once)."""
    if role not in CLIENT_ROLES:
        raise ClientRefused(f"a client's role is one of {', '.join(CLIENT_ROLES)}, not {role!r}")
    if "site" in SCOPE_CLAIMS.get(role, ()) and not site_id:
        raise ClientRefused(f"a {role} client needs --site: the site it publishes for")
    secret = secrets.token_urlsafe(32)
    if not _register(conn, client_id, secret, role, site_id):
        raise ClientRefused(f"a client {client_id!r} exists already: revoke it or pick another id")
    return secret


def ensure_client(
    conn: psycopg.Connection[Any], client_id: str, role: str, site_id: str | None = None
) -> Client:
    """The client ``client_id``, registered (with a secret nobody knows) when it is new."""
    _register(conn, client_id, secrets.token_urlsafe(32), role, site_id)
    return find_client(conn, client_id)  # type: ignore[return-value]


def find_client(conn: psycopg.Connection[Any], client_id: str) -> Client | None:
    row = conn.execute(f"{CLIENT_ROWS} WHERE client_id = %s", (client_id,)).fetchone()
    return Client(*row) if row else None


def revoke_client(conn: psycopg.Connection[Any], client_id: str) -> bool:
    """Revoke a client; False when no such active client exists."""
    return bool(
        conn.execute(
            "UPDATE aerie_clients SET revoked_at = now() "
            "WHERE client_id = %s AND revoked_at IS NULL",
            (client_id,),
        ).rowcount
    )


def list_clients(conn: psycopg.Connection[Any]) -> list[Client]:
    rows = conn.execute(f"{CLIENT_ROWS} ORDER BY client_id").fetchall()
    return [Client(*row) for row in rows]


async def client_with_secret(
    conn: AsyncConnection[Any], client_id: str, secret: str
) -> Client | None:
    """The active client these credentials belong to, or None (same answer for any mismatch)."""
    cur = await conn.execute(
        "SELECT client_id, role, site_id, secret_sha256 FROM aerie_clients "
        "WHERE client_id = %s AND revoked_at IS NULL",
        (client_id,),
    )
    row = await cur.fetchone()
    if row is None:
        hmac.compare_digest(_digest(secret), _digest(""))  # same work either way
        return None
    if not hmac.compare_digest(bytes(row[3]), _digest(secret)):
        return None
    return Client(row[0], row[1], row[2], revoked=False)


async def is_active(conn: AsyncConnection[Any], client_id: str) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM aerie_clients WHERE client_id = %s AND revoked_at IS NULL", (client_id,)
    )
    return await cur.fetchone() is not None


CLIENT_ROWS = "SELECT client_id, role, site_id, revoked_at IS NOT NULL FROM aerie_clients"


def _register(
    conn: psycopg.Connection[Any], client_id: str, secret: str, role: str, site_id: str | None
) -> bool:
    """Insert the client with the hash of ``secret``; False when the id is taken."""
    return bool(
        conn.execute(
            "INSERT INTO aerie_clients (client_id, secret_sha256, role, site_id) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (client_id, _digest(secret), role, site_id),
        ).rowcount
    )


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()
