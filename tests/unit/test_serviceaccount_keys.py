"""ServiceAccount keys and the tokens the issuer signs: kid, algorithms, header and claim layout."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from kubegate.authn.serviceaccount.claims import ObjectRef
from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.authn.serviceaccount.jws import CompactJWS
from kubegate.authn.serviceaccount.keys import KeyFileError, key_id, load_public_keys, public_key
from kubegate.authn.serviceaccount.openid import MetadataError, OpenIDMetadata
from kubegate.config import ConfigError


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(token: str, index: int) -> dict[str, object]:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # type: ignore[no-any-return]


def pem_private(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, fmt: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def pem_public(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
P384_KEY = ec.generate_private_key(ec.SECP384R1())


def test_key_id_is_base64url_sha256_of_the_pkix_der() -> None:
    der = RSA_KEY.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key_id(RSA_KEY.public_key()) == b64url(hashlib.sha256(der).digest())
    assert "=" not in key_id(EC_KEY.public_key())


def test_algorithms_by_key_type() -> None:
    assert public_key(RSA_KEY.public_key()).algorithm == "RS256"
    assert public_key(EC_KEY.public_key()).algorithm == "ES256"
    assert public_key(P384_KEY.public_key()).algorithm == "ES384"


def test_a_key_file_may_hold_public_keys_private_keys_and_certificates(tmp_path: Path) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sa")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(P384_KEY.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now.replace(year=now.year + 1))
        .sign(P384_KEY, hashes.SHA384())
    )
    path = tmp_path / "keys.pem"
    path.write_bytes(
        pem_public(RSA_KEY)
        + b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
        + pem_private(EC_KEY, serialization.PrivateFormat.TraditionalOpenSSL)
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    keys = load_public_keys(path)
    assert [k.key_id for k in keys] == [key_id(k.public_key()) for k in (RSA_KEY, EC_KEY, P384_KEY)]


def test_a_key_file_without_keys_is_a_start_up_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.pem"
    path.write_text("nothing here\n")
    with pytest.raises(KeyFileError, match="does not contain any valid RSA or ECDSA public keys") as caught:
        load_public_keys(path)
    assert isinstance(caught.value, ConfigError) and str(path) in str(caught.value)


@pytest.mark.parametrize("key", [RSA_KEY, EC_KEY, P384_KEY], ids=["rsa", "p256", "p384"])
def test_bound_tokens_look_like_token_request_tokens(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> None:
    issuer = TokenIssuer(issuer="https://issuer.example", signing_key=key)
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    issued = issuer.issue_bound(
        namespace="team", service_account=ObjectRef("robot", "sa-uid"), audiences=("api", "vault"),
        expiration_seconds=600, pod=ObjectRef("web-1", "pod-uid"), node=ObjectRef("node-a", "node-uid"), now=now,
    )
    header = segment(issued.token, 0)
    assert header == {"alg": public_key(key.public_key()).algorithm, "kid": key_id(key.public_key())}
    assert list(header) == ["alg", "kid"]  # no typ, as go-jose writes it
    claims = segment(issued.token, 1)
    assert list(claims) == ["aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub"]
    assert claims["kubernetes.io"] == {
        "namespace": "team",
        "node": {"name": "node-a", "uid": "node-uid"},
        "pod": {"name": "web-1", "uid": "pod-uid"},
        "serviceaccount": {"name": "robot", "uid": "sa-uid"},
    }
    iat = int(now.timestamp())
    assert (claims["aud"], claims["iat"], claims["nbf"], claims["exp"]) == (["api", "vault"], iat, iat, iat + 600)
    assert claims["sub"] == "system:serviceaccount:team:robot"
    assert issued.expiration == datetime(2026, 1, 2, 3, 14, 5, tzinfo=UTC)
    assert issued.credential_id == f"JTI={claims['jti']}"
    CompactJWS.parse(issued.token).verify(public_key(key.public_key()))


def test_legacy_tokens_carry_the_secret_claims() -> None:
    token = TokenIssuer(issuer="https://unused", signing_key=EC_KEY).issue_legacy(
        namespace="team", service_account=ObjectRef("robot", "sa-uid"), secret_name="robot-token"
    )
    assert segment(token, 1) == {
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": "team",
        "kubernetes.io/serviceaccount/secret.name": "robot-token",
        "kubernetes.io/serviceaccount/service-account.name": "robot",
        "kubernetes.io/serviceaccount/service-account.uid": "sa-uid",
        "sub": "system:serviceaccount:team:robot",
    }


def test_a_token_binds_to_a_secret_or_a_pod_not_both() -> None:
    issuer = TokenIssuer(issuer="https://issuer.example", signing_key=EC_KEY)
    with pytest.raises(ValueError, match="token can only be bound to one object type"):
        issuer.issue_bound(namespace="team", service_account=ObjectRef("robot", "u"), audiences=("api",),
                           expiration_seconds=600, pod=ObjectRef("p", "1"), secret=ObjectRef("s", "2"))


def test_discovery_documents() -> None:
    keys = [public_key(RSA_KEY.public_key()), public_key(EC_KEY.public_key())]
    metadata = OpenIDMetadata.build(issuer="https://issuer.example", external_address="10.0.0.1:6443", keys=keys)
    config = json.loads(metadata.config_json)
    assert config == {
        "issuer": "https://issuer.example",
        "jwks_uri": "https://10.0.0.1:6443/openid/v1/jwks",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
    }
    jwks = json.loads(metadata.keyset_json)["keys"]
    assert [list(k) for k in jwks] == [["use", "kty", "kid", "alg", "n", "e"], ["use", "kty", "kid", "crv", "alg", "x", "y"]]
    assert jwks[0]["e"] == "AQAB" and jwks[1]["crv"] == "P-256"
    assert len(base64.urlsafe_b64decode(jwks[1]["x"] + "==")) == 32


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("http://issuer.example", "issuer URL must use https scheme"),
        ("https://issuer.example?x=1", "issuer URL may not include a query"),
        ("https://issuer.example#frag", "issuer URL may not include a fragment"),
    ],
)
def test_discovery_needs_an_https_issuer(issuer: str, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        OpenIDMetadata.build(issuer=issuer, external_address="10.0.0.1:6443", keys=[public_key(EC_KEY.public_key())])
