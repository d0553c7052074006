"""The cluster's certificate authority: what kubeadm's `certs` and `kubeconfig` phases do.

A Kubernetes API server double is only worth testing against if clients reach it the way they
reach a real cluster: over TLS, trusting a cluster CA, authenticating with a client certificate
whose CN is the user and whose Organizations are the groups, and holding ServiceAccount tokens
signed by a key the server owns. This module makes and keeps those files:

    ca.crt ca.key                 self-signed cluster CA (also the client CA)
    apiserver.crt apiserver.key   serving certificate
    sa.key sa.pub                 ServiceAccount token signing key pair
    admin.crt admin.key           kubernetes-admin, in group system:masters
    admin.kubeconfig              a kubeconfig for that admin

`ensure_pki` only ever adds files: what exists is reused byte for byte (a CA that kubectl
already trusts must never change under it), and what it would have done differently is
reported as a warning instead. The one exception is the server URL in admin.kubeconfig, which
a starting server brings up to date with the address it actually bound (another port, or
`--secure-port 0`), leaving the rest of the file as it was. Key usages are named as in the CertificateSigningRequest API
(`"client auth"`, `"digital signature"`, ...) so that the CSR signer can hand them straight to
`sign_certificate`.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import os
import re
import secrets
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if sys.platform != "win32":
    import fcntl

CLUSTER_NAME = "kubegate"
CA_COMMON_NAME = "kubernetes"
SERVING_COMMON_NAME = "kube-apiserver"
ADMIN_USER = "kubernetes-admin"
ADMIN_GROUP = "system:masters"
DEFAULT_SERVING_SANS = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "127.0.0.1",
    "::1",
)
CA_VALIDITY = timedelta(days=3650)
LEAF_VALIDITY = timedelta(days=365)
# Certificates start a little in the past, as kube-controller-manager's signer does, so that a
# client whose clock lags the server's does not reject a certificate issued a moment ago.
BACKDATE = timedelta(minutes=5)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_KEY_GENERATORS: dict[str, Callable[[], PrivateKey]] = {
    "ecdsa": lambda: ec.generate_private_key(ec.SECP256R1()),
    "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
}

# certificates.k8s.io KeyUsage names -> x509.KeyUsage keyword / extended key usage OID.
_KEY_USAGES: dict[str, str] = {
    "signing": "digital_signature",
    "digital signature": "digital_signature",
    "content commitment": "content_commitment",
    "key encipherment": "key_encipherment",
    "key agreement": "key_agreement",
    "data encipherment": "data_encipherment",
    "cert sign": "key_cert_sign",
    "crl sign": "crl_sign",
    "encipher only": "encipher_only",
    "decipher only": "decipher_only",
}
_EXTENDED_KEY_USAGES: dict[str, x509.ObjectIdentifier] = {
    "any": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    "server auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "s/mime": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "ipsec end system": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
    "ipsec tunnel": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
    "ipsec user": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp signing": ExtendedKeyUsageOID.OCSP_SIGNING,
    "microsoft sgc": x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
    "netscape sgc": x509.ObjectIdentifier("2.16.840.1.113730.4.1"),
}


class PkiError(ValueError):
    """PKI material is missing, unreadable or inconsistent; the message names the file."""


@dataclass(frozen=True, slots=True)
class PkiFiles:
    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    sa_key: Path
    sa_pub: Path
    admin_cert: Path
    admin_key: Path
    admin_kubeconfig: Path
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def in_dir(cls, pki_dir: Path) -> PkiFiles:
        return cls(
            ca_cert=pki_dir / "ca.crt",
            ca_key=pki_dir / "ca.key",
            serving_cert=pki_dir / "apiserver.crt",
            serving_key=pki_dir / "apiserver.key",
            sa_key=pki_dir / "sa.key",
            sa_pub=pki_dir / "sa.pub",
            admin_cert=pki_dir / "admin.crt",
            admin_key=pki_dir / "admin.key",
            admin_kubeconfig=pki_dir / "admin.kubeconfig",
        )


# --- keys and certificates -------------------------------------------------------------------


def generate_private_key(key_type: str) -> PrivateKey:
    """A new key: "ecdsa" is P-256, "rsa" is RSA 2048."""
    return _key_generator(key_type)()


def _key_generator(key_type: str) -> Callable[[], PrivateKey]:
    generate = _KEY_GENERATORS.get(key_type)
    if generate is None:
        raise PkiError(f"unknown key type {key_type!r}; use one of {sorted(_KEY_GENERATORS)}")
    return generate


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def sign_certificate(
    *,
    ca_cert_pem: bytes,
    ca_key_pem: bytes,
    public_key: CertificatePublicKeyTypes,
    subject: x509.Name,
    usages: Collection[str],
    not_before: datetime,
    not_after: datetime,
    sans: Sequence[x509.GeneralName] = (),
) -> bytes:
    """Issue a leaf certificate (PEM) for `public_key`, signed by the CA.

    `usages` are certificates.k8s.io KeyUsage names. The validity ends no later than the CA's,
    as in kube-controller-manager's signer: a chain is only as valid as its shortest link.
    """
    ca_cert = _load_certificate(ca_cert_pem, source="CA certificate")
    ca_key = _load_private_key(ca_key_pem, source="CA key")
    if _public_der(ca_key.public_key()) != _public_der(ca_cert.public_key()):
        raise PkiError("CA key does not belong to the CA certificate")
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    cert = _build_certificate(
        issuer=ca_cert.subject,
        issuer_key=ca_key,
        aki=aki,
        public_key=public_key,
        subject=subject,
        usages=usages,
        not_before=not_before,
        not_after=min(not_after, ca_cert.not_valid_after_utc),
        sans=sans,
        is_ca=False,
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def issue_client_cert(
    *,
    ca_cert_pem: bytes,
    ca_key_pem: bytes,
    user: str,
    groups: Sequence[str] = (),
    key_type: str = "ecdsa",
    days: int = 365,
    not_before: datetime | None = None,
) -> tuple[bytes, bytes]:
    """A new key and a client certificate for `user` in `groups`: (cert PEM, key PEM)."""
    if days <= 0:
        raise PkiError(f"days must be positive, not {days}")
    key = generate_private_key(key_type)
    start = not_before if not_before is not None else _now()
    cert_pem = sign_certificate(
        ca_cert_pem=ca_cert_pem,
        ca_key_pem=ca_key_pem,
        public_key=key.public_key(),
        subject=user_subject(user, groups),
        usages=_leaf_usages(key.public_key(), "client auth"),
        not_before=start if not_before is not None else start - BACKDATE,
        not_after=start + timedelta(days=days),
    )
    return cert_pem, private_key_pem(key)


def user_subject(user: str, groups: Sequence[str] = ()) -> x509.Name:
    """O=group... CN=user, in Go's attribute order; kube-apiserver reads CN as the user name
    and every O as a group."""
    if not user:
        raise PkiError("a client certificate needs a user name")
    if not all(groups):
        raise PkiError("group names must not be empty")
    # Go would issue a longer CN, but cryptography warns on every parse of one (including the
    # x509 authenticator's), so the limit of X.520's ub-common-name is enforced here instead.
    if len(user.encode()) > 64:
        raise PkiError(f"user name {user!r} is longer than a certificate CN may be (64 bytes)")
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, group) for group in groups]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, user))
    return x509.Name(attributes)


def load_ca(pki_dir: Path) -> tuple[bytes, bytes]:
    """(ca.crt PEM, ca.key PEM) from `pki_dir`."""
    files = PkiFiles.in_dir(pki_dir)
    return _read(files.ca_cert), _read(files.ca_key)


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, e.g. a --client-ca-file."""
    try:
        return x509.load_pem_x509_certificates(_read(path))
    except ValueError as exc:
        raise PkiError(f"{path}: not a PEM certificate bundle: {exc}") from exc


