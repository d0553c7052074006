"""Checking an ID token: form, issuer, audience, expiry, algorithm and signature.

The checks and their order are go-oidc's `IDTokenVerifier.Verify`, as kube-apiserver runs it:
the audience must contain one of the configured audiences, `exp` must be in the future (no
leeway; a token without `exp` is expired), `nbf` may be up to a minute ahead, the header's `alg`
must be an allowed asymmetric algorithm (so `none` and `HS256` never get near a key), and one
of the issuer's keys (the one named by `kid`, when the token names one) must verify the
signature. Messages are go-oidc's; they reach the log only, the client always sees 401.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm, RSAPSSAlgorithm

from kubegate.authn.authenticator import AuthenticationError
from kubegate.authn.oidc.keyset import PublicKey, VerificationKey

NOT_BEFORE_LEEWAY = 60.0
GOOGLE_ISSUER = "https://accounts.google.com"

_RSA: dict[str, RSAAlgorithm] = {
    "RS256": RSAAlgorithm(RSAAlgorithm.SHA256),
    "RS384": RSAAlgorithm(RSAAlgorithm.SHA384),
    "RS512": RSAAlgorithm(RSAAlgorithm.SHA512),
    "PS256": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA256),
    "PS384": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA384),
    "PS512": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA512),
}
_EC: dict[str, ECAlgorithm] = {
    "ES256": ECAlgorithm(ECAlgorithm.SHA256),
    "ES384": ECAlgorithm(ECAlgorithm.SHA384),
    "ES512": ECAlgorithm(ECAlgorithm.SHA512),
}
_CURVES: dict[str, type[ec.EllipticCurve]] = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1, "ES512": ec.SECP521R1}


class TokenInvalid(AuthenticationError):
    """The token is this issuer's and does not pass a check."""


@dataclass(frozen=True, slots=True)
class CompactJWT:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else ""


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def untrusted_issuer(token: str) -> str | None:
    """The `iss` a compact JWT claims, unverified; None when it is not a readable JWT."""
    if token.lstrip().startswith("{"):
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(_b64decode(parts[1]))
    except (binascii.Error, ValueError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str):
        return None
    return GOOGLE_ISSUER if issuer == "accounts.google.com" else issuer


def parse(token: str) -> CompactJWT:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenInvalid(f"oidc: malformed jwt, expected 3 parts got {len(parts)}")
    try:
        header = json.loads(_b64decode(parts[0]))
        claims = json.loads(_b64decode(parts[1]))
        signature = _b64decode(parts[2])
    except (binascii.Error, ValueError) as exc:
        raise TokenInvalid(f"oidc: malformed jwt: {exc}") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenInvalid("oidc: malformed jwt: header and payload must be JSON objects")
    return CompactJWT(header, claims, f"{parts[0]}.{parts[1]}".encode(), signature)


def check_claims(jwt: CompactJWT, *, issuer: str, audiences: Sequence[str], now: float) -> None:
    claims = jwt.claims
    token_issuer = claims.get("iss")
    if token_issuer != issuer and not (issuer == GOOGLE_ISSUER and token_issuer == "accounts.google.com"):
        raise TokenInvalid(f'oidc: id token issued by a different provider, expected "{issuer}" got "{token_issuer}"')
    token_audiences = _audiences(claims.get("aud"))
    if not any(audience in token_audiences for audience in audiences):
        if len(audiences) == 1:
            raise TokenInvalid(f'oidc: expected audience "{audiences[0]}" got {_go_list(token_audiences)}')
        raise TokenInvalid(f"oidc: expected audience in {_go_list(sorted(audiences))} got {_go_list(token_audiences)}")
    expiry = _time(claims.get("exp"), "exp")
    if expiry < now:
        raise TokenInvalid(f"oidc: token is expired (Token Expiry: {_go_time(expiry)})")
    if claims.get("nbf") is not None:
        not_before = _time(claims.get("nbf"), "nbf")
        if now + NOT_BEFORE_LEEWAY < not_before:
            raise TokenInvalid(
                f"oidc: current time {_go_time(now)} before the nbf (not before) time: {_go_time(not_before)}"
            )


def check_algorithm(jwt: CompactJWT, allowed: Sequence[str]) -> str:
    alg = jwt.header.get("alg")
    if not isinstance(alg, str) or alg not in allowed or (alg not in _RSA and alg not in _EC):
        raise TokenInvalid(f"oidc: id token signed with unsupported algorithm, expected {_go_list(allowed)} got \"{alg}\"")
    return alg


def knows_key(jwt: CompactJWT, keys: Sequence[VerificationKey]) -> bool:
    """Whether `keys` hold the key the token names (any key, for a token that names none)."""
    return not jwt.kid or any(key.kid == jwt.kid for key in keys)


def signature_valid(jwt: CompactJWT, alg: str, keys: Sequence[VerificationKey]) -> bool:
    for candidate in keys:
        if jwt.kid and candidate.kid != jwt.kid:
            continue
        try:
            if _verify(alg, candidate.key, jwt.signing_input, jwt.signature):
                return True
        except (ValueError, TypeError):
            continue
    return False


def _verify(alg: str, key: PublicKey, message: bytes, signature: bytes) -> bool:
    """One key against one signature; a key of the wrong type or curve never verifies."""
    if alg in _RSA:
        return isinstance(key, rsa.RSAPublicKey) and _RSA[alg].verify(message, key, signature)
    curve = _CURVES[alg]
    return (
        isinstance(key, ec.EllipticCurvePublicKey)
        and isinstance(key.curve, curve)
        and _EC[alg].verify(message, key, signature)
    )


def _audiences(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    if value is None:
        return []
    raise TokenInvalid("oidc: failed to unmarshal claims: aud must be a string or a list of strings")


def _time(value: Any, name: str) -> float:
    if value is None:
        return float("-inf")  # Go's zero time: a token without exp has expired long ago
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TokenInvalid(f"oidc: failed to unmarshal claims: {name} must be a number")
    return float(value)


def _go_time(seconds: float) -> str:
    if seconds == float("-inf"):
        return "0001-01-01 00:00:00 +0000 UTC"
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
    except (OverflowError, OSError, ValueError):
        return f"{seconds:.0f}"


def _go_list(values: Sequence[str]) -> str:
    return "[" + " ".join(f'"{v}"' for v in values) + "]"
