"""Hand-made ServiceAccount tokens for tests: valid ones, and every kind of forgery.

`forge` signs any claims with any key and algorithm (including `none` and HMAC), so tests can
send exactly the token an attacker would; `bound_claims_for` gives a ServiceAccount's claims as
TokenRequest writes them, to be tampered with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kubegate.authn.serviceaccount.claims import ObjectRef, bound_claims
from kubegate.authn.serviceaccount.keys import key_id

API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
ISSUER = API_AUDIENCE


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(claims: dict[str, Any], key: Any, alg: str, *, headers: dict[str, Any] | None = None) -> str:
    """A compact JWS of `claims`; `alg="none"` gives an unsigned token."""
    if alg == "none":
        header = {"alg": "none", **(headers or {})}
        return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}."
    if alg.startswith("HS"):
        # by hand: PyJWT rightly refuses a PEM public key as an HMAC secret, an attacker does not
        header = {"alg": alg, "typ": "JWT", **(headers or {})}
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), digest).digest())}"
    extra = dict(headers or {})
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        extra.setdefault("kid", key_id(key.public_key()))
    return jwt.encode(claims, key, algorithm=alg, headers=extra)


def bound_claims_for(
    namespace: str,
    name: str,
    uid: str,
    *,
    audiences: tuple[str, ...] = (API_AUDIENCE,),
    issuer: str = ISSUER,
    lifetime: int = 3600,
    issued_at: int | None = None,
    pod: ObjectRef | None = None,
    secret: ObjectRef | None = None,
    node: ObjectRef | None = None,
) -> dict[str, Any]:
    return bound_claims(
        issuer=issuer, namespace=namespace, service_account=ObjectRef(name, uid), audiences=audiences,
        issued_at=int(time.time()) if issued_at is None else issued_at, expiration_seconds=lifetime,
        jti="4b8c6f1e-0000-4000-8000-000000000001", pod=pod, secret=secret, node=node,
    )
