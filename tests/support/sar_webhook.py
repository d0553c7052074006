"""A local SubjectAccessReview webhook: decides by a test-supplied function and records calls.

Served over HTTPS on 127.0.0.1 with the test PKI's serving certificate, so the kubeconfig it
writes trusts the test CA. `decide` maps the review's spec to the status to answer (or to an
HTTP status code, for a failing webhook).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from kubegate import pki
from tests.support.remote_https import RemoteCA, RunningService, serve_https

PATH = "/authorize"

Decide = Callable[[dict[str, Any]], "dict[str, Any] | int"]


@dataclass
class SubjectAccessReviewWebhook:
    decide: Decide
    received: list[dict[str, Any]] = field(default_factory=list)
    service: RunningService | None = None
    ca_cert: Path | None = None

    @property
    def url(self) -> str:
        assert self.service is not None
        return self.service.base_url + PATH

    @property
    def calls(self) -> int:
        return len(self.received)

    async def _review(self, request: web.Request) -> web.Response:
        review = await request.json()
        self.received.append(review)
        answer = self.decide(review["spec"])
        if isinstance(answer, int):
            return web.json_response({"kind": "Status", "message": "webhook is unwell"}, status=answer)
        return web.json_response({"apiVersion": review["apiVersion"], "kind": "SubjectAccessReview", "status": answer})

    def config_file(self, directory: Path, *, server: str | None = None) -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "authz", "cluster": {"server": server or self.url, "certificate-authority": str(self.ca_cert)}}],
            "users": [{"name": "kube-apiserver", "user": {"token": "apiserver-secret"}}],
            "contexts": [{"name": "authz", "context": {"cluster": "authz", "user": "kube-apiserver"}}],
            "current-context": "authz",
        }
        path = directory / "authz-webhook.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return path


async def start_sar_webhook(files: pki.PkiFiles, decide: Decide) -> SubjectAccessReviewWebhook:
    webhook = SubjectAccessReviewWebhook(decide, ca_cert=files.ca_cert)
    app = web.Application()
    app.router.add_post(PATH, webhook._review)
    ca = RemoteCA(files.ca_cert, files.serving_cert, files.serving_key, files.admin_cert, files.admin_key)
    webhook.service = await serve_https(app, ca)
    return webhook
