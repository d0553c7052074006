"""From verified claims to a user: username, groups, uid, extra, and required claims.

The mapping rules of k8s.io/apiserver's OIDC authenticator, as pure functions:

- username: the configured claim (flags: `sub` by default), which must be a string; when that
  claim is `email` and the token has `email_verified`, it must be `true`; then the prefix
  (flags: `<issuer>#` for every claim but `email`, none with `-`);
- groups: the configured claim as a string or a list of strings, each prefixed; absent is none;
- uid: the configured claim, a string, required once configured;
- extra: `authentication.kubernetes.io/credential-id: JTI=<jti>` when the token has a `jti`;
- required claims (`--oidc-required-claim`, `claimValidationRules[].claim`): present, a string,
  and equal to the required value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthenticationError
from kubegate.authn.oidc import options

CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"


class ClaimsRejected(AuthenticationError):
    """The token is valid but its claims do not make an acceptable user."""


def user_from_claims(claims: Mapping[str, Any], authenticator: options.JWTAuthenticator) -> UserInfo:
    mappings = authenticator.claim_mappings
    user = UserInfo(
        username(claims, mappings.username),
        uid(claims, mappings.uid.claim),
        groups(claims, mappings.groups),
        MappingProxyType(extra(claims)),
    )
    check_required(claims, authenticator.claim_validation_rules)
    return user


def username(claims: Mapping[str, Any], mapping: options.PrefixedClaimOrExpression) -> str:
    claim = mapping.claim
    name = _string(claims, claim, f'oidc: parse username claims "{claim}"')
    if claim == "email" and "email_verified" in claims:
        verified = claims["email_verified"]
        if verified is None:
            verified = False  # JSON null decodes to Go's false
        if not isinstance(verified, bool):
            raise ClaimsRejected(f"oidc: parse 'email_verified' claim: {_unmarshal_error(verified, 'bool')}")
        if not verified:
            raise ClaimsRejected("oidc: email not verified")
    return (mapping.prefix or "") + name


def groups(claims: Mapping[str, Any], mapping: options.PrefixedClaimOrExpression) -> tuple[str, ...]:
    claim = mapping.claim
    if not claim or claim not in claims:
        return ()
    value = claims[claim]
    if value is None:
        return ()
    if isinstance(value, str):
        values: Sequence[str] = [value]
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        values = value
    else:
        raise ClaimsRejected(f'oidc: parse groups claim "{claim}": {_unmarshal_error(value, "string")}')
    prefix = mapping.prefix or ""
    return tuple(prefix + group for group in values)


def uid(claims: Mapping[str, Any], claim: str) -> str:
    if not claim:
        return ""
    return _string(claims, claim, f'oidc: parse uid claim "{claim}"')


def extra(claims: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    jti = claims.get("jti")
    if isinstance(jti, str) and jti:
        return {CREDENTIAL_ID_KEY: (f"JTI={jti}",)}
    return {}


def check_required(claims: Mapping[str, Any], rules: Sequence[options.ClaimValidationRule]) -> None:
    for rule in rules:
        if not rule.claim:
            continue
        if rule.claim not in claims:
            raise ClaimsRejected(f"oidc: required claim {rule.claim} not present in ID token")
        value = claims[rule.claim]
        if value is not None and not isinstance(value, str):
            raise ClaimsRejected(f"oidc: parse claim {rule.claim}: {_unmarshal_error(value, 'string')}")
        if (value or "") != rule.required_value:
            raise ClaimsRejected(
                f"oidc: required claim {rule.claim} value does not match. Got = {value or ''}, want = {rule.required_value}"
            )


def _string(claims: Mapping[str, Any], claim: str, context: str) -> str:
    if claim not in claims:
        raise ClaimsRejected(f"{context}: claim not present")
    value = claims[claim]
    if value is None:
        return ""  # JSON null decodes to Go's empty string
    if not isinstance(value, str):
        raise ClaimsRejected(f"{context}: {_unmarshal_error(value, 'string')}")
    return value


def _unmarshal_error(value: Any, go_type: str) -> str:
    kind = (
        "bool" if isinstance(value, bool)
        else "number" if isinstance(value, (int, float))
        else "string" if isinstance(value, str)
        else "array" if isinstance(value, list)
        else "object"
    )
    return f"json: cannot unmarshal {kind} into Go value of type {go_type}"
