"""The TLS context: TLS 1.2+, HTTP/1.1 only, client certificates requested and verified.

kubectl offers h2 and falls back cleanly when the server picks http/1.1, so h2 is never
advertised. Client certificates are optional at the handshake (token and anonymous clients
present none) but one that is presented must chain to one of the client-facing CAs
(`--client-ca-file` and `--requestheader-client-ca-file`), be within its validity period and
allow client authentication, or OpenSSL ends the handshake: a foreign or expired certificate
never reaches the authenticators. (The real server requests certificates without verifying
them and lets the x509 authenticator answer 401; Python's ssl module cannot request a
certificate without verifying it.) Which CA makes which kind of identity is the
authenticators' business: each verifies the chain again against its own bundle. Where
OpenSSL picks the wrong one of two CAs with the same subject, `tls_verify` gives Go's answer.

OpenSSL's own errors name no file (`[SSL] PEM lib`), so every file is read and parsed first: a
missing, unreadable or malformed certificate, key or CA bundle, or a key that is not the
certificate's, stops the start with one line that names the file and what is wrong with it.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kubegate.config import ServerConfig
from kubegate.pki import load_certificates
from kubegate.server import tls_verify
from kubegate.server.startup import StartupError, reason


def client_ca_files(config: ServerConfig, *, cluster_ca: Path | None) -> list[Path]:
    """Every CA a client certificate may chain to: `--client-ca-file` (default: the cluster CA)
    and `--requestheader-client-ca-file`."""
    files = [config.client_ca_file or cluster_ca, config.requestheader_client_ca_file]
    return list(dict.fromkeys(path for path in files if path is not None))


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise StartupError(f"{what} {path}: cannot read: {reason(error)}") from None


def _certificates(path: Path, what: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(_read(path, what))
    except ValueError:
        raise StartupError(f"{what} {path}: not a PEM certificate") from None


def check_files(*, cert_file: Path, key_file: Path, client_ca_files: Sequence[Path]) -> None:
    """Raise `StartupError` naming the first file OpenSSL would refuse, and why."""
    leaf = _certificates(cert_file, "serving certificate")[0]
    try:
        key = serialization.load_pem_private_key(_read(key_file, "serving key"), password=None)
    except (ValueError, TypeError):
        raise StartupError(f"serving key {key_file}: not an unencrypted PEM private key") from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, public) != leaf.public_key().public_bytes(
        serialization.Encoding.DER, public
    ):
        raise StartupError(f"serving key {key_file} does not belong to the serving certificate {cert_file}")
    for ca_file in client_ca_files:
        _certificates(ca_file, "client CA file")


def server_context(*, cert_file: Path, key_file: Path, client_ca_files: Sequence[Path]) -> ssl.SSLContext:
    check_files(cert_file=cert_file, key_file=key_file, client_ca_files=client_ca_files)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert_file), str(key_file))
    except (OSError, ssl.SSLError) as error:  # parsed above; OpenSSL may still refuse (a weak key)
        raise StartupError(f"serving certificate {cert_file} and key {key_file}: {error}") from None
    context.set_alpn_protocols(["http/1.1"])
    # As Go's server: no renegotiation, so the client certificate of a connection is fixed
    # (the authentication filter reads it once per connection).
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    if client_ca_files:
        for ca_file in client_ca_files:
            try:
                context.load_verify_locations(cafile=str(ca_file))
            except (OSError, ssl.SSLError) as error:
                raise StartupError(f"client CA file {ca_file}: {error}") from None
        context.verify_mode = ssl.CERT_OPTIONAL
        roots = [cert for ca_file in client_ca_files for cert in load_certificates(ca_file)]
        tls_verify.install(context, roots)  # Go's chain building where OpenSSL's gives up
    else:
        context.verify_mode = ssl.CERT_NONE
    return context
