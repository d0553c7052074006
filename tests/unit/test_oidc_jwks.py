"""Reading an issuer's JWK set and choosing the key that verifies a token."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from kubegate.authn.oidc import verifier
from kubegate.authn.oidc.keyset import KeysUnavailable, parse_jwks

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
EC384_KEY = ec.generate_private_key(ec.SECP384R1())


def jwk(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kid: str, *, private: bool = False) -> dict[str, object]:
    if isinstance(key, rsa.RSAPrivateKey):
        text = RSAAlgorithm.to_jwk(key if private else key.public_key())
    else:
        text = ECAlgorithm.to_jwk(key if private else key.public_key())
    return {**json.loads(text), "kid": kid}


def test_rsa_and_ec_keys_are_read_and_secrets_ignored() -> None:
    keys = parse_jwks({"keys": [
        jwk(RSA_KEY, "r"),
        jwk(EC_KEY, "e"),
        {"kty": "oct", "k": "c2VjcmV0", "kid": "shared"},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "ed"},
        {"kty": "RSA", "n": "!!", "e": "AQAB", "kid": "broken"},
        "not an object",
    ]})
    assert [(key.kid, type(key.key).__name__) for key in keys] == [
        ("r", type(RSA_KEY.public_key()).__name__),
        ("e", type(EC_KEY.public_key()).__name__),
    ]


def test_a_private_jwk_only_contributes_its_public_half() -> None:
    [key] = parse_jwks({"keys": [jwk(RSA_KEY, "r", private=True)]})
    assert isinstance(key.key, rsa.RSAPublicKey)


def test_a_set_without_keys_is_unusable() -> None:
    with pytest.raises(KeysUnavailable, match='no "keys" list'):
        parse_jwks({"issuer": "x"})


def signed(key: object, alg: str, kid: str | None) -> verifier.CompactJWT:
    headers = {"kid": kid} if kid else {}
    token = jwt.encode({"iss": "x"}, key, algorithm=alg, headers=headers)  # type: ignore[arg-type]
    return verifier.parse(token)


KEYS = parse_jwks({"keys": [jwk(RSA_KEY, "r"), jwk(EC_KEY, "e"), jwk(EC384_KEY, "e384")]})


@pytest.mark.parametrize(
    ("key", "alg", "kid", "valid"),
    [
        (RSA_KEY, "RS256", "r", True),
        (RSA_KEY, "PS384", "r", True),
        (RSA_KEY, "RS256", None, True),  # no kid: every key is tried
        (RSA_KEY, "RS256", "e", False),  # the named key is an EC key
        (EC_KEY, "ES256", "e", True),
        (EC_KEY, "ES256", None, True),
        (EC384_KEY, "ES384", "e384", True),
    ],
)
def test_the_named_key_must_verify(key: object, alg: str, kid: str | None, valid: bool) -> None:
    assert verifier.signature_valid(signed(key, alg, kid), alg, KEYS) is valid


def test_a_key_on_another_curve_never_verifies() -> None:
    token = signed(EC384_KEY, "ES384", "e384")
    assert not verifier.signature_valid(token, "ES256", KEYS)


def test_knows_key() -> None:
    assert verifier.knows_key(signed(RSA_KEY, "RS256", "r"), KEYS)
    assert not verifier.knows_key(signed(RSA_KEY, "RS256", "new"), KEYS)
    assert verifier.knows_key(signed(RSA_KEY, "RS256", None), KEYS)


@pytest.mark.parametrize("token", ["a.b", "a.b.c.d", "!!.e30.", "e30.W10.", "bm90IGpzb24.e30."])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(verifier.TokenInvalid, match="oidc: malformed jwt"):
        verifier.parse(token)
