"""From ID token claims to a user, and the standard checks of a token, as tables."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kubegate.authn.oidc import claims, options, verifier
from kubegate.authn.oidc.claims import ClaimsRejected

ISSUER = "https://issuer.example"


def authenticator(
    *,
    username: str = "sub",
    prefix: str = "",
    groups: str = "",
    groups_prefix: str = "",
    uid: str = "",
    required: tuple[tuple[str, str], ...] = (),
) -> options.JWTAuthenticator:
    return options.JWTAuthenticator(
        issuer=options.Issuer(ISSUER, ("kubegate",)),
        claim_mappings=options.ClaimMappings(
            username=options.PrefixedClaimOrExpression(username, prefix),
            groups=options.PrefixedClaimOrExpression(groups, groups_prefix) if groups else options.PrefixedClaimOrExpression(),
            uid=options.ClaimOrExpression(uid),
        ),
        claim_validation_rules=tuple(options.ClaimValidationRule(claim=c, required_value=v) for c, v in required),
    )


@pytest.mark.parametrize(
    ("token_claims", "config", "name", "groups", "uid"),
    [
        ({"sub": "alice"}, authenticator(prefix=f"{ISSUER}#"), f"{ISSUER}#alice", (), ""),
        ({"email": "a@x.io"}, authenticator(username="email"), "a@x.io", (), ""),
        ({"email": "a@x.io", "email_verified": True}, authenticator(username="email"), "a@x.io", (), ""),
        ({"sub": "a", "groups": ["dev", "ops"]}, authenticator(groups="groups", groups_prefix="oidc:"), "a", ("oidc:dev", "oidc:ops"), ""),
        ({"sub": "a", "role": "admin"}, authenticator(groups="role"), "a", ("admin",), ""),  # a string is one group
        ({"sub": "a"}, authenticator(groups="groups"), "a", (), ""),  # absent: no groups
        ({"sub": "a", "groups": None}, authenticator(groups="groups"), "a", (), ""),
        ({"sub": "a", "oid": "1234"}, authenticator(uid="oid"), "a", (), "1234"),
        ({"sub": "a", "hd": "example.com"}, authenticator(required=(("hd", "example.com"),)), "a", (), ""),
    ],
)
def test_claims_map_to_the_user(
    token_claims: dict[str, Any], config: options.JWTAuthenticator, name: str, groups: tuple[str, ...], uid: str
) -> None:
    user = claims.user_from_claims(token_claims, config)
    assert (user.name, user.groups, user.uid) == (name, groups, uid)


def test_jti_becomes_the_credential_id() -> None:
    user = claims.user_from_claims({"sub": "a", "jti": "abc-123"}, authenticator())
    assert dict(user.extra) == {"authentication.kubernetes.io/credential-id": ("JTI=abc-123",)}


@pytest.mark.parametrize(
    ("token_claims", "config", "message"),
    [
        ({"name": "x"}, authenticator(), 'oidc: parse username claims "sub": claim not present'),
        ({"sub": 7}, authenticator(), 'oidc: parse username claims "sub": json: cannot unmarshal number into Go value of type string'),
        ({"email": "a@x.io", "email_verified": False}, authenticator(username="email"), "oidc: email not verified"),
        ({"email": "a@x.io", "email_verified": "true"}, authenticator(username="email"), "oidc: parse 'email_verified' claim: json: cannot unmarshal string into Go value of type bool"),
        ({"sub": "a", "groups": [1]}, authenticator(groups="groups"), 'oidc: parse groups claim "groups"'),
        ({"sub": "a"}, authenticator(uid="oid"), 'oidc: parse uid claim "oid": claim not present'),
        ({"sub": "a"}, authenticator(required=(("hd", "example.com"),)), "oidc: required claim hd not present in ID token"),
        ({"sub": "a", "hd": "evil.com"}, authenticator(required=(("hd", "example.com"),)), "oidc: required claim hd value does not match. Got = evil.com, want = example.com"),
        ({"sub": "a", "hd": ["example.com"]}, authenticator(required=(("hd", "example.com"),)), "oidc: parse claim hd: json: cannot unmarshal array into Go value of type string"),
    ],
)
def test_claims_that_make_no_acceptable_user(token_claims: dict[str, Any], config: options.JWTAuthenticator, message: str) -> None:
    with pytest.raises(ClaimsRejected) as caught:
        claims.user_from_claims(token_claims, config)
    assert str(caught.value).startswith(message)


def jwt_of(**token_claims: Any) -> verifier.CompactJWT:
    return verifier.CompactJWT({"alg": "RS256"}, token_claims, b"", b"")


NOW = time.time()


@pytest.mark.parametrize(
    ("token_claims", "message"),
    [
        ({"iss": "https://other", "aud": "kubegate", "exp": NOW + 60}, 'oidc: id token issued by a different provider, expected "https://issuer.example" got "https://other"'),
        ({"iss": ISSUER, "aud": "other", "exp": NOW + 60}, 'oidc: expected audience "kubegate" got ["other"]'),
        ({"iss": ISSUER, "aud": ["a", "b"], "exp": NOW + 60}, 'oidc: expected audience "kubegate" got ["a" "b"]'),
        ({"iss": ISSUER, "aud": "kubegate", "exp": NOW - 1}, "oidc: token is expired (Token Expiry: "),
        ({"iss": ISSUER, "aud": "kubegate"}, "oidc: token is expired (Token Expiry: 0001-01-01 00:00:00 +0000 UTC)"),
        ({"iss": ISSUER, "aud": "kubegate", "exp": NOW + 600, "nbf": NOW + 120}, "oidc: current time "),
        ({"iss": ISSUER, "aud": "kubegate", "exp": "tomorrow"}, "oidc: failed to unmarshal claims: exp must be a number"),
        ({"iss": ISSUER, "aud": 5, "exp": NOW + 60}, "oidc: failed to unmarshal claims: aud must be a string or a list of strings"),
    ],
)
def test_standard_claim_checks(token_claims: dict[str, Any], message: str) -> None:
    with pytest.raises(verifier.TokenInvalid) as caught:
        verifier.check_claims(jwt_of(**token_claims), issuer=ISSUER, audiences=("kubegate",), now=NOW)
    assert str(caught.value).startswith(message)


def test_not_before_has_a_minute_of_leeway() -> None:
    token = jwt_of(iss=ISSUER, aud="kubegate", exp=NOW + 600, nbf=NOW + 50)
    verifier.check_claims(token, issuer=ISSUER, audiences=("kubegate",), now=NOW)


def test_any_configured_audience_matches() -> None:
    token = jwt_of(iss=ISSUER, aud=["x", "second"], exp=NOW + 60)
    verifier.check_claims(token, issuer=ISSUER, audiences=("first", "second"), now=NOW)
    with pytest.raises(verifier.TokenInvalid, match=r'expected audience in \["first" "second"\] got \["x"\]'):
        verifier.check_claims(jwt_of(iss=ISSUER, aud="x", exp=NOW + 60), issuer=ISSUER, audiences=("first", "second"), now=NOW)


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256X", None])
def test_only_allowed_asymmetric_algorithms(alg: str | None) -> None:
    token = verifier.CompactJWT({"alg": alg}, {}, b"", b"")
    with pytest.raises(verifier.TokenInvalid, match='oidc: id token signed with unsupported algorithm, expected \\["RS256"\\] got'):
        verifier.check_algorithm(token, ("RS256",))


@pytest.mark.parametrize(
    ("token", "issuer"),
    [
        ("a.eyJpc3MiOiJodHRwczovL3gifQ.c", "https://x"),
        ("a.eyJpc3MiOiJhY2NvdW50cy5nb29nbGUuY29tIn0.c", "https://accounts.google.com"),
        ("not-a-jwt", None),
        ('{"iss":"https://x"}', None),
        ("a.!!!.c", None),
        ("a.eyJpc3MiOjV9.c", None),  # iss is a number
    ],
)
def test_untrusted_issuer(token: str, issuer: str | None) -> None:
    assert verifier.untrusted_issuer(token) == issuer
