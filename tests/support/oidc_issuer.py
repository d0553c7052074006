"""A local OpenID Connect issuer: discovery document, JWKS, key rotation, tokens minted at will.

It serves `<url>/.well-known/openid-configuration` and `<url>/keys` over HTTPS and counts every
fetch, so tests can see when kubegate (re)loads keys. Tokens are signed with PyJWT; the test
decides the claims, the header and the key, including keys the issuer never published.
"""

from __future__ import annotations

import base64
import functools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.support.remote_https import RemoteCA, RunningService, serve_https

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@functools.cache
def _rsa_key(index: int) -> rsa.RSAPrivateKey:
    # Cached across tests: RSA key generation is the slowest thing these tests would do.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: PrivateKey
    alg: str = "RS256"

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            data: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(public))
        else:
            data = json.loads(ECAlgorithm.to_jwk(public))
        return {**data, "kid": self.kid, "alg": self.alg, "use": "sig"}


def rsa_signing_key(kid: str, number: int = 0) -> SigningKey:
    return SigningKey(kid, _rsa_key(number))


def ec_signing_key(kid: str) -> SigningKey:
    return SigningKey(kid, ec.generate_private_key(ec.SECP256R1()), alg="ES256")


def unsigned_token(claims: dict[str, Any], header: dict[str, Any]) -> str:
    """A JWT with the given header and an empty signature (`alg: none` attacks)."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


@dataclass
class OIDCIssuer:
    path: str
    ca: RemoteCA
    #: set once the HTTPS server listens
    service: RunningService | None = None
    published: list[SigningKey] = field(default_factory=list)
    fetches: Counter[str] = field(default_factory=Counter)
    #: what the discovery document claims as issuer (a wrong one must be refused)
    advertised_issuer: str | None = None

    @property
    def url(self) -> str:
        assert self.service is not None
        return self.service.base_url + self.path

    def publish(self, *keys: SigningKey) -> None:
        self.published = list(keys)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.url, "aud": "kubegate", "sub": "alice", "iat": now, "exp": now + 600}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, key: SigningKey | None = None, *, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        key = key or self.published[0]
        return jwt.encode(self.claims(**claims), key.private, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})})

    # --- serving -----------------------------------------------------------------------------

    async def _discovery(self, request: web.Request) -> web.Response:
        self.fetches["discovery"] += 1
        document = {
            "issuer": self.advertised_issuer or self.url,
            "jwks_uri": self.url + "/keys",
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        }
        return web.json_response(document)

    async def _keys(self, request: web.Request) -> web.Response:
        self.fetches["jwks"] += 1
        return web.json_response({"keys": [key.jwk() for key in self.published]})


async def start_issuer(ca: RemoteCA, *, paths: tuple[str, ...] = ("",)) -> list[OIDCIssuer]:
    """One HTTPS server hosting an issuer at each of `paths` (e.g. "" and "/tenant-b")."""
    app = web.Application()
    issuers: list[OIDCIssuer] = []
    for number, path in enumerate(paths):
        issuer = OIDCIssuer(path, ca)
        issuer.publish(rsa_signing_key(f"key-{number}", number))
        app.router.add_get(path + "/.well-known/openid-configuration", issuer._discovery)
        app.router.add_get(path + "/keys", issuer._keys)
        issuers.append(issuer)
    running = await serve_https(app, ca)
    for issuer in issuers:
        issuer.service = running
    return issuers
