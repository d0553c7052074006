"""The ServiceAccount JWT authenticator: issuer routing, signature, audience, then a validator.

Mirrors pkg/serviceaccount `JWTTokenAuthenticator`, which kube-apiserver instantiates twice:
once for legacy Secret-based tokens (issuer `kubernetes/serviceaccount`) and once for bound
tokens (the `--service-account-issuer` list). In order:

1. a token whose unverified `iss` is not one of this authenticator's issuers, or that is not a
   compact JWS at all, is not mine, so the next token authenticator (bootstrap, OIDC, ...) can
   look at it; so is an oversized one (`MAX_TOKEN_BYTES`), which is never decoded;
2. the signature must verify with one of the keys (`--service-account-key-file`), else the
   error is go-jose's "error in cryptographic primitive";
3. the token's `aud` (or, when it has none, the API audiences) must intersect the audiences the
   request asks for: `token audiences [...] is invalid for the target audiences [...]`;
4. the validator (legacy or bound, see validators.py) checks times and the objects the token
   names, and returns whose token it is.

Every failure after step 1 is "mine and bad": a 401, logged without the token.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kubegate.api.gofmt import go_quote, go_quote_list
from kubegate.authn.authenticator import AuthenticationError, AuthResult
from kubegate.authn.serviceaccount.claims import ServiceAccountInfo
from kubegate.authn.serviceaccount.jws import (
    CompactJWS,
    ParseError,
    SignatureError,
    decode_json_object,
    peek_claims,
)
from kubegate.authn.serviceaccount.keys import PublicKey
from kubegate.authn.token import AggregateAuthenticationError, intersect

log = logging.getLogger("kubegate.authn.serviceaccount")

#: Real ServiceAccount tokens are one or two kilobytes; anything far larger is not decoded.
MAX_TOKEN_BYTES = 64 * 1024

_NUMERIC_DATE_ERROR = "go-jose/go-jose/jwt: expected number for numeric date"
_AUDIENCE_ERROR = "go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience"


@dataclass(frozen=True, slots=True)
class PublicClaims:
    """The registered claims, typed as go-jose's `jwt.Claims` decodes them."""

    issuer: str = ""
    subject: str = ""
    audience: tuple[str, ...] = ()
    expiry: float | None = None
    not_before: float | None = None
    issued_at: float | None = None
    jti: str = ""

    @classmethod
    def parse(cls, payload: dict[str, Any]) -> PublicClaims:
        return cls(
            issuer=go_string(payload, "iss", "Claims.iss"),
            subject=go_string(payload, "sub", "Claims.sub"),
            audience=_audience(payload.get("aud")),
            expiry=_numeric_date(payload.get("exp")),
            not_before=_numeric_date(payload.get("nbf")),
            issued_at=_numeric_date(payload.get("iat")),
            jti=go_string(payload, "jti", "Claims.jti"),
        )


def go_string(payload: dict[str, Any], key: str, field: str) -> str:
    """A string claim as Go's JSON decoder fills a string field (null leaves it empty)."""
    value = payload.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ClaimsError(f"json: cannot unmarshal {json_type(value)} into Go struct field {field} of type string")
    return value


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _audience(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ClaimsError(_AUDIENCE_ERROR)


def _numeric_date(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ClaimsError(_NUMERIC_DATE_ERROR)
    try:
        seconds = float(value)
    except OverflowError:  # an integer too large for a float64, as Go's ParseFloat refuses it
        raise ClaimsError(_NUMERIC_DATE_ERROR) from None
    if not math.isfinite(seconds):
        raise ClaimsError(_NUMERIC_DATE_ERROR)
    return float(math.trunc(seconds))  # go-jose keeps whole seconds


class ClaimsError(AuthenticationError):
    """A claim has the wrong JSON type."""


class Validator(Protocol):
    """Checks a signed token's claims and the objects they name (legacy or bound rules)."""

    async def validate(self, token: str, public: PublicClaims, payload: dict[str, Any]) -> ServiceAccountInfo: ...


class JWTTokenAuthenticator:
    def __init__(
        self,
        *,
        issuers: Sequence[str],
        keys: Sequence[PublicKey],
        implicit_audiences: Sequence[str],
        validator: Validator,
    ) -> None:
        self._issuers = frozenset(issuers)
        self._keys = tuple(keys)
        self._implicit = tuple(implicit_audiences)
        self._validator = validator

    def _is_mine(self, token: str) -> bool:
        if len(token) > MAX_TOKEN_BYTES:
            log.debug("Ignoring a bearer token of %d bytes: too large to be a ServiceAccount token", len(token))
            return False
        claims = peek_claims(token)
        return claims is not None and isinstance(claims.get("iss"), str) and claims["iss"] in self._issuers

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        if not self._is_mine(token):
            return None
        try:
            jws = CompactJWS.parse(token)
        except ParseError:
            return None
        public, payload = self._verified_claims(jws)
        # sanity check: the issuer was only peeked at before the signature was checked
        if public.issuer not in self._issuers:
            raise AuthenticationError(f"token issuer {go_quote(public.issuer)} is invalid")
        token_audiences = public.audience or self._implicit
        matched = intersect(token_audiences, audiences)
        if not matched and self._implicit:
            raise AuthenticationError(
                f"token audiences {go_quote_list(token_audiences)} is invalid for the target audiences "
                f"{go_quote_list(audiences)}"
            )
        info = await self._validator.validate(token, public, payload)
        return AuthResult(info.user(), matched)

    def _verified_claims(self, jws: CompactJWS) -> tuple[PublicClaims, dict[str, Any]]:
        """The claims, from the first key that verifies the signature (errors collected)."""
        errors: list[AuthenticationError] = []
        for key in self._keys:
            try:
                jws.verify(key)
            except SignatureError as exc:
                errors.append(AuthenticationError(str(exc)))
                continue
            try:
                payload = decode_json_object(jws.payload)
                return PublicClaims.parse(payload), payload
            except ParseError as exc:
                errors.append(AuthenticationError(f"invalid JSON payload: {exc}"))
            except ClaimsError as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        if not errors:
            raise AuthenticationError("no keys to verify ServiceAccount tokens with")
        raise AggregateAuthenticationError(errors)
