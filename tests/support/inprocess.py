"""A kubegate built in-process and served over real TLS on a free loopback port.

Integration tests use it to talk HTTPS with chosen client certificates (the admin's, a user's,
none, or one from a foreign CA) and to assert exact status codes and bodies.
"""

from __future__ import annotations

import io
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web
from multidict import CIMultiDict

from kubegate import pki
from kubegate.config import ServerConfig
from kubegate.endpoints.state import APIServer
from kubegate.server import serving
from kubegate.server.app import build_app, build_state
from kubegate.server.tls import client_ca_files, server_context


@dataclass
class Identity:
    """A client certificate and key (PEM files), or none for anonymous/bearer clients."""

    cert: Path | None = None
    key: Path | None = None


@dataclass
class Response:
    status: int
    headers: Any
    raw: bytes

    @property
    def body(self) -> Any:
        return orjson.loads(self.raw)

    @property
    def text(self) -> str:
        return self.raw.decode()


@dataclass
class InProcessServer:
    state: APIServer
    url: str
    ca_file: Path
    runner: web.AppRunner
    _sessions: dict[tuple[str, str], aiohttp.ClientSession] = field(default_factory=dict)

    def _context(self, identity: Identity) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        if identity.cert is not None:
            context.load_cert_chain(str(identity.cert), str(identity.key))
        return context

    async def request(
        self,
        method: str,
        path: str,
        *,
        identity: Identity,
        json: Any = None,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> Response:
        key = (str(identity.cert), str(identity.key))
        session = self._sessions.get(key)
        if session is None:
            connector = aiohttp.TCPConnector(ssl=self._context(identity))
            session = self._sessions[key] = aiohttp.ClientSession(connector=connector)
        body: Any = orjson.dumps(json) if json is not None else data
        if isinstance(body, bytes) and len(body) > 1024 * 1024:
            body = io.BytesIO(body)  # aiohttp warns about large raw bodies
        # A multidict, so that a header can be sent more than once (pairs in `headers`).
        send_headers = CIMultiDict({"Content-Type": "application/json"} if json is not None else {})
        send_headers.update(headers or {})
        async with session.request(method, self.url + path, data=body, headers=send_headers) as resp:
            return Response(resp.status, resp.headers, await resp.read())

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        await self.runner.cleanup()


async def start_in_process(pki_files: pki.PkiFiles, **options: Any) -> InProcessServer:
    """Serve a kubegate built from `ServerConfig(**options)` (option names as config attributes)."""
    config = ServerConfig(**options)
    state = await build_state(config, pki=pki_files)
    # as `kubegate serve` before its ready line: default objects in place (pods may still be starting)
    await state.settle(horizon=0)
    app = build_app(state)
    runner = serving.make_runner(
        app, access_log=None, shutdown_timeout=0.5,
        header_timeout=config.http_header_timeout, idle_timeout=config.http_idle_timeout,
    )
    await runner.setup()
    context = server_context(
        cert_file=pki_files.serving_cert,
        key_file=pki_files.serving_key,
        client_ca_files=client_ca_files(config, cluster_ca=pki_files.ca_cert),
    )
    sock = serving.listen("127.0.0.1", 0)
    await serving.start_site(runner, sock, ssl_context=context)
    port = sock.getsockname()[1]
    return InProcessServer(state, f"https://127.0.0.1:{port}", pki_files.ca_cert, runner)
