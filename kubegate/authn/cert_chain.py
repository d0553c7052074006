"""Verifying a client certificate against one CA bundle, as Go's `x509.Certificate.Verify` does.

The TLS layer trusts the union of every client-facing CA (`--client-ca-file` and
`--requestheader-client-ca-file`), so a completed handshake only says "some configured CA issued
this". Each authenticator then re-verifies the certificate against its own bundle, exactly as
k8s.io/apiserver's x509 authenticator and front-proxy verifier do, with the client-auth
extended key usage required.

cryptography's verifier implements the Web PKI profile, which is stricter than Go in ways that
do not matter for client certificates; the policies below relax those (no SAN, no AKI on the
leaf or an intermediate, no key usage or SKI on a CA: Go checks none of them) and accept the leaf's EKU as Go
does (absent, `clientAuth` or `anyExtendedKeyUsage`). Messages follow Go's wording; they only
ever reach the log.

A verdict depends on the certificate and the clock alone (the bundles are read once at start),
so `VerdictCache` keeps one per certificate until the chain expires: keep-alive connections and
repeat clients are verified once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

_AGNOSTIC = verification.Criticality.AGNOSTIC
_UNKNOWN_AUTHORITY = "x509: certificate signed by unknown authority"
_INCOMPATIBLE_USAGE = "x509: certificate specifies an incompatible key usage"
_CLIENT_USAGES = (ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE)


class ChainError(Exception):
    """The certificate does not verify against the bundle; the message is Go's wording.

    `retry_at` is when the answer could change: never, except for a certificate that is not
    valid yet.
    """

    def __init__(self, message: str, *, retry_at: float = float("inf")) -> None:
        super().__init__(message)
        self.retry_at = retry_at


def _client_usage(
    policy: verification.Policy, cert: x509.Certificate, usage: x509.ExtendedKeyUsage | None
) -> None:
    # Go: a leaf without the extension may be used for anything; with it, clientAuth or any.
    if usage is not None and not any(oid in usage for oid in _CLIENT_USAGES):
        raise ValueError(_INCOMPATIBLE_USAGE)


_CA_POLICY = (
    verification.ExtensionPolicy.webpki_defaults_ca()
    .may_be_present(x509.KeyUsage, _AGNOSTIC, None)
    .may_be_present(x509.SubjectKeyIdentifier, _AGNOSTIC, None)
    .may_be_present(x509.AuthorityKeyIdentifier, _AGNOSTIC, None)
)
_LEAF_POLICY = (
    verification.ExtensionPolicy.webpki_defaults_ee()
    .may_be_present(x509.SubjectAlternativeName, _AGNOSTIC, None)
    .may_be_present(x509.AuthorityKeyIdentifier, _AGNOSTIC, None)
    .may_be_present(x509.ExtendedKeyUsage, _AGNOSTIC, _client_usage)
)


def _go_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _colon_hex(data: bytes) -> str:
    return ":".join(f"{byte:02X}" for byte in data)


def certificate_identifier(cert: x509.Certificate) -> str:
    """`SN=…, SKID=…, AKID=…`, how the real x509 authenticator names a certificate in its log."""
    try:
        skid = _colon_hex(cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest)
    except x509.ExtensionNotFound:
        skid = ""
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        akid = _colon_hex(aki.key_identifier or b"")
    except x509.ExtensionNotFound:
        akid = ""
    return f"SN={cert.serial_number}, SKID={skid}, AKID={akid}"


class ChainVerifier:
    """Verifies client certificates against one CA bundle (every certificate in it is a root)."""

    def __init__(self, roots: Sequence[x509.Certificate]) -> None:
        if not roots:
            raise ValueError("a CA bundle needs at least one certificate")
        self._store = verification.Store(list(roots))

    def verify(
        self,
        leaf: x509.Certificate,
        intermediates: Sequence[x509.Certificate] = (),
        *,
        now: datetime | None = None,
    ) -> float:
        """Verify `leaf`; return the POSIX time at which the verified chain stops being valid."""
        moment = now if now is not None else datetime.now(UTC)
        # Go reports the leaf's own validity first, with both times; say the same.
        if moment > leaf.not_valid_after_utc:
            raise ChainError(
                "x509: certificate has expired or is not yet valid: current time "
                f"{_go_time(moment)} is after {_go_time(leaf.not_valid_after_utc)}"
            )
        if moment < leaf.not_valid_before_utc:
            raise ChainError(
                "x509: certificate has expired or is not yet valid: current time "
                f"{_go_time(moment)} is before {_go_time(leaf.not_valid_before_utc)}",
                retry_at=leaf.not_valid_before_utc.timestamp(),
            )
        verifier = (
            verification.PolicyBuilder()
            .store(self._store)
            .time(moment)
            .extension_policies(ca_policy=_CA_POLICY, ee_policy=_LEAF_POLICY)
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(leaf, list(intermediates))
        except verification.VerificationError as exc:
            raise ChainError(_go_message(str(exc))) from None
        return min(cert.not_valid_after_utc for cert in verified.chain).timestamp()


def _go_message(detail: str) -> str:
    if _INCOMPATIBLE_USAGE in detail:
        return _INCOMPATIBLE_USAGE
    if "not valid at validation time" in detail:
        return "x509: certificate has expired or is not yet valid"
    if "candidates exhausted" in detail:
        return _UNKNOWN_AUTHORITY
    return f"x509: {detail.removeprefix('validation failed: ')}"


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Verdict(Generic[T]):
    """What was decided about one certificate, and until when (POSIX seconds) it stands."""

    value: T
    until: float


class VerdictCache(Generic[T]):
    """A bounded, least-recently-added map from a certificate's DER bytes to its verdict."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, Verdict[T]] = OrderedDict()

    def get(self, der: bytes, *, now: float | None = None) -> Verdict[T] | None:
        entry = self._entries.get(der)
        if entry is None:
            return None
        if (now if now is not None else time.time()) >= entry.until:
            del self._entries[der]
            return None
        return entry

    def put(self, der: bytes, verdict: Verdict[T]) -> Verdict[T]:
        self._entries[der] = verdict
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return verdict


def chain_key(request_der: bytes, chain: Sequence[x509.Certificate]) -> bytes:
    """What a verdict is cached under: the leaf's DER, and the intermediates sent with it."""
    if len(chain) < 2:
        return request_der
    return request_der + b"".join(cert.public_bytes(Encoding.DER) for cert in chain[1:])
