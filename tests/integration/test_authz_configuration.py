"""`--authorization-config`: an AuthorizationConfiguration file sets up the authorizer chain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kubegate import pki
from kubegate.config import ConfigError
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity
from tests.support.remote_https import closed_port
from tests.support.sar_webhook import SubjectAccessReviewWebhook, start_sar_webhook

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def configuration(directory: Path, kubeconfig: Path, *, failure_policy: str, then: str = "") -> Path:
    path = directory / "authz.yaml"
    path.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\n"
        "kind: AuthorizationConfiguration\n"
        "authorizers:\n"
        "- type: Webhook\n"
        "  name: policy.example.com\n"
        "  webhook:\n"
        "    timeout: 3s\n"
        "    subjectAccessReviewVersion: v1\n"
        "    matchConditionSubjectAccessReviewVersion: v1\n"
        f"    failurePolicy: {failure_policy}\n"
        "    connectionInfo:\n"
        "      type: KubeConfigFile\n"
        f"      kubeConfigFile: {kubeconfig}\n"
        + (f"- type: {then}\n  name: {then.lower()}\n" if then else "")
    )
    return path


@pytest.fixture
async def webhook(pki_files: pki.PkiFiles) -> AsyncIterator[SubjectAccessReviewWebhook]:
    hook = await start_sar_webhook(pki_files, lambda spec: {"allowed": spec.get("user") == "alice"})
    yield hook
    assert hook.service is not None
    await hook.service.close()


async def test_the_file_orders_the_authorizers(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, alice: Identity, anonymous: Identity, tmp_path: Path
) -> None:
    path = configuration(tmp_path, webhook.config_file(tmp_path), failure_policy="NoOpinion", then="AlwaysDeny")
    api = await start_server(authorization_config=path)
    assert (await api.request("GET", CONFIGMAPS, identity=alice)).status == 200
    refused = await api.request("GET", CONFIGMAPS, identity=anonymous)
    assert refused.status == 403
    assert refused.body["message"].endswith(': Everything is forbidden.')  # AlwaysDeny had the last word
    assert webhook.received[0]["apiVersion"] == "authorization.k8s.io/v1"
    assert webhook.received[0]["spec"]["groups"] == ["dev", "ops", "system:authenticated"]


async def test_failure_policy_deny_stops_later_authorizers(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, alice: Identity, tmp_path: Path
) -> None:
    down = webhook.config_file(tmp_path, server=f"https://127.0.0.1:{closed_port()}/authorize")
    deny = await start_server(
        authorization_config=configuration(tmp_path, down, failure_policy="Deny", then="AlwaysAllow")
    )
    response = await deny.request("GET", CONFIGMAPS, identity=alice)
    assert response.status == 500
    assert response.text.startswith(f'Internal Server Error: "{CONFIGMAPS}": ')
    no_opinion = await start_server(
        authorization_config=configuration(tmp_path, down, failure_policy="NoOpinion", then="AlwaysAllow")
    )
    assert (await no_opinion.request("GET", CONFIGMAPS, identity=alice)).status == 200


async def test_the_file_replaces_the_mode_flags(
    start_server: StartServer, webhook: SubjectAccessReviewWebhook, tmp_path: Path
) -> None:
    path = configuration(tmp_path, webhook.config_file(tmp_path), failure_policy="NoOpinion")
    with pytest.raises(ConfigError) as caught:
        await start_server(authorization_config=path, authorization_mode=("Webhook",))
    assert str(caught.value) == (
        "--authorization-config can not be specified when --authorization-mode or "
        "--authorization-webhook-* flags are defined"
    )
