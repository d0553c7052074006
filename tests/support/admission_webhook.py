"""An admission webhook server for tests, as envtest users run theirs: on the host.

It serves HTTPS on 127.0.0.1 with a certificate from a CA of its own (valid for 127.0.0.1,
localhost and the Service names below), answers each AdmissionReview with what the route's
function returns and records every review it received. `start` runs it on the test's loop;
`threaded` runs it in a thread of its own, for synchronous tests driving kubectl.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from kubegate import pki

#: Service names the serving certificate holds, for webhooks given as `service:`
SERVICE_NAMES = ("webhook.default.svc", "webhook.hooks.svc")
Reply = Callable[[dict[str, Any]], "dict[str, Any] | Awaitable[dict[str, Any]]"]


@dataclass(frozen=True)
class WebhookCA:
    ca_pem: bytes
    cert: Path
    key: Path

    @property
    def bundle(self) -> str:
        """The caBundle field: the CA certificate, base64."""
        return base64.b64encode(self.ca_pem).decode()


def make_webhook_ca(directory: Path) -> WebhookCA:
    files = pki.ensure_pki(directory, server_url="https://127.0.0.1:443", extra_sans=SERVICE_NAMES)
    return WebhookCA(files.ca_cert.read_bytes(), files.serving_cert, files.serving_key)


def allow(**extra: Any) -> Reply:
    return lambda request: {"allowed": True, **extra}


def deny(message: str, *, code: int = 403, reason: str = "Forbidden") -> Reply:
    return lambda request: {
        "allowed": False, "status": {"code": code, "reason": reason, "message": message},
    }  # fmt: skip


def json_patch(*operations: dict[str, Any], **extra: Any) -> Reply:
    encoded = base64.b64encode(json.dumps(list(operations)).encode()).decode()
    return lambda request: {"allowed": True, "patchType": "JSONPatch", "patch": encoded, **extra}


def slow(seconds: float, reply: Reply) -> Reply:
    async def answer(request: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(seconds)
        result = reply(request)
        return await result if inspect.isawaitable(result) else result

    return answer


@dataclass
class WebhookServer:
    routes: dict[str, Reply]
    port: int = 0
    #: path -> the AdmissionReview bodies received there, in order
    reviews: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def requests(self, path: str) -> list[dict[str, Any]]:
        return [review["request"] for review in self.reviews.get(path, [])]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        review = await request.json()
        self.reviews.setdefault(request.path, []).append(review)
        reply = self.routes.get(request.path)
        if reply is None:
            return web.Response(status=404, text="no such webhook")
        answer = reply(review["request"])
        fields = await answer if inspect.isawaitable(answer) else answer
        response = {"uid": review["request"]["uid"], **fields}
        return web.json_response({"apiVersion": review["apiVersion"], "kind": "AdmissionReview", "response": response})

    async def start(self, ca: WebhookCA) -> WebhookServer:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(ca.cert), str(ca.key))
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@contextmanager
def threaded(ca: WebhookCA, routes: dict[str, Reply]) -> Iterator[WebhookServer]:
    """The server on a loop in its own thread, for the length of the block."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = WebhookServer(routes)
    asyncio.run_coroutine_threadsafe(server.start(ca), loop).result(timeout=10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def webhook(
    name: str, *, url: str = "", service: Mapping[str, Any] | None = None, ca: WebhookCA | None = None,
    resources: tuple[str, ...] = ("configmaps",), operations: tuple[str, ...] = ("CREATE",),
    groups: tuple[str, ...] = ("",), versions: tuple[str, ...] = ("v1",), **fields: Any,
) -> dict[str, Any]:
    """One webhook of a configuration: clientConfig, one rule, sideEffects None, v1 reviews."""
    client: dict[str, Any] = {"url": url} if url else {"service": dict(service or {})}
    if ca is not None:
        client["caBundle"] = ca.bundle
    return {
        "name": name,
        "clientConfig": client,
        "rules": [{
            "operations": list(operations), "apiGroups": list(groups), "apiVersions": list(versions),
            "resources": list(resources),
        }],
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        **fields,
    }  # fmt: skip


def configuration(kind: str, name: str, *webhooks: dict[str, Any]) -> dict[str, Any]:
    """A MutatingWebhookConfiguration or ValidatingWebhookConfiguration."""
    return {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
        "metadata": {"name": name}, "webhooks": list(webhooks),
    }  # fmt: skip
