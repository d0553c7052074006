"""The CA the signers issue from, and the signing policy kube-controller-manager applies.

The built-in signers use the cluster CA (kube-controller-manager's --cluster-signing-cert-file,
which kubeadm points at the cluster CA) and its PermissiveSigningPolicy:

- the lifetime is --cluster-signing-duration, or the request's spec.expirationSeconds when
  shorter, but never under ten minutes;
- the certificate starts five minutes in the past so that a client whose clock lags still
  accepts it; a long-lived one (eight hours or more) ends five minutes earlier to match, a
  short-lived one keeps its full length; nothing outlives the CA;
- subject and SANs are the request's, as crypto/x509 re-encodes them (known attributes only,
  in Go's order, repeated values of one attribute in one RDN); other extensions are dropped;
- the usages are the ones the CSR lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from kubegate import pki
from kubegate.registry.certificates.request import RequestedNames

BACKDATE = timedelta(minutes=5)
#: below this lifetime the end is not backdated (5 minutes is about 1% of 8 hours)
SHORT = timedelta(hours=8)
#: the shortest certificate a request may get (twice the backdate)
MIN_DURATION = 2 * BACKDATE

#: the subject attributes crypto/x509 keeps, in the order it writes them
_GO_NAME_ORDER = (
    NameOID.COUNTRY_NAME, NameOID.STATE_OR_PROVINCE_NAME, NameOID.LOCALITY_NAME,
    NameOID.STREET_ADDRESS, NameOID.POSTAL_CODE, NameOID.ORGANIZATION_NAME,
    NameOID.ORGANIZATIONAL_UNIT_NAME,
)  # fmt: skip
#: extended key usages in the order crypto/x509 sorts them (its ExtKeyUsage enum)
_EXTENDED_ORDER = (
    "any", "server auth", "client auth", "code signing", "email protection", "s/mime",
    "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
    "microsoft sgc", "netscape sgc",
)  # fmt: skip


def go_usages(usages: Iterable[str]) -> list[str]:
    """Each usage once, key usages first, extended ones in crypto/x509's order."""
    unique = list(dict.fromkeys(usages))
    return sorted(unique, key=lambda u: _EXTENDED_ORDER.index(u) if u in _EXTENDED_ORDER else -1)


def duration(expiration_seconds: int | None, cluster_ttl: timedelta) -> timedelta:
    """signer.duration: the requested lifetime within [10 minutes, cluster signing duration]."""
    if expiration_seconds is None:
        return cluster_ttl
    requested = timedelta(seconds=expiration_seconds)
    if requested > cluster_ttl:
        return cluster_ttl
    return max(requested, MIN_DURATION)


def boundaries(now: datetime, ttl: timedelta) -> tuple[datetime, datetime]:
    """(NotBefore, NotAfter) before the CA's own expiry cuts the end short."""
    not_after = now + ttl if ttl < SHORT else now + ttl - BACKDATE
    return now - BACKDATE, not_after


def go_subject(subject: x509.Name) -> x509.Name:
    """The subject as crypto/x509 writes a parsed one back: one RDN per attribute type."""

    def values(oid: x509.ObjectIdentifier) -> list[str]:
        return [str(a.value) for a in subject.get_attributes_for_oid(oid)]

    rdns = [
        x509.RelativeDistinguishedName([x509.NameAttribute(oid, value) for value in found])
        for oid in _GO_NAME_ORDER
        if (found := values(oid))
    ]
    for oid in (NameOID.COMMON_NAME, NameOID.SERIAL_NUMBER):
        found = values(oid)
        if found:  # single-valued in Go: the last one wins
            rdns.append(x509.RelativeDistinguishedName([x509.NameAttribute(oid, found[-1])]))
    return x509.Name(rdns)


def go_sans(names: RequestedNames) -> list[x509.GeneralName]:
    """The SANs crypto/x509 copies from a request, in the order it writes them."""
    ordered: list[x509.GeneralName] = [x509.DNSName(n) for n in names.dns_names]
    ordered += [x509.RFC822Name(n) for n in names.email_addresses]
    ordered += [x509.IPAddress(n) for n in names.ip_addresses]
    ordered += [x509.UniformResourceIdentifier(n) for n in names.uris]
    return ordered


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    cert_pem: bytes
    key_pem: bytes
    not_after: datetime

    @classmethod
    def load(cls, cert_file: Path, key_file: Path) -> CertificateAuthority:
        """Raises PkiError when the files are missing or are not a CA and its key."""
        try:
            cert_pem, key_pem = cert_file.read_bytes(), key_file.read_bytes()
        except OSError as exc:
            raise pki.PkiError(f"cannot read the signing CA: {exc}") from exc
        try:
            cert = x509.load_pem_x509_certificate(cert_pem)
        except ValueError as exc:
            raise pki.PkiError(f"{cert_file}: not a PEM certificate: {exc}") from exc
        return cls(cert_pem, key_pem, cert.not_valid_after_utc)

    def sign(
        self,
        request: x509.CertificateSigningRequest,
        names: RequestedNames,
        usages: Iterable[str],
        *,
        ttl: timedelta,
        now: datetime,
    ) -> bytes:
        """A PEM certificate for the request; PkiError if the CA has expired."""
        not_before, not_after = boundaries(now, ttl)
        if not_before >= self.not_after:
            raise pki.PkiError(f"the signer has expired: NotAfter={self.not_after}")
        if now >= self.not_after:
            raise pki.PkiError(f"refusing to sign a certificate that expired in the past: NotAfter={self.not_after}")
        return pki.sign_certificate(
            ca_cert_pem=self.cert_pem,
            ca_key_pem=self.key_pem,
            public_key=request.public_key(),
            subject=go_subject(request.subject),
            usages=go_usages(usages),
            not_before=not_before,
            not_after=not_after,
            sans=go_sans(names),
        )
