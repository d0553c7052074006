"""Client-certificate authentication (kube-apiserver `--client-ca-file`).

The TLS handshake accepts certificates from every client-facing CA (see server/tls.py), so this
authenticator verifies the presented chain again against the `--client-ca-file` bundle alone,
requiring the client-auth usage, as k8s.io/apiserver's x509 authenticator does: a front-proxy
certificate that only chains to `--requestheader-client-ca-file` is no user. The leaf then maps
to a user as `CommonNameUserConversion` does: CN is the name, each Organization a group, and
(since 1.32) extra `authentication.kubernetes.io/credential-id` = `X509SHA256=<hex>`. A
certificate without a CN is "not mine", so the request goes on to the token authenticators.

Verdicts are cached per certificate (the DER bytes) until the chain expires, because every
keep-alive request of a connection presents the same one.
"""

from __future__ import annotations

import hashlib
import warnings
from types import MappingProxyType

from cryptography import x509
from cryptography.x509.oid import NameOID

from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthenticationError, AuthRequest, AuthResult
from kubegate.authn.cert_chain import (
    ChainError,
    ChainVerifier,
    Verdict,
    VerdictCache,
    certificate_identifier,
    chain_key,
)
from kubegate.config import ServerConfig
from kubegate.pki import PkiFiles, load_certificates

CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"

# An outcome: the user (or None when the certificate names nobody), or why it failed.
_Outcome = AuthResult | str | None


def load_certificate(der: bytes) -> x509.Certificate:
    """Parse a DER certificate; a client's odd-but-valid certificate must not warn in the log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.load_der_x509_certificate(der)


def credential_id(der: bytes) -> str:
    return "X509SHA256=" + hashlib.sha256(der).hexdigest()


def common_name(cert: x509.Certificate) -> str:
    """The subject's CN; with several, the last, as Go's `pkix.Name` keeps it."""
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(common_names[-1].value) if common_names else ""


def user_from_certificate(cert: x509.Certificate, der: bytes) -> UserInfo | None:
    name = common_name(cert)
    if not name:
        return None
    groups = tuple(
        str(attr.value) for attr in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    )
    extra = MappingProxyType({CREDENTIAL_ID_KEY: (credential_id(der),)})
    return UserInfo(name, groups=groups, extra=extra)


class X509Authenticator:
    """Authenticates a request by a client certificate that chains to the client CA bundle."""

    def __init__(self, verifier: ChainVerifier) -> None:
        self._verifier = verifier
        self._cache: VerdictCache[_Outcome] = VerdictCache()

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        der = request.peer_certificate_der
        if not der:
            return None
        key = chain_key(der, request.peer_certificates)
        verdict = self._cache.get(key) or self._cache.put(key, self._decide(der, request))
        if isinstance(verdict.value, str):
            raise AuthenticationError(verdict.value)
        return verdict.value

    def _decide(self, der: bytes, request: AuthRequest) -> Verdict[_Outcome]:
        try:
            leaf = load_certificate(der)
        except ValueError as exc:
            return Verdict(f"x509: unparseable client certificate: {exc}", float("inf"))
        try:
            until = self._verifier.verify(leaf, request.peer_certificates[1:])
        except ChainError as exc:
            message = f"verifying certificate {certificate_identifier(leaf)} failed: {exc}"
            return Verdict(message, exc.retry_at)
        user = user_from_certificate(leaf, der)
        return Verdict(AuthResult(user) if user is not None else None, until)


def from_config(config: ServerConfig, *, pki: PkiFiles | None) -> X509Authenticator | None:
    """The x509 authenticator for `--client-ca-file` (default: the cluster CA), if there is one."""
    bundle = config.client_ca_file or (pki.ca_cert if pki is not None else None)
    if bundle is None:
        return None
    return X509Authenticator(ChainVerifier(load_certificates(bundle)))
