"""Client certificates: chain verification, the x509 authenticator and the front-proxy verifier."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from multidict import CIMultiDict, CIMultiDictProxy

from kubegate import pki
from kubegate.authn.authenticator import AuthenticationError, AuthRequest
from kubegate.authn.cert_chain import ChainError, ChainVerifier, Verdict, VerdictCache
from kubegate.authn.request_header import RequestHeaderAuthenticator, RequestHeaderNames
from kubegate.authn.x509 import X509Authenticator
from kubegate.authn.x509_verifier import CertificateVerifier
from tests.support.front_proxy import TestCA
from tests.support.inprocess import Identity


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA.create(tmp_path_factory.mktemp("cluster-ca"))


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA.create(tmp_path_factory.mktemp("other-ca"))


def ca_cert(ca: TestCA) -> x509.Certificate:
    return x509.load_pem_x509_certificate(ca.cert_pem)


def der_of(identity: Identity) -> bytes:
    assert identity.cert is not None
    pem = identity.cert.read_bytes()
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def cert_request(identity: Identity, *headers: tuple[str, str]) -> AuthRequest:
    return AuthRequest(headers=CIMultiDictProxy(CIMultiDict(headers)), peer_certificate_der=der_of(identity))


# --- chain verification -----------------------------------------------------------------------


def test_a_bundle_of_several_cas_verifies_certificates_of_each(cluster: TestCA, other: TestCA) -> None:
    verifier = ChainVerifier([ca_cert(cluster), ca_cert(other)])
    for ca in (cluster, other):
        leaf = x509.load_der_x509_certificate(der_of(ca.issue("u", user="u")))
        assert verifier.verify(leaf) == pytest.approx(leaf.not_valid_after_utc.timestamp())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda own, foreign: foreign.issue("f", user="f"), "x509: certificate signed by unknown authority"),
        (
            lambda own, foreign: own.issue("s", user="s", usages=("digital signature", "server auth")),
            "x509: certificate specifies an incompatible key usage",
        ),
    ],
    ids=["foreign", "server-auth-only"],
)
def test_chain_failures_use_go_words(cluster: TestCA, other: TestCA, make: Any, message: str) -> None:
    leaf = x509.load_der_x509_certificate(der_of(make(cluster, other)))
    with pytest.raises(ChainError) as caught:
        ChainVerifier([ca_cert(cluster)]).verify(leaf)
    assert str(caught.value) == message
    assert caught.value.retry_at == float("inf")


@pytest.mark.parametrize("usages", [("digital signature",), ("digital signature", "any")])
def test_no_extended_usage_or_any_usage_is_a_client_certificate(cluster: TestCA, usages: tuple[str, ...]) -> None:
    leaf = x509.load_der_x509_certificate(der_of(cluster.issue("n", user="n", usages=usages)))
    ChainVerifier([ca_cert(cluster)]).verify(leaf)


def test_an_expired_certificate_says_when(cluster: TestCA) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    expired = cluster.issue("old", user="old", not_before=start, days=1)
    leaf = x509.load_der_x509_certificate(der_of(expired))
    now = datetime(2020, 1, 3, tzinfo=UTC)
    with pytest.raises(ChainError, match=r"^x509: certificate has expired or is not yet valid: current time "
                       r"2020-01-03T00:00:00Z is after 2020-01-02T00:00:00Z$"):
        ChainVerifier([ca_cert(cluster)]).verify(leaf, now=now)


def test_a_certificate_not_yet_valid_may_be_retried_once_it_is(cluster: TestCA) -> None:
    start = datetime.now(UTC) + timedelta(days=2)
    leaf = x509.load_der_x509_certificate(der_of(cluster.issue("early", user="early", not_before=start)))
    with pytest.raises(ChainError, match="is before") as caught:
        ChainVerifier([ca_cert(cluster)]).verify(leaf)
    assert caught.value.retry_at == pytest.approx(start.timestamp())


def test_verdicts_expire() -> None:
    cache: VerdictCache[str] = VerdictCache(size=2)
    cache.put(b"a", Verdict("A", until=100.0))
    assert cache.get(b"a", now=99.0) == Verdict("A", 100.0)
    assert cache.get(b"a", now=100.0) is None
    for key in (b"1", b"2", b"3"):
        cache.put(key, Verdict("x", until=float("inf")))
    assert cache.get(b"1") is None and cache.get(b"3") is not None  # bounded, oldest out


# --- the x509 authenticator --------------------------------------------------------------------


class CountingVerifier(ChainVerifier):
    calls = 0

    def verify(self, leaf: x509.Certificate, intermediates: Any = (), *, now: Any = None) -> float:
        self.calls += 1
        return super().verify(leaf, intermediates, now=now)


async def test_cn_is_the_user_each_o_a_group_and_the_digest_the_credential_id(cluster: TestCA) -> None:
    identity = cluster.issue("jane", user="jane", groups=("dev", "ops"))
    verifier = CountingVerifier([ca_cert(cluster)])
    authenticator = X509Authenticator(verifier)
    result = await authenticator.authenticate(cert_request(identity))
    assert result is not None
    assert result.user.to_dict() == {
        "username": "jane",
        "groups": ["dev", "ops"],
        "extra": {
            "authentication.kubernetes.io/credential-id": [
                "X509SHA256=" + hashlib.sha256(der_of(identity)).hexdigest()
            ]
        },
    }
    assert await authenticator.authenticate(cert_request(identity)) is result
    assert verifier.calls == 1  # verified once per certificate


async def test_no_certificate_is_not_mine(cluster: TestCA) -> None:
    authenticator = X509Authenticator(ChainVerifier([ca_cert(cluster)]))
    assert await authenticator.authenticate(AuthRequest(headers=CIMultiDictProxy(CIMultiDict()))) is None


async def test_a_certificate_from_another_ca_is_refused_and_the_refusal_cached(cluster: TestCA, other: TestCA) -> None:
    verifier = CountingVerifier([ca_cert(cluster)])
    authenticator = X509Authenticator(verifier)
    proxy = other.issue("proxy", user="front-proxy-client")
    for _ in range(2):
        with pytest.raises(AuthenticationError, match=r"^verifying certificate SN=\d+, SKID=[0-9A-F:]+, "
                           r"AKID=[0-9A-F:]+ failed: x509: certificate signed by unknown authority$"):
            await authenticator.authenticate(cert_request(proxy))
    assert verifier.calls == 1


async def test_a_certificate_without_a_common_name_is_not_mine(cluster: TestCA, tmp_path: Path) -> None:
    key = pki.generate_private_key("ecdsa")
    now = datetime.now(UTC)
    pem = pki.sign_certificate(
        ca_cert_pem=cluster.cert_pem,
        ca_key_pem=cluster.key_pem,
        public_key=key.public_key(),
        subject=x509.Name([x509.NameAttribute(x509.oid.NameOID.ORGANIZATION_NAME, "dev")]),
        usages=("digital signature", "client auth"),
        not_before=now - timedelta(minutes=1),
        not_after=now + timedelta(days=1),
    )
    (tmp_path / "nocn.crt").write_bytes(pem)
    authenticator = X509Authenticator(ChainVerifier([ca_cert(cluster)]))
    assert await authenticator.authenticate(cert_request(Identity(tmp_path / "nocn.crt"))) is None


# --- the front-proxy verifier ------------------------------------------------------------------


def front_proxy(ca: TestCA, allowed: tuple[str, ...] = ()) -> CertificateVerifier:
    names = RequestHeaderNames(usernames=("X-Remote-User",))
    return CertificateVerifier(
        RequestHeaderAuthenticator(names), verifier=ChainVerifier([ca_cert(ca)]), allowed_common_names=allowed
    )


async def test_headers_are_believed_behind_a_verified_proxy_certificate(other: TestCA) -> None:
    proxy = other.issue("fp", user="front-proxy-client")
    result = await front_proxy(other, ("front-proxy-client",)).authenticate(
        cert_request(proxy, ("X-Remote-User", "jane"))
    )
    assert result is not None and result.user.name == "jane"
    assert await front_proxy(other).authenticate(cert_request(proxy)) is None  # no user header


async def test_a_proxy_name_not_allowed_is_refused(other: TestCA) -> None:
    intruder = other.issue("in", user="intruder")
    with pytest.raises(AuthenticationError, match="^x509: subject with cn=intruder is not in the allowed list$"):
        await front_proxy(other, ("front-proxy-client",)).authenticate(
            cert_request(intruder, ("X-Remote-User", "jane"))
        )


async def test_a_client_certificate_from_elsewhere_is_no_proxy(cluster: TestCA, other: TestCA) -> None:
    alice = cluster.issue("alice", user="alice")
    with pytest.raises(AuthenticationError, match="unknown authority"):
        await front_proxy(other).authenticate(cert_request(alice, ("X-Remote-User", "jane")))
    anonymous = AuthRequest(headers=CIMultiDictProxy(CIMultiDict([("X-Remote-User", "jane")])))
    assert await front_proxy(other).authenticate(anonymous) is None
