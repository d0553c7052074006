"""Test certificate authorities and a tiny authenticating front proxy.

`TestCA` issues client certificates with whatever subject, usages and validity a test needs.
`start_front_proxy` serves HTTPS on loopback, authenticates its own clients by bearer token (as
an authenticating proxy such as oauth2-proxy would), drops any `X-Remote-*` a client sent,
names the user in `X-Remote-User`/`X-Remote-Group`/`X-Remote-Extra-*`, and forwards the
request to kubegate over a connection made with the proxy's client certificate.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from kubegate import pki
from tests.support.inprocess import Identity

_PASSED_ON = ("Accept", "Content-Type", "User-Agent")


@dataclass
class TestCA:
    """A CA of its own (made by `pki.ensure_pki`) that issues client certificates into `directory`."""

    directory: Path
    cert_pem: bytes
    key_pem: bytes

    __test__ = False  # not a pytest test class

    @classmethod
    def create(cls, directory: Path) -> TestCA:
        files = pki.ensure_pki(directory / "pki", server_url="https://127.0.0.1:6443")
        cert_pem, key_pem = pki.load_ca(files.ca_cert.parent)
        return cls(directory, cert_pem, key_pem)

    @property
    def cert_file(self) -> Path:
        return self.directory / "pki" / "ca.crt"

    def issue(
        self,
        name: str,
        *,
        user: str,
        groups: Sequence[str] = (),
        usages: Sequence[str] = ("digital signature", "client auth"),
        not_before: datetime | None = None,
        days: int = 365,
    ) -> Identity:
        key = pki.generate_private_key("ecdsa")
        start = not_before if not_before is not None else datetime.now(UTC) - timedelta(minutes=5)
        cert_pem = pki.sign_certificate(
            ca_cert_pem=self.cert_pem,
            ca_key_pem=self.key_pem,
            public_key=key.public_key(),
            subject=pki.user_subject(user, groups),
            usages=usages,
            not_before=start,
            not_after=start + timedelta(days=days),
        )
        (self.directory / f"{name}.crt").write_bytes(cert_pem)
        (self.directory / f"{name}.key").write_bytes(pki.private_key_pem(key))
        return Identity(self.directory / f"{name}.crt", self.directory / f"{name}.key")


@dataclass(frozen=True)
class ProxyUser:
    name: str
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class FrontProxy:
    url: str
    runner: web.AppRunner
    session: aiohttp.ClientSession

    async def close(self) -> None:
        await self.session.close()
        await self.runner.cleanup()


async def start_front_proxy(
    *,
    upstream: str,
    upstream_ca: Path,
    identity: Identity,
    serving_cert: Path,
    serving_key: Path,
    users: Mapping[str, ProxyUser],
) -> FrontProxy:
    """Serve the proxy on a free loopback port; `users` maps bearer tokens to identities."""
    client_context = ssl.create_default_context(cafile=str(upstream_ca))
    client_context.load_cert_chain(str(identity.cert), str(identity.key))
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_context))

    async def forward(request: web.Request) -> web.StreamResponse:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        user = users.get(token)
        if user is None:
            return web.Response(status=401, text="proxy: unknown token")
        headers = [(name, request.headers[name]) for name in _PASSED_ON if name in request.headers]
        headers.append(("X-Remote-User", user.name))
        headers.extend(("X-Remote-Group", group) for group in user.groups)
        headers.extend(
            (f"X-Remote-Extra-{key}", value) for key, values in user.extra.items() for value in values
        )
        body = await request.read()
        async with session.request(
            request.method, upstream + request.path_qs, headers=headers, data=body or None
        ) as answer:
            return web.Response(
                status=answer.status,
                body=await answer.read(),
                headers={"Content-Type": answer.headers.get("Content-Type", "application/json")},
            )

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", forward)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(str(serving_cert), str(serving_key))
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=serving)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return FrontProxy(f"https://127.0.0.1:{port}", runner, session)
