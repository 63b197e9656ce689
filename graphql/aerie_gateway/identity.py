"""Who is asking: bearer tokens (JWT) verified into an ``Identity``.

A token names its subject (``sub``), its role and the scope claims the role
needs (``site``, ``team``, ``department``); an integration client's token also
names the client (``client``), which can be revoked. Tokens are verified with
PyJWT: signature, issuer, audience, expiry. The embedded default signs its
own tokens with a local key (``aerie token``); a production identity provider
is configured by its public keys or its JWKS URL.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from aerie_services.kit.access import CLIENT_ROLES, ROLES, SCOPE_CLAIMS, Identity
from cryptography.hazmat.primitives.serialization import load_pem_public_key

log = logging.getLogger("aerie.gateway")


VERIFIED_TOKENS_KEPT = 10_000
"""Tokens whose verification is remembered per process (least recently used go first)."""

LOCAL_ALGORITHM = "HS256"
LOCAL_ISSUER = "aerie-local"
"""The issuer of local tokens, whatever issuer an identity provider's tokens name."""


class Unauthenticated(Exception):
    """No usable token: the message says what is missing or wrong."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TokenSettings:
    """How tokens are verified, given by the composition root.

    ``local_key`` signs and verifies the embedded default's tokens (HS256,
    issuer ``aerie-local``); ``public_keys`` (PEM) or ``jwks_url`` verify an
    external provider's (issuer ``issuer``).
    """

    issuer: str = LOCAL_ISSUER
    audience: str = "aerie"
    local_key: bytes | None = None
    public_keys: tuple[str, ...] = ()
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
    leeway_seconds: int = 30


class TokenVerifier:
    """Turns a bearer token into an ``Identity`` or raises ``Unauthenticated``."""

    def __init__(self, settings: TokenSettings) -> None:
        if not (settings.local_key or settings.public_keys or settings.jwks_url):
            raise ValueError("no key to verify tokens with: give a local key, keys or a JWKS URL")
        self.settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwks_url, lifespan=300, timeout=2)
            if settings.jwks_url
            else None
        )
        self._public = [load_pem_public_key(pem.encode()) for pem in settings.public_keys]
        self._verified: OrderedDict[str, tuple[Identity, float]] = OrderedDict()

    @property
    def needs_network(self) -> bool:
        """Whether verifying may fetch keys (then run it off the event loop)."""
        return self._jwks is not None

    def verify(self, token: str) -> Identity:
        """The token's identity; a token verified before is not verified again until it expires.

        A token is immutable: once its signature, issuer and audience held, only
        its expiry can change the answer, and that is checked on every request.
        """
        known = self._verified.get(token)
        if known is not None:
            identity, expires = known
            if time.time() <= expires + self.settings.leeway_seconds:
                self._verified.move_to_end(token)
                return identity
            del self._verified[token]
        header = self._header(token)
        claims = self._claims(token, header)
        identity = identity_from_claims(claims)
        self._verified[token] = (identity, float(claims["exp"]))
        if len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)
        return identity

    @staticmethod
    def _header(token: str) -> dict[str, Any]:
        try:
            return jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the bearer token is not a JWT") from None

    def _claims(self, token: str, header: dict[str, Any]) -> dict[str, Any]:
        algorithm = header.get("alg")
        issuer = LOCAL_ISSUER if algorithm == LOCAL_ALGORITHM else self.settings.issuer
        options = {"require": ["exp", "iat", "sub", "iss", "aud"]}
        common: dict[str, Any] = {
            "audience": self.settings.audience,
            "issuer": issuer,
            "leeway": self.settings.leeway_seconds,
            "options": options,
        }
        last: jwt.PyJWTError | None = None
        for key, algorithms in self._keys(header, algorithm):
            try:
                return jwt.decode(token, key, algorithms=algorithms, **common)
            except jwt.InvalidSignatureError as error:
                last = error
            except jwt.ExpiredSignatureError:
                raise Unauthenticated("the bearer token has expired: ask for a new one") from None
            except jwt.InvalidAudienceError:
                raise Unauthenticated(
                    f"the bearer token is not for this API (audience {self.settings.audience!r})"
                ) from None
            except jwt.InvalidIssuerError:
                raise Unauthenticated(f"the bearer token was not issued by {issuer!r}") from None
            except jwt.MissingRequiredClaimError as error:
                raise Unauthenticated(f"the bearer token has no {error.claim!r} claim") from None
            except jwt.PyJWTError as error:
                last = error
        if isinstance(last, jwt.InvalidSignatureError):
            raise Unauthenticated("the bearer token's signature does not verify")
        raise Unauthenticated("the bearer token cannot be verified with the configured keys")

    def _keys(self, header: dict[str, Any], algorithm: Any) -> list[tuple[Any, list[str]]]:
        keys: list[tuple[Any, list[str]]] = []
        if algorithm == LOCAL_ALGORITHM and self.settings.local_key:
            keys.append((self.settings.local_key, [LOCAL_ALGORITHM]))
        if algorithm in self.settings.algorithms:
            keys += [(key, [str(algorithm)]) for key in self._public]
            if self._jwks is not None and header.get("kid"):
                try:
                    keys.append((self._jwks.get_signing_key(header["kid"]).key, [str(algorithm)]))
                except jwt.PyJWKClientError as error:
                    log.warning("no published key for a token's kid: %s", error)
                    raise Unauthenticated(
                        "the token's key is not among the identity provider's published keys"
                    ) from None
        if not keys:
            allowed = [LOCAL_ALGORITHM] if self.settings.local_key else []
            allowed += list(self.settings.algorithms) if self._public or self._jwks else []
            raise Unauthenticated(
                f"the bearer token is signed with {algorithm!r}; allowed: {', '.join(allowed)}"
            )
        return keys


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """The identity a verified token's claims describe; refused when its scope is incomplete."""
    role = claims.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise Unauthenticated(f"the token's role {role!r} is not one of: {', '.join(ROLES)}")
    missing = [c for c in SCOPE_CLAIMS.get(str(role), ()) if not claims.get(c)]
    if missing:
        raise Unauthenticated(f"a {role} token needs the claim(s): {', '.join(missing)}")
    client = claims.get("client")
    if client and role not in CLIENT_ROLES:
        raise Unauthenticated(f"a client token's role must be one of: {', '.join(CLIENT_ROLES)}")
    if role in CLIENT_ROLES and not client:
        raise Unauthenticated(
            f"a {role} token names its client (claim 'client'): integration clients get "
            "tokens from POST /token with their credential (`aerie client add`)"
        )
    if not isinstance(claims.get("sub"), str) or not all(
        isinstance(claims.get(c), str | None) for c in ("site", "team", "department", "client")
    ):
        raise Unauthenticated("the token's sub, site, team, department and client must be text")
    return Identity(
        subject=str(claims["sub"]),
        role=str(role),
        site=_text(claims.get("site")),
        team=_text(claims.get("team")),
        department=_text(claims.get("department")),
        client=_text(client),
        token_id=_text(claims.get("jti")),
    )


def issue_token(
    settings: TokenSettings,
    *,
    role: str,
    subject: str,
    site: str | None = None,
    team: str | None = None,
    department: str | None = None,
    client: str | None = None,
    valid_seconds: int = 12 * 3600,
) -> str:
    """A token signed with the local key; checked the way the gateway will check it."""
    if settings.local_key is None:
        raise ValueError("tokens are issued by the identity provider: no local key is configured")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": LOCAL_ISSUER,
        "aud": settings.audience,
        "sub": subject,
        "iat": now,
        "exp": now + valid_seconds,
        "jti": uuid.uuid4().hex,
        "role": role,
    }
    claims.update(
        {k: v for k, v in (("site", site), ("team", team), ("department", department)) if v}
    )
    if client:
        claims["client"] = client
    identity_from_claims(claims)  # refuse a token the gateway would refuse
    return jwt.encode(claims, settings.local_key, algorithm=LOCAL_ALGORITHM)


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer ...`` header, or ``Unauthenticated``."""
    if not authorization:
        raise Unauthenticated(
            "no bearer token: send 'Authorization: Bearer <token>' "
            "(the embedded platform issues one with `aerie token --role ROLE --subject ID`)"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
