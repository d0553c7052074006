"""Small HTTPS services a test runs beside kubegate: an OIDC issuer, a TokenReview webhook.

They listen on 127.0.0.1 with a serving certificate from a CA of their own (not the cluster's),
so kubegate must be told to trust it, as with a real identity provider.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from kubegate import pki


@dataclass(frozen=True)
class RemoteCA:
    """A CA and a serving certificate for 127.0.0.1 signed by it (plus a client cert for mTLS)."""

    ca_cert: Path
    serving_cert: Path
    serving_key: Path
    client_cert: Path
    client_key: Path


def make_remote_ca(directory: Path) -> RemoteCA:
    files = pki.ensure_pki(directory, server_url="https://127.0.0.1:443")
    return RemoteCA(files.ca_cert, files.serving_cert, files.serving_key, files.admin_cert, files.admin_key)


@dataclass
class RunningService:
    runner: web.AppRunner
    port: int

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def close(self) -> None:
        await self.runner.cleanup()


async def serve_https(app: web.Application, ca: RemoteCA, *, require_client_cert: bool = False) -> RunningService:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(ca.serving_cert), str(ca.serving_key))
    if require_client_cert:
        # Verified when presented; the handler answers 401 when it is missing (a TLS-level
        # refusal looks like a connection reset under TLS 1.3, which clients retry).
        context.load_verify_locations(cafile=str(ca.ca_cert))
        context.verify_mode = ssl.CERT_OPTIONAL
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return RunningService(runner, port)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
