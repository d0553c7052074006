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
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path

from kubegate.config import ServerConfig
from kubegate.pki import load_certificates
from kubegate.server import tls_verify


def client_ca_files(config: ServerConfig, *, cluster_ca: Path | None) -> list[Path]:
    """Every CA a client certificate may chain to: `--client-ca-file` (default: the cluster CA)
    and `--requestheader-client-ca-file`."""
    files = [config.client_ca_file or cluster_ca, config.requestheader_client_ca_file]
    return list(dict.fromkeys(path for path in files if path is not None))


def server_context(*, cert_file: Path, key_file: Path, client_ca_files: Sequence[Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_file), str(key_file))
    context.set_alpn_protocols(["http/1.1"])
    context.options |= ssl.OP_NO_COMPRESSION
    if client_ca_files:
        for ca_file in client_ca_files:
            context.load_verify_locations(cafile=str(ca_file))
        context.verify_mode = ssl.CERT_OPTIONAL
        roots = [cert for ca_file in client_ca_files for cert in load_certificates(ca_file)]
        tls_verify.install(context, roots)  # Go's chain building where OpenSSL's gives up
    else:
        context.verify_mode = ssl.CERT_NONE
    return context
