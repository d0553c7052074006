"""PKCS#10 requests and CertificateSigningRequest bodies for tests, as `openssl req` makes them."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
_KEY = ec.generate_private_key(ec.SECP256R1())  # one key for every request: generating is slow


def request_pem(
    common_name: str, organizations: Sequence[str] = (), *, dns_names: Sequence[str] = (), emails: Sequence[str] = ()
) -> bytes:
    """A signed request for CN=common_name, O=each organization, with optional SANs."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    attributes += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names] + [x509.RFC822Name(e) for e in emails]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def csr_body(
    name: str,
    pem: bytes,
    *,
    signer: str = "kubernetes.io/kube-apiserver-client",
    usages: Sequence[str] = ("client auth",),
    expiration_seconds: int | None = None,
    **spec: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": {"request": base64.b64encode(pem).decode(), "signerName": signer, "usages": list(usages), **spec},
    }
    if expiration_seconds is not None:
        body["spec"]["expirationSeconds"] = expiration_seconds
    return body


def with_condition(csr: dict[str, Any], kind: str, **fields: str) -> dict[str, Any]:
    """The CSR with one more condition, as `kubectl certificate approve|deny` sends it."""
    status = dict(csr.get("status") or {})
    status["conditions"] = [*status.get("conditions", []), {"type": kind, "status": "True", **fields}]
    return {**csr, "status": status}


def issued_certificate(csr: dict[str, Any]) -> x509.Certificate:
    return x509.load_pem_x509_certificate(base64.b64decode(csr["status"]["certificate"]))
