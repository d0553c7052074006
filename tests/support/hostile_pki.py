"""Certificates for the hostile-input suite: a chain through an intermediate CA, and two CAs with
the same subject whose certificates carry no AuthorityKeyIdentifier.

Written with cryptography directly, because `kubegate pki` never makes either shape: both come
from users' own PKIs (an organisation's intermediate; two `kubegate pki init` runs whose bundles
were concatenated).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PEM = serialization.Encoding.PEM


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _name(common_name: str, *organizations: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issue(
    subject: x509.Name, *, issuer: Issued | None = None, ca: bool = False, with_aki: bool = True,
) -> Issued:
    """A certificate for `subject`, self-signed when `issuer` is None."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    if issuer is not None and with_aki:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    signer = issuer.key if issuer is not None else key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def user(common_name: str, *groups: str, issuer: Issued, with_aki: bool = True) -> Issued:
    return issue(_name(common_name, *groups), issuer=issuer, with_aki=with_aki)


def ca(common_name: str, *, issuer: Issued | None = None) -> Issued:
    return issue(_name(common_name), issuer=issuer, ca=True)


def write_identity(directory: Path, name: str, leaf: Issued, *chain: Issued) -> tuple[Path, Path]:
    """PEM files for a client: the leaf followed by `chain`, and the leaf's key."""
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(b"".join(item.cert.public_bytes(PEM) for item in (leaf, *chain)))
    key_path.write_bytes(leaf.key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


def write_bundle(path: Path, *cas: Issued) -> Path:
    path.write_bytes(b"".join(item.cert.public_bytes(PEM) for item in cas))
    return path