def _build_certificate(
    *,
    issuer: x509.Name,
    issuer_key: CertificateIssuerPrivateKeyTypes,
    aki: x509.AuthorityKeyIdentifier | None,
    public_key: CertificatePublicKeyTypes,
    subject: x509.Name,
    usages: Collection[str],
    not_before: datetime,
    not_after: datetime,
    sans: Sequence[x509.GeneralName],
    is_ca: bool,
) -> x509.Certificate:
    if not_after <= not_before:
        raise PkiError(f"validity ends ({not_after}) before it starts ({not_before})")
    unknown = set(usages) - _KEY_USAGES.keys() - _EXTENDED_KEY_USAGES.keys()
    if unknown:
        raise PkiError(f"unknown key usages: {sorted(unknown)}")
    builder = (
        x509.CertificateBuilder()
        .issuer_name(issuer)
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    flags = {_KEY_USAGES[u] for u in usages if u in _KEY_USAGES}
    if flags:
        keywords = dict.fromkeys(_KEY_USAGES.values(), False) | dict.fromkeys(flags, True)
        builder = builder.add_extension(x509.KeyUsage(**keywords), critical=True)
    extended = [_EXTENDED_KEY_USAGES[u] for u in usages if u in _EXTENDED_KEY_USAGES]
    if extended:
        unique = list(dict.fromkeys(extended))
        builder = builder.add_extension(x509.ExtendedKeyUsage(unique), critical=False)
    if aki is not None:
        builder = builder.add_extension(aki, critical=False)
    if sans:
        # RFC 5280 4.2.1.6: with an empty subject the SAN is the identity and must be critical.
        san = x509.SubjectAlternativeName(list(sans))
        builder = builder.add_extension(san, critical=len(subject) == 0)
    return builder.sign(issuer_key, _signature_hash(issuer_key))


def _self_signed_ca(key_pem: bytes, *, now: datetime) -> bytes:
    key = _load_private_key(key_pem, source="CA key")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME)])
    cert = _build_certificate(
        issuer=name,
        issuer_key=key,
        aki=None,
        public_key=key.public_key(),
        subject=name,
        usages=("cert sign", "crl sign", "digital signature"),
        not_before=now - BACKDATE,
        not_after=now + CA_VALIDITY,
        sans=(),
        is_ca=True,
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _leaf_usages(public_key: CertificatePublicKeyTypes, purpose: str) -> tuple[str, ...]:
    # keyEncipherment only means something for RSA key transport; ECDSA keys never encipher.
    if isinstance(public_key, rsa.RSAPublicKey):
        return ("digital signature", "key encipherment", purpose)
    return ("digital signature", purpose)


def _signature_hash(key: CertificateIssuerPrivateKeyTypes) -> hashes.SHA256 | hashes.SHA384 | None:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return None  # EdDSA hashes internally
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def _general_names(names: Sequence[str]) -> list[x509.GeneralName]:
    """IP literals become IP SANs, anything else a DNS SAN; duplicates are dropped."""
    result: list[x509.GeneralName] = []
    for name in names:
        if not name:
            raise PkiError("a subject alternative name must not be empty")
        general: x509.GeneralName
        try:
            general = x509.IPAddress(ipaddress.ip_address(name))
        except ValueError:
            try:
                general = x509.DNSName(name.lower())
            except ValueError as exc:
                raise PkiError(f"subject alternative name {name!r}: {exc}") from exc
        if general not in result:
            result.append(general)
    return result


def _load_certificate(pem: bytes, *, source: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise PkiError(f"{source}: not a PEM certificate: {exc}") from exc


def _load_private_key(pem: bytes, *, source: str) -> CertificateIssuerPrivateKeyTypes:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise PkiError(f"{source}: not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(
        key,
        ec.EllipticCurvePrivateKey
        | rsa.RSAPrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        raise PkiError(f"{source}: {type(key).__name__} cannot sign certificates")
    return key


def _public_der(key: Any) -> bytes:
    der: bytes = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def _now() -> datetime:
    return datetime.now(UTC)


# --- kubeconfig ------------------------------------------------------------------------------


def build_kubeconfig(
    *,
    server_url: str,
    ca_pem: bytes,
    cluster_name: str = CLUSTER_NAME,
    user_name: str,
    context_name: str | None = None,
    client_cert_pem: bytes | None = None,
    client_key_pem: bytes | None = None,
    token: str | None = None,
    namespace: str | None = None,
) -> dict[str, Any]:
    """A one-cluster, one-user, one-context kubeconfig with everything embedded."""
    if (client_cert_pem is None) != (client_key_pem is None):
        raise PkiError("a client certificate and its key must be given together")
    user: dict[str, str] = {}
    if client_cert_pem is not None and client_key_pem is not None:
        user["client-certificate-data"] = _b64(client_cert_pem)
        user["client-key-data"] = _b64(client_key_pem)
    if token is not None:
        user["token"] = token
    context = {"cluster": cluster_name, "user": user_name}
    if namespace:
        context["namespace"] = namespace
    context_name = context_name or f"{user_name}@{cluster_name}"
    # Keys in kubectl's (alphabetical) order, so the file reads like one kubectl wrote.
    return {
        "apiVersion": "v1",
        "clusters": [
            {
                "cluster": {"certificate-authority-data": _b64(ca_pem), "server": server_url},
                "name": cluster_name,
            }
        ],
        "contexts": [{"context": context, "name": context_name}],
        "current-context": context_name,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": user_name, "user": user}],
    }


def write_kubeconfig(path: Path, config: dict[str, Any], *, overwrite: bool = True) -> None:
    """Write `config` as YAML, mode 0600, atomically; FileExistsError if it exists and
    `overwrite` is false."""
    _write_atomic(path, _kubeconfig_yaml(config), mode=0o600, overwrite=overwrite)


def kubeconfig_path(pki_dir: Path, user: str) -> Path:
    """`<pki_dir>/<user>.kubeconfig`, the user name made safe for a file name."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", user).lstrip(".") or "_"
    return pki_dir / f"{stem}.kubeconfig"


def write_user_kubeconfig(
    *,
    pki_dir: Path,
    user: str,
    groups: Sequence[str] = (),
    server_url: str,
    out: Path | None = None,
    key_type: str = "ecdsa",
) -> Path:
    """Back `kubegate kubeconfig --user NAME [--group G]...`: issue a client certificate from
    the cluster CA, write a kubeconfig that embeds it, and return where it went."""
    ca_cert_pem, ca_key_pem = load_ca(pki_dir)
    target = out if out is not None else kubeconfig_path(pki_dir, user)
    if out is None and target == PkiFiles.in_dir(pki_dir).admin_kubeconfig:
        raise PkiError(f"{target} is the cluster admin's kubeconfig; choose another output file")
    cert_pem, key_pem = issue_client_cert(
        ca_cert_pem=ca_cert_pem, ca_key_pem=ca_key_pem, user=user, groups=groups, key_type=key_type
    )
    config = build_kubeconfig(
        server_url=server_url,
        ca_pem=ca_cert_pem,
        user_name=user,
        client_cert_pem=cert_pem,
        client_key_pem=key_pem,
    )
    write_kubeconfig(target, config)
    return target


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- the pki directory -----------------------------------------------------------------------


def ensure_pki(
    pki_dir: Path,
    *,
    server_url: str,
    key_type: str = "ecdsa",
    extra_sans: Sequence[str] = (),
    rewrite_kubeconfig: bool = False,
) -> PkiFiles:
    """Create whatever of the cluster's PKI is missing in `pki_dir` and reuse the rest as is.

    A missing certificate is issued for its existing key; a key missing beside an existing
    certificate is an error, since the certificate could never be used again. With
    `rewrite_kubeconfig`, an admin.kubeconfig pointing elsewhere is pointed at `server_url`.
    A directory that cannot be created or written is a `PkiError` naming it.
    """
    generate = _key_generator(key_type)
    serving_sans = _general_names([*DEFAULT_SERVING_SANS, *extra_sans])
    server_host = urlsplit(server_url).hostname
    if not server_host:
        raise PkiError(f"server URL {server_url!r} has no host")
    try:
        return _ensure_pki(
            pki_dir, server_url=server_url, server_host=server_host, generate=generate,
            serving_sans=serving_sans, extra_sans=extra_sans, rewrite_kubeconfig=rewrite_kubeconfig,
        )
    except OSError as exc:  # reads are PkiErrors already: this is a write that failed
        raise PkiError(_not_writable(pki_dir, exc)) from None


def _not_writable(pki_dir: Path, exc: OSError) -> str:
    why = exc.strerror or str(exc)
    problem = "is not writable" if pki_dir.is_dir() else "cannot be created"
    message = f"PKI directory {pki_dir} {problem}: {why[:1].lower()}{why[1:]}"
    if not isinstance(exc, PermissionError):
        return message
    # Typically a directory mounted into a container, owned by root: say who may not write where.
    where = next(p for p in (pki_dir, *pki_dir.absolute().parents) if p.is_dir())
    return (
        f"{message} (uid {os.getuid()} may not write to {where}: "
        "make it writable by that user, or choose another --pki-dir)"
    )


def _ensure_pki(
    pki_dir: Path,
    *,
    server_url: str,
    server_host: str,
    generate: Callable[[], PrivateKey],
    serving_sans: list[x509.GeneralName],
    extra_sans: Sequence[str],
    rewrite_kubeconfig: bool,
) -> PkiFiles:
    _make_private_dir(pki_dir)
    files = PkiFiles.in_dir(pki_dir)
    now = _now()
    with _locked(pki_dir):
        ca_key = _ensure_key(files.ca_key, files.ca_cert, generate)
        ca_pem = _ensure_file(files.ca_cert, lambda: _self_signed_ca(ca_key, now=now))
        ca = _load_certificate(ca_pem, source=str(files.ca_cert))

        def issue(
            key_pem: bytes, subject: x509.Name, purpose: str, sans: list[x509.GeneralName]
        ) -> bytes:
            public_key = _load_private_key(key_pem, source="leaf key").public_key()
            return sign_certificate(
                ca_cert_pem=ca_pem,
                ca_key_pem=ca_key,
                public_key=public_key,
                subject=subject,
                usages=_leaf_usages(public_key, purpose),
                not_before=now - BACKDATE,
                not_after=now + LEAF_VALIDITY,
                sans=sans,
            )

        serving_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVING_COMMON_NAME)])
        serving_key = _ensure_key(files.serving_key, files.serving_cert, generate)
        serving_pem = _ensure_file(
            files.serving_cert,
            lambda: issue(serving_key, serving_subject, "server auth", serving_sans),
        )
        sa_key = _ensure_key(files.sa_key, files.sa_pub, generate)
        _ensure_file(files.sa_pub, lambda: _public_pem(sa_key, source=str(files.sa_key)))
        admin_subject = user_subject(ADMIN_USER, [ADMIN_GROUP])
        admin_key = _ensure_key(files.admin_key, files.admin_cert, generate)
        admin_pem = _ensure_file(
            files.admin_cert, lambda: issue(admin_key, admin_subject, "client auth", [])
        )
        admin_config = build_kubeconfig(
            server_url=server_url,
            ca_pem=ca_pem,
            user_name=ADMIN_USER,
            client_cert_pem=admin_pem,
            client_key_pem=admin_key,
        )
        kubeconfig = _ensure_file(
            files.admin_kubeconfig, lambda: _kubeconfig_yaml(admin_config), mode=0o600
        )
        if rewrite_kubeconfig:
            kubeconfig = _point_at(files.admin_kubeconfig, kubeconfig, server_url=server_url)
    found = [
        *_expiry_warnings(files.ca_cert, ca, now=now),
        *_leaf_warnings(files.serving_cert, serving_pem, serving_key, ca, now=now),
        *_san_warnings(files.serving_cert, serving_pem, _general_names(extra_sans), server_host),
        *_leaf_warnings(files.admin_cert, admin_pem, admin_key, ca, now=now),
        *_kubeconfig_warnings(files.admin_kubeconfig, kubeconfig, server_url=server_url),
    ]
    return replace(files, warnings=found)


def _ensure_key(key_path: Path, cert_path: Path, generate: Callable[[], PrivateKey]) -> bytes:
    if key_path.exists():
        pem = _read(key_path)
        _load_private_key(pem, source=str(key_path))
        return pem
    if cert_path.exists():
        raise PkiError(
            f"{cert_path} exists but its private key {key_path} does not; "
            f"restore the key, or delete {cert_path} to have both made anew"
        )
    pem = private_key_pem(generate())
    _write_atomic(key_path, pem, mode=0o600, overwrite=False)
    return pem


def _ensure_file(path: Path, make: Callable[[], bytes], *, mode: int = 0o644) -> bytes:
    if path.exists():
        return _read(path)
    data = make()
    _write_atomic(path, data, mode=mode, overwrite=False)
    return data


def _public_pem(key_pem: bytes, *, source: str) -> bytes:
    public_key = _load_private_key(key_pem, source=source).public_key()
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _kubeconfig_yaml(config: dict[str, Any]) -> bytes:
    text: str = yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
    return text.encode()


def _expiry_warnings(path: Path, cert: x509.Certificate, *, now: datetime) -> list[str]:
    if cert.not_valid_after_utc > now:
        return []
    return [f"{path} expired on {cert.not_valid_after_utc:%Y-%m-%d}; delete it to reissue it"]


def _leaf_warnings(
    path: Path, cert_pem: bytes, key_pem: bytes, ca: x509.Certificate, *, now: datetime
) -> list[str]:
    cert = _load_certificate(cert_pem, source=str(path))
    found = _expiry_warnings(path, cert, now=now)
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        found.append(f"{path} was not issued by the current CA; delete it to reissue it")
    key = _load_private_key(key_pem, source=f"the private key of {path}")
    if _public_der(cert.public_key()) != _public_der(key.public_key()):
        found.append(f"{path} does not match its private key; delete it to reissue it")
    return found


def _san_warnings(
    path: Path, cert_pem: bytes, requested: list[x509.GeneralName], server_host: str
) -> list[str]:
    cert = _load_certificate(cert_pem, source=str(path))
    try:
        present = list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        present = []
    # DNS names compare case-insensitively; requested ones are already lower case.
    present = [x509.DNSName(n.value.lower()) if isinstance(n, x509.DNSName) else n for n in present]
    found = [
        f"{path} lacks the requested SAN {name.value}; delete it to reissue it with that SAN"
        for name in requested
        if name not in present
    ]
    host = _general_names([server_host])[0]
    if host not in present and host not in requested:
        found.append(
            f"{path} does not name the server URL's host {server_host}, so clients will reject "
            "it; add that host to the extra SANs and delete the certificate to reissue it"
        )
    return found


def _point_at(path: Path, data: bytes, *, server_url: str) -> bytes:
    """admin.kubeconfig with its kubegate cluster's server set to `server_url`, rewritten only
    if it pointed elsewhere; a file kubegate cannot read is left alone (and warned about)."""
    try:
        config = yaml.safe_load(data)
        clusters = config["clusters"]
        entry = next((c for c in clusters if c.get("name") == CLUSTER_NAME), clusters[0])
        current = str(entry["cluster"]["server"])
    except (yaml.YAMLError, KeyError, IndexError, TypeError, AttributeError):
        return data
    if current.rstrip("/") == server_url.rstrip("/"):
        return data
    entry["cluster"]["server"] = server_url
    rewritten = _kubeconfig_yaml(config)
    try:
        _write_atomic(path, rewritten, mode=0o600, overwrite=True)
    except OSError:  # a read-only PKI directory: served anyway, with the stale-URL warning
        return data
    return rewritten


def _kubeconfig_warnings(path: Path, data: bytes, *, server_url: str) -> list[str]:
    try:
        servers = [str(c["cluster"]["server"]) for c in yaml.safe_load(data)["clusters"]]
    except (yaml.YAMLError, KeyError, TypeError):
        return [f"{path} is not a kubeconfig kubegate can read"]
    if server_url.rstrip("/") in (s.rstrip("/") for s in servers):
        return []
    return [f"{path} points at {', '.join(servers)}, not {server_url}; delete it to rewrite it"]


# --- files -----------------------------------------------------------------------------------


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PkiError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _make_private_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        return
    directory.chmod(0o700)  # mkdir's mode is narrowed by the umask; make it exact


def _write_atomic(path: Path, data: bytes, *, mode: int, overwrite: bool) -> None:
    """Write through a 0600 (or `mode`) temp file in the same directory, so that no reader
    ever sees a half-written key and no key is ever world-readable, even for a moment."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
        else:
            # rename() would silently replace a file created since we looked; link() refuses.
            os.link(tmp, path)
            os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable, so a crash cannot leave a key referenced by nothing."""
    if sys.platform == "win32":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(pki_dir: Path) -> Iterator[None]:
    """Serialize `ensure_pki` on one directory: two servers starting at once must not each make
    a CA and keep half of each other's files."""
    if sys.platform == "win32":
        yield
        return
    try:
        fd = os.open(pki_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        # A read-only directory (a mounted secret): nothing can be written, so there is no race
        # to guard; a file that is missing fails below with the directory named.
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
