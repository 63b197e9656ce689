"""Bearer tokens: what the gateway accepts as an identity, and what it refuses."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from aerie_gateway.identity import (
    Identity,
    TokenSettings,
    TokenVerifier,
    Unauthenticated,
    bearer_token,
    issue_token,
)
from aerie_gateway.permissions import COMPANY, SELF, SITE, TEAM, Placement, reaches
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LOCAL = TokenSettings(local_key=b"k" * 32)


def refusal(settings: TokenSettings, token: str) -> str:
    with pytest.raises(Unauthenticated) as refused:
        TokenVerifier(settings).verify(token)
    return refused.value.message


def test_a_local_token_names_its_subject_role_and_scope() -> None:
    token = issue_token(LOCAL, role="team_lead", subject="L-1", site="s1", team="t1")
    identity = TokenVerifier(LOCAL).verify(token)
    assert identity == Identity("L-1", "team_lead", "s1", "t1", token_id=identity.token_id)
    assert identity.actor == {"kind": "person", "id": "L-1", "role": "team_lead"}


def test_an_expired_token_is_refused_saying_so() -> None:
    token = issue_token(LOCAL, role="agent", subject="A-1", valid_seconds=-120)
    assert "expired" in refusal(LOCAL, token)


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = issue_token(TokenSettings(local_key=b"x" * 32), role="admin", subject="mallory")
    assert "signature" in refusal(LOCAL, token)


def test_a_forged_role_claim_breaks_the_signature() -> None:
    token = issue_token(LOCAL, role="agent", subject="A-1")
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.utils.base64url_encode(json.dumps({**claims, "role": "admin"}).encode()).decode()
    assert "signature" in refusal(LOCAL, f"{header}.{forged}.{signature}")


def test_an_unsigned_token_is_refused() -> None:
    now = int(time.time())
    claims = {"sub": "x", "role": "admin", "iss": "aerie-local", "aud": "aerie"}
    token = jwt.encode({**claims, "iat": now, "exp": now + 60}, key=None, algorithm="none")
    assert "'none'" in refusal(LOCAL, token)


def local_token(**claims: object) -> str:
    """A token signed with the local key whatever its claims (as a forger holding it would)."""
    now = int(time.time())
    body = {"sub": "a", "role": "admin", "iss": "aerie-local", "aud": "aerie", "iat": now}
    return jwt.encode({**body, "exp": now + 60, **claims}, LOCAL.local_key, algorithm="HS256")


def test_a_token_for_another_audience_or_issuer_is_refused() -> None:
    assert "audience" in refusal(LOCAL, local_token(aud="payroll"))
    assert "issued" in refusal(LOCAL, local_token(iss="elsewhere"))


def test_a_token_without_an_expiry_or_subject_is_refused() -> None:
    now = int(time.time())
    claims = {"sub": "a", "role": "admin", "iss": "aerie-local", "aud": "aerie", "iat": now}
    no_expiry = jwt.encode(claims, LOCAL.local_key, algorithm="HS256")
    assert "'exp'" in refusal(LOCAL, no_expiry)
    assert "'sub'" in refusal(LOCAL, local_token(sub=None))


def test_a_role_or_scope_that_is_not_text_is_refused_not_a_crash() -> None:
    assert "not one of" in refusal(LOCAL, local_token(role=["admin"]))
    assert "must be text" in refusal(LOCAL, local_token(role="site_manager", site=["s1", "s2"]))


def test_an_integration_role_without_its_client_is_refused() -> None:
    assert "names its client" in refusal(LOCAL, local_token(role="lms"))
    token = issue_token(LOCAL, role="lms", subject="client:lms-1", client="lms-1")
    assert TokenVerifier(LOCAL).verify(token).client == "lms-1"


def test_a_role_without_its_scope_claims_gets_no_token() -> None:
    with pytest.raises(Unauthenticated, match="site, team"):
        issue_token(LOCAL, role="team_lead", subject="L-1")
    with pytest.raises(Unauthenticated, match="not one of"):
        issue_token(LOCAL, role="superuser", subject="L-1")


def test_the_authorization_header_must_be_a_bearer_token() -> None:
    with pytest.raises(Unauthenticated, match="no bearer token"):
        bearer_token(None)
    with pytest.raises(Unauthenticated, match="Bearer <token>"):
        bearer_token("Basic dXNlcjpwYXNz")
    assert bearer_token("Bearer abc") == "abc"


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    """A JWKS endpoint on loopback publishing one RSA key, as an identity provider would."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "idp-1", "use": "sig", "alg": "RS256"}]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    server.shutdown()


