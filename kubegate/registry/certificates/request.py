"""The PKCS#10 request inside a CSR, read as the real server's Go code reads it.

`spec.request` is PEM text (base64 in JSON). The API takes the first well-formed PEM block
(encoding/pem's Decode skips anything before it and malformed blocks), insists it is a
`CERTIFICATE REQUEST` (pkg/apis/certificates ParseCSR) and checks the request's signature
(crypto/x509 CheckSignature); the messages of those failures are the ones clients see in 422s.
The subject and SAN accessors read names the way crypto/x509 fills `Subject` and the SAN
slices, for the signers' checks.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from kubegate.api.gobytes import Base64Error, decode_base64
from kubegate.registry.certificates.api import section

NOT_A_REQUEST = "PEM block type must be CERTIFICATE REQUEST"
#: what crypto/x509 answers for DER it cannot parse (its asn1 errors vary; this is the common one)
MALFORMED = "asn1: structure error: tags don't match"

_BEGIN = b"-----BEGIN "
_DASHES = b"-----"


class RequestError(ValueError):
    """A request the API refuses; the message is the Go error text."""


def request_bytes(obj: dict[str, Any]) -> bytes | None:
    """spec.request decoded from base64, None when absent (decoding has rejected bad base64)."""
    value = section(obj, "spec").get("request")
    if not isinstance(value, str):
        return None
    try:
        return decode_base64(value)
    except Base64Error:
        return None


def pem_decode(data: bytes) -> tuple[str, bytes] | None:
    """encoding/pem Decode: the type and bytes of the first well-formed block, or None."""
    rest = data
    while True:
        if rest.startswith(_BEGIN):
            rest = rest[len(_BEGIN):]
        else:
            at = rest.find(b"\n" + _BEGIN)
            if at < 0:
                return None
            rest = rest[at + 1 + len(_BEGIN):]
        type_line, _, after = rest.partition(b"\n")
        type_line = type_line.rstrip(b" \t\r")
        if not type_line.endswith(_DASHES):
            continue
        block_type = type_line[: -len(_DASHES)]
        body = _block_body(after, block_type)
        if body is None:
            continue
        try:
            der = decode_base64(body.replace(b" ", b"").replace(b"\t", b"").decode("latin-1"))
        except Base64Error:
            continue
        return block_type.decode("utf-8", "replace"), der


def _block_body(text: bytes, block_type: bytes) -> bytes | None:
    """The base64 lines between the type line and a matching END line (headers dropped)."""
    lines = text.split(b"\n")
    start = 0
    while start < len(lines) and b":" in lines[start]:
        start += 1  # "Key: value" headers; the real decoder keeps them, the API never reads them
    end_line = b"-----END " + block_type + _DASHES
    for index in range(start, len(lines)):
        if lines[index].rstrip(b" \t\r") == end_line:
            return b"\n".join(lines[start:index])
    return None


def parse_csr(pem: bytes | None) -> x509.CertificateSigningRequest:
    """ParseCSR: the first PEM block must be a CERTIFICATE REQUEST that parses."""
    block = pem_decode(pem or b"")
    if block is None or block[0] != "CERTIFICATE REQUEST":
        raise RequestError(NOT_A_REQUEST)
    try:
        return x509.load_der_x509_csr(block[1])
    except (ValueError, UnsupportedAlgorithm):
        raise RequestError(MALFORMED) from None


def check_signature(csr: x509.CertificateSigningRequest) -> None:
    """CheckSignature: the request is signed by the key it carries."""
    try:
        valid = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm):
        valid = False
    if valid:
        return
    key = _public_key(csr)
    if isinstance(key, ec.EllipticCurvePublicKey):
        raise RequestError("x509: ECDSA verification failure")
    if isinstance(key, ed25519.Ed25519PublicKey):
        raise RequestError("x509: Ed25519 verification failure")
    if isinstance(key, rsa.RSAPublicKey):
        raise RequestError("crypto/rsa: verification error")
    raise RequestError("x509: cannot verify signature: algorithm unimplemented")


def _public_key(csr: x509.CertificateSigningRequest) -> object:
    try:
        return csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return None


@dataclass(frozen=True, slots=True)
class RequestedNames:
    """What a request asks to be called: crypto/x509's Subject and SAN fields."""

    common_name: str
    organizations: tuple[str, ...]
    dns_names: tuple[str, ...]
    ip_addresses: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]
    email_addresses: tuple[str, ...]
    uris: tuple[str, ...]
    #: the SAN extension as requested, handed on to the certificate unchanged
    sans: tuple[x509.GeneralName, ...]


def requested_names(csr: x509.CertificateSigningRequest) -> RequestedNames:
    subject = csr.subject
    common_names = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    organizations = tuple(str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans: tuple[x509.GeneralName, ...] = tuple(san)
    except (x509.ExtensionNotFound, ValueError):
        sans = ()
    return RequestedNames(
        common_name=common_names[-1] if common_names else "",  # Go keeps the last CN
        organizations=organizations,
        dns_names=tuple(n.value for n in sans if isinstance(n, x509.DNSName)),
        ip_addresses=tuple(
            n.value for n in sans
            if isinstance(n, x509.IPAddress) and isinstance(n.value, ipaddress.IPv4Address | ipaddress.IPv6Address)
        ),
        email_addresses=tuple(n.value for n in sans if isinstance(n, x509.RFC822Name)),
        uris=tuple(n.value for n in sans if isinstance(n, x509.UniformResourceIdentifier)),
        sans=sans,
    )
