"""`--authorization-mode=Webhook`: kubegate asks a local HTTPS webhook with SubjectAccessReviews."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kubegate import pki
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity
from tests.support.remote_https import closed_port
from tests.support.sar_webhook import SubjectAccessReviewWebhook, start_sar_webhook

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def policy(spec: dict[str, Any]) -> dict[str, Any] | int:
    """alice may read; deletes are denied outright; nothing else has an opinion."""
    attributes = spec.get("resourceAttributes") or spec.get("nonResourceAttributes") or {}
    if attributes.get("verb") == "delete":
        return {"allowed": False, "denied": True, "reason": "no deletes on fridays"}
    if spec.get("user") == "alice" and attributes.get("verb") in ("get", "list"):
        return {"allowed": True, "reason": "alice reads"}
    return {"allowed": False, "reason": "nobody said yes"}


@pytest.fixture
async def webhook(pki_files: pki.PkiFiles) -> AsyncIterator[SubjectAccessReviewWebhook]:
    hook = await start_sar_webhook(pki_files, policy)
    yield hook
    assert hook.service is not None
    await hook.service.close()


async def test_the_review_body_is_what_the_real_server_sends(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, alice: Identity, tmp_path: Path
) -> None:
    api = await start_server(
        authorization_mode=("Webhook",), authorization_webhook_config_file=webhook.config_file(tmp_path)
    )
    response = await api.request(
        "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb,tier!%3Ddb&fieldSelector=spec.nodeName%3Dn1",
        identity=alice,
    )
    assert response.status == 200, response.text
    # a client certificate's user carries the certificate's fingerprint as an extra value
    extra = webhook.received[0]["spec"].pop("extra")
    assert list(extra) == ["authentication.kubernetes.io/credential-id"]
    assert extra["authentication.kubernetes.io/credential-id"][0].startswith("X509SHA256=")
    # v1beta1 is the default version of --authorization-webhook-version, and names groups `group`
    assert webhook.received == [{
        "kind": "SubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1beta1",
        "metadata": {"creationTimestamp": None},
        "spec": {
            "resourceAttributes": {
                "namespace": "default", "verb": "list", "version": "v1", "resource": "pods",
                "fieldSelector": {"requirements": [{"key": "spec.nodeName", "operator": "In", "values": ["n1"]}]},
                "labelSelector": {"requirements": [
                    {"key": "app", "operator": "In", "values": ["web"]},
                    {"key": "tier", "operator": "NotIn", "values": ["db"]},
                ]},
            },
            "user": "alice",
            "group": ["dev", "ops", "system:authenticated"],
        },
        "status": {"allowed": False},
    }]


async def test_v1_reviews_name_groups_groups(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, alice: Identity, tmp_path: Path
) -> None:
    api = await start_server(
        authorization_mode=("Webhook",),
        authorization_webhook_config_file=webhook.config_file(tmp_path),
        authorization_webhook_version="v1",
    )
    response = await api.request("GET", "/version", identity=alice)
    assert response.status == 200, response.text
    assert webhook.received[0]["apiVersion"] == "authorization.k8s.io/v1"
    assert "extra" in webhook.received[0]["spec"]
    del webhook.received[0]["spec"]["extra"]
    assert webhook.received[0]["spec"] == {
        "nonResourceAttributes": {"path": "/version", "verb": "get"},
        "user": "alice",
        "groups": ["dev", "ops", "system:authenticated"],
    }


async def test_allow_deny_and_no_opinion(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, alice: Identity, anonymous: Identity,
    admin: Identity, tmp_path: Path,
) -> None:
    api = await start_server(
        authorization_mode=("Webhook",), authorization_webhook_config_file=webhook.config_file(tmp_path)
    )
    assert (await api.request("GET", CONFIGMAPS, identity=alice)).status == 200
    denied = await api.request("DELETE", f"{CONFIGMAPS}/x", identity=alice)
    assert denied.status == 403
    assert denied.body["message"] == (
        'configmaps "x" is forbidden: User "alice" cannot delete resource "configmaps" in API group "" '
        'in the namespace "default": no deletes on fridays'
    )
    silent = await api.request("GET", CONFIGMAPS, identity=anonymous)
    assert silent.status == 403
    assert silent.body["message"].endswith('in the namespace "default": nobody said yes')
    # system:masters never reaches the webhook
    calls = webhook.calls
    assert (await api.request("DELETE", f"{CONFIGMAPS}/x", identity=admin)).status == 404
    assert webhook.calls == calls


async def test_answers_are_cached_for_their_ttls(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, alice: Identity, tmp_path: Path
) -> None:
    api = await start_server(
        authorization_mode=("Webhook",),
        authorization_webhook_config_file=webhook.config_file(tmp_path),
        authorization_webhook_cache_unauthorized_ttl=0.0,  # denials are asked again every time
    )
    for _ in range(3):
        assert (await api.request("GET", CONFIGMAPS, identity=alice)).status == 200
    assert webhook.calls == 1  # one allow, cached for the authorized TTL (5m)
    for _ in range(2):
        assert (await api.request("DELETE", f"{CONFIGMAPS}/x", identity=alice)).status == 403
    assert webhook.calls == 3
    # a different request is a different cache key
    assert (await api.request("GET", f"{CONFIGMAPS}/x", identity=alice)).status == 404
    assert webhook.calls == 4


async def test_a_denial_wins_over_later_authorizers_and_no_opinion_falls_through(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, anonymous: Identity, tmp_path: Path
) -> None:
    api = await start_server(
        authorization_mode=("Webhook", "AlwaysAllow"), authorization_webhook_config_file=webhook.config_file(tmp_path)
    )
    assert (await api.request("GET", CONFIGMAPS, identity=anonymous)).status == 200
    assert (await api.request("DELETE", f"{CONFIGMAPS}/x", identity=anonymous)).status == 403


async def test_a_webhook_that_is_down_is_an_internal_error_not_a_crash(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, alice: Identity, tmp_path: Path
) -> None:
    down = webhook.config_file(tmp_path, server=f"https://127.0.0.1:{closed_port()}/authorize")
    api = await start_server(authorization_mode=("Webhook",), authorization_webhook_config_file=down)
    response = await api.request("GET", f"{CONFIGMAPS}?limit=1", identity=alice)
    # as kube-apiserver: nobody allowed and an authorizer failed, so a plain-text 500 says why
    assert response.status == 500
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text.startswith('Internal Server Error: "/api/v1/namespaces/default/configmaps?limit=1": ')
    assert response.text.endswith("\n")
    # the server keeps serving, and a later authorizer may still allow (failure policy NoOpinion)
    api2 = await start_server(authorization_mode=("Webhook", "AlwaysAllow"), authorization_webhook_config_file=down)
    assert (await api2.request("GET", CONFIGMAPS, identity=alice)).status == 200


async def test_a_webhook_answering_an_error_status(
    start_server: StartServer, pki_files: pki.PkiFiles, alice: Identity, tmp_path: Path
) -> None:
    failing = await start_sar_webhook(pki_files, lambda spec: 403)
    try:
        api = await start_server(
            authorization_mode=("Webhook",), authorization_webhook_config_file=failing.config_file(tmp_path)
        )
        response = await api.request("GET", CONFIGMAPS, identity=alice)
        assert response.status == 500
        assert "webhook is unwell" in response.text
        assert failing.calls == 1  # a 403 is not retried
    finally:
        assert failing.service is not None
        await failing.service.close()
