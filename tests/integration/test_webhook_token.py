"""Webhook token authentication over real HTTPS: a local TokenReview service decides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kubegate import pki
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.remote_https import RemoteCA, closed_port, make_remote_ca
from tests.support.statuses import UNAUTHORIZED
from tests.support.tokenreview_webhook import TokenReviewWebhook, start_webhook

NO_CERT = Identity()
API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
JANE = {"username": "jane", "uid": "42", "groups": ["devs"], "extra": {"example.com/team": ["blue"]}}


@pytest.fixture(scope="module")
def remote_ca(tmp_path_factory: pytest.TempPathFactory) -> RemoteCA:
    return make_remote_ca(tmp_path_factory.mktemp("webhook-ca"))


@pytest.fixture
async def webhook(remote_ca: RemoteCA) -> AsyncIterator[TokenReviewWebhook]:
    running = await start_webhook(remote_ca)
    yield running
    assert running.service is not None
    await running.service.close()


async def whoami(api: InProcessServer, token: str) -> tuple[int, Any]:
    response = await api.request(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        identity=NO_CERT,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status, response.body


async def webhook_server(start_server: StartServer, webhook: TokenReviewWebhook, tmp_path: Path, **flags: Any) -> InProcessServer:
    return await start_server(authentication_token_webhook_config_file=webhook.config_file(tmp_path), **flags)


async def test_accepted_token_is_the_webhooks_user(
    start_server: StartServer, webhook: TokenReviewWebhook, tmp_path: Path
) -> None:
    webhook.accept("jane-token", JANE)
    api = await webhook_server(start_server, webhook, tmp_path)
    status, body = await whoami(api, "jane-token")
    assert status == 201
    assert body["status"]["userInfo"] == {**JANE, "groups": ["devs", "system:authenticated"]}
    # what kubegate sent: the shape client-go sends, the API audiences, its own credentials
    assert webhook.received == [
        {
            "kind": "TokenReview",
            "apiVersion": "authentication.k8s.io/v1beta1",
            "metadata": {"creationTimestamp": None},
            "spec": {"token": "jane-token", "audiences": [API_AUDIENCE]},
            "status": {"user": {}},
        }
    ]
    assert webhook.authorization == ["Bearer apiserver-secret"]


@pytest.mark.kubectl
async def test_kubectl_auth_whoami_shows_the_webhooks_user(
    start_server: StartServer, webhook: TokenReviewWebhook, tmp_path: Path
) -> None:
    webhook.accept("jane-token", JANE)
    api = await webhook_server(start_server, webhook, tmp_path, authentication_token_webhook_version="v1")
    kubeconfig = tmp_path / "jane.kubeconfig"
    pki.write_kubeconfig(
        kubeconfig,
        pki.build_kubeconfig(server_url=api.url, ca_pem=api.ca_file.read_bytes(), user_name="jane", token="jane-token"),
    )
    result = await asyncio.to_thread(Kubectl(kubectl_binary("1.32"), kubeconfig, tmp_path).run, "auth", "whoami")
    assert result.returncode == 0, result.stderr
    rows = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert rows == [
        "ATTRIBUTE VALUE",
        "Username jane",
        "UID 42",
        "Groups [devs system:authenticated]",
        "Extra: example.com/team [blue]",
    ]
    assert webhook.received[0]["apiVersion"] == "authentication.k8s.io/v1"


@pytest.mark.parametrize(
    "answer",
    [
        (200, {"authenticated": False}),
        (200, {"authenticated": False, "error": "token revoked"}),
        (200, {"authenticated": True, "user": JANE, "audiences": ["vault"]}),  # not for this API
        (403, {}),
        (200, {"authenticated": "yes"}),
    ],
    ids=["refused", "refused with an error", "other audience", "HTTP 403", "malformed"],
)
async def test_refusals_and_failures_are_the_plain_401(
    start_server: StartServer, webhook: TokenReviewWebhook, tmp_path: Path, answer: tuple[int, dict[str, Any]]
) -> None:
    webhook.answers["bad-token"] = answer
    api = await webhook_server(start_server, webhook, tmp_path)
    assert await whoami(api, "bad-token") == (401, UNAUTHORIZED)


async def test_webhook_down_is_401_and_the_server_carries_on(
    start_server: StartServer, webhook: TokenReviewWebhook, tmp_path: Path, admin: Identity,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = webhook.config_file(tmp_path, server=f"https://127.0.0.1:{closed_port()}/authenticate")
    api = await start_server(authentication_token_webhook_config_file=config)
    with caplog.at_level("INFO", logger="kubegate"):
        for _ in range(2):
            assert await whoami(api, "some-token") == (401, UNAUTHORIZED)
    assert (await api.request("GET", "/api/v1/namespaces", identity=admin)).status == 200
    assert "Failed to make webhook authenticator request" in caplog.text
    assert "some-token" not in caplog.text


async def test_answers_are_cached_for_the_ttl(
    start_server: StartServer, webhook: TokenReviewWebhook, tmp_path: Path
) -> None:
    webhook.accept("jane-token", JANE)
    webhook.answers["revoked"] = (200, {"authenticated": False, "error": "token revoked"})
    api = await webhook_server(start_server, webhook, tmp_path)
    for _ in range(3):
        assert (await whoami(api, "jane-token"))[0] == 201
        assert (await whoami(api, "unknown-token"))[0] == 401
        assert (await whoami(api, "revoked"))[0] == 401
    tokens = [review["spec"]["token"] for review in webhook.received]
    # acceptances and plain refusals are asked once; answers carrying an error every time
    assert tokens.count("jane-token") == 1
    assert tokens.count("unknown-token") == 1
    assert tokens.count("revoked") == 3


async def test_zero_ttl_asks_every_time(start_server: StartServer, webhook: TokenReviewWebhook, tmp_path: Path) -> None:
    webhook.accept("jane-token", JANE)
    api = await webhook_server(start_server, webhook, tmp_path, authentication_token_webhook_cache_ttl=0.0)
    for _ in range(2):
        assert (await whoami(api, "jane-token"))[0] == 201
    assert webhook.calls == 2


async def test_client_certificate_to_a_webhook_that_requires_one(
    start_server: StartServer, remote_ca: RemoteCA, tmp_path: Path
) -> None:
    webhook = await start_webhook(remote_ca, require_client_cert=True)
    try:
        webhook.accept("jane-token", JANE)
        user = {"client-certificate": str(remote_ca.client_cert), "client-key": str(remote_ca.client_key)}
        api = await start_server(authentication_token_webhook_config_file=webhook.config_file(tmp_path, user=user))
        assert (await whoami(api, "jane-token"))[0] == 201
        # without the certificate the webhook refuses to talk, and the token fails
        (tmp_path / "bare").mkdir()
        bare = await start_server(authentication_token_webhook_config_file=webhook.config_file(tmp_path / "bare", user={}))
        assert await whoami(bare, "jane-token") == (401, UNAUTHORIZED)
        assert webhook.calls == 1
    finally:
        assert webhook.service is not None
        await webhook.service.close()


async def test_other_token_authenticators_come_first(
    start_server: StartServer, webhook: TokenReviewWebhook, tmp_path: Path
) -> None:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text('static-token,sam,7,"ops"\n')
    webhook.accept("static-token", JANE)
    api = await webhook_server(start_server, webhook, tmp_path, token_auth_file=tokens)
    status, body = await whoami(api, "static-token")
    assert (status, body["status"]["userInfo"]["username"]) == (201, "sam")
    assert webhook.calls == 0
