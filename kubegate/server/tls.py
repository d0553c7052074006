"""The TLS context: TLS 1.2+, HTTP/1.1 only, client certificates requested and verified.

kubectl offers h2 and falls back cleanly when the server picks http/1.1, so h2 is never
advertised. Client certificates are optional at the handshake (token and anonymous clients
present none) but one that is presented must chain to a configured client CA, or the
handshake fails: a foreign or expired certificate never reaches the authenticators.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path


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
    else:
        context.verify_mode = ssl.CERT_NONE
    return context
