"""A local TokenReview webhook: answers per token, records what kubegate sent, counts calls.

Served over HTTPS from a CA of its own; optionally it requires kubegate's client certificate.
`config_file` writes the kubeconfig-shaped file `--authentication-token-webhook-config-file`
reads, pointing at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from tests.support.remote_https import RemoteCA, RunningService, serve_https

PATH = "/authenticate"


@dataclass
class TokenReviewWebhook:
    ca: RemoteCA
    #: token -> (HTTP status, TokenReview status object); unknown tokens: authenticated false
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    authorization: list[str | None] = field(default_factory=list)
    service: RunningService | None = None
    require_client_cert: bool = False

    @property
    def url(self) -> str:
        assert self.service is not None
        return self.service.base_url + PATH

    @property
    def calls(self) -> int:
        return len(self.received)

    def accept(self, token: str, user: dict[str, Any], **status: Any) -> None:
        self.answers[token] = (200, {"authenticated": True, "user": user, **status})

    async def _review(self, request: web.Request) -> web.Response:
        if self.require_client_cert and not _peer_certificate(request):
            return web.json_response({"kind": "Status", "message": "client certificate required"}, status=401)
        review = await request.json()
        self.received.append(review)
        self.authorization.append(request.headers.get("Authorization"))
        code, status = self.answers.get(review["spec"]["token"], (200, {"authenticated": False}))
        if code != 200:
            return web.json_response({"kind": "Status", "message": "webhook says no"}, status=code)
        return web.json_response({"apiVersion": review["apiVersion"], "kind": "TokenReview", "status": status})

    def config_file(self, directory: Path, *, server: str | None = None, user: dict[str, Any] | None = None) -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "webhook", "cluster": {"server": server or self.url, "certificate-authority": str(self.ca.ca_cert)}}],
            "users": [{"name": "kube-apiserver", "user": user if user is not None else {"token": "apiserver-secret"}}],
            "contexts": [{"name": "webhook", "context": {"cluster": "webhook", "user": "kube-apiserver"}}],
            "current-context": "webhook",
        }
        path = directory / "authn-webhook.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return path


async def start_webhook(ca: RemoteCA, *, require_client_cert: bool = False) -> TokenReviewWebhook:
    webhook = TokenReviewWebhook(ca, require_client_cert=require_client_cert)
    app = web.Application()
    app.router.add_post(PATH, webhook._review)
    webhook.service = await serve_https(app, ca, require_client_cert=require_client_cert)
    return webhook


def _peer_certificate(request: web.Request) -> bool:
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    return bool(ssl_object is not None and ssl_object.getpeercert())