def provider_token(key: rsa.RSAPrivateKey, kid: str = "idp-1", **claims: object) -> str:
    now = int(time.time())
    body = {"sub": "N-1", "role": "agent", "iss": "https://idp", "aud": "aerie", "iat": now}
    return jwt.encode(
        {**body, "exp": now + 300, **claims}, key, algorithm="RS256", headers={"kid": kid}
    )


def test_a_token_from_an_identity_provider_is_verified_with_its_published_keys(
    identity_provider: tuple[str, rsa.RSAPrivateKey],
) -> None:
    url, key = identity_provider
    settings = TokenSettings(issuer="https://idp", jwks_url=url)
    identity = TokenVerifier(settings).verify(provider_token(key))
    assert (identity.subject, identity.role) == ("N-1", "agent")


def test_a_provider_token_with_a_key_it_does_not_publish_is_refused(
    identity_provider: tuple[str, rsa.RSAPrivateKey],
) -> None:
    url, _key = identity_provider
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings = TokenSettings(issuer="https://idp", jwks_url=url)
    assert "published keys" in refusal(settings, provider_token(stranger, kid="other"))
    assert "signature" in refusal(settings, provider_token(stranger))


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_a_provider_public_key_used_as_an_hmac_secret_is_refused(
    identity_provider: tuple[str, rsa.RSAPrivateKey],
) -> None:
    _url, key = identity_provider
    pem = public_pem(key)
    settings = TokenSettings(issuer="https://idp", public_keys=(pem.decode(),))
    now = int(time.time())
    claims = {"sub": "x", "role": "admin", "iss": "https://idp", "aud": "aerie", "iat": now}
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    body = jwt.utils.base64url_encode(json.dumps({**claims, "exp": now + 60}).encode())
    signed = hmac.new(pem, header + b"." + body, hashlib.sha256).digest()
    confused = b".".join([header, body, jwt.utils.base64url_encode(signed)]).decode()
    assert "HS256" in refusal(settings, confused)


def test_a_provider_key_can_be_configured_as_a_pem_file_instead(
    identity_provider: tuple[str, rsa.RSAPrivateKey],
) -> None:
    _url, key = identity_provider
    pem = public_pem(key)
    settings = TokenSettings(issuer="https://idp", public_keys=(pem.decode(),))
    assert TokenVerifier(settings).verify(provider_token(key)).subject == "N-1"


@pytest.mark.parametrize(
    ("scope", "target", "reached"),
    [
        (SELF, Placement("A-1", "s1", "t1"), True),
        (SELF, Placement("A-2", "s1", "t1"), False),
        (TEAM, Placement("A-2", "s1", "t1"), True),
        (TEAM, Placement("A-3", "s1", "t2"), False),
        (TEAM, Placement("A-4", "s2", "t1"), False),
        (SITE, Placement("A-3", "s1", "t2"), True),
        (SITE, Placement("A-5", "s2", "t9"), False),
        (SITE, None, False),
        (COMPANY, None, True),
    ],
)
def test_a_scope_reaches_only_its_own_people(
    scope: object, target: Placement | None, reached: bool
) -> None:
    caller = Identity("A-1", "agent", site="s1", team="t1")
    assert reaches(caller, scope, target) is reached  # type: ignore[arg-type]


def test_someone_placed_nowhere_is_in_no_team_or_site_even_of_a_caller_without_one() -> None:
    unplaced = Identity("L-1", "team_lead")  # a token that names no site or team
    someone = Placement("A-9")  # known by id only: not yet in the read model
    assert not reaches(unplaced, TEAM, someone)
    assert not reaches(unplaced, SITE, someone)
    assert reaches(Identity("A-9", "agent"), SELF, someone)


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    verifier = TokenVerifier(TokenSettings(local_key=LOCAL.local_key, leeway_seconds=0))
    token = issue_token(LOCAL, role="agent", subject="A-1", valid_seconds=1)
    assert verifier.verify(token).subject == "A-1"
    assert verifier.verify(token).subject == "A-1"  # remembered
    time.sleep(2.1)
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(token)
