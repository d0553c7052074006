"""Real kubectl against `kubegate serve` with admission webhooks served on the host.

As envtest users run theirs: an HTTPS server on 127.0.0.1 with a certificate from its own CA,
registered by URL with that CA as caBundle and a namespaceSelector. What kubectl prints comes
from the Status kubegate answers, so these are the lines a real cluster shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.admission_webhook import (
    WebhookCA,
    WebhookServer,
    configuration,
    deny,
    json_patch,
    make_webhook_ca,
    threaded,
    webhook,
)
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.remote_https import closed_port
from tests.support.server import ServerProcess

DENIAL = 'admission webhook "deny.example.com" denied the request: config maps need an owner label'


@pytest.fixture(scope="module")
def webhook_ca(tmp_path_factory: pytest.TempPathFactory) -> WebhookCA:
    return make_webhook_ca(tmp_path_factory.mktemp("webhook-ca"))


@pytest.fixture
def hooks(webhook_ca: WebhookCA) -> Iterator[WebhookServer]:
    routes = {
        "/deny": deny("config maps need an owner label"),
        "/stamp": json_patch({"op": "add", "path": "/metadata/labels", "value": {"stamped": "by-webhook"}}),
    }
    with threaded(webhook_ca, routes) as server:
        yield server


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)


def apply(kubectl: Kubectl, tmp_path: Path, name: str, document: dict[str, Any]) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document))
    kubectl.ok("apply", "-f", str(path))


def labelled_namespace(kubectl: Kubectl, name: str, label: str) -> None:
    kubectl.ok("create", "namespace", name)
    kubectl.ok("label", "namespace", name, f"{label}=on")


def test_a_denying_webhook_in_its_selected_namespace(
    kubectl: Kubectl, hooks: WebhookServer, webhook_ca: WebhookCA, tmp_path: Path
) -> None:
    labelled_namespace(kubectl, "guarded", "guard")
    apply(kubectl, tmp_path, "deny", configuration("ValidatingWebhookConfiguration", "deny", webhook(
        "deny.example.com", url=hooks.url("/deny"), ca=webhook_ca,
        namespaceSelector={"matchLabels": {"guard": "on"}},
    )))  # fmt: skip
    try:
        result = kubectl.run("create", "configmap", "c", "-n", "guarded", "--from-literal=a=b")
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == f"error: failed to create configmap: {DENIAL}\n"
        manifest = tmp_path / "cm.yaml"
        manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: guarded\n")
        result = kubectl.run("create", "-f", str(manifest))
        assert result.stderr == f'Error from server (Forbidden): error when creating "{manifest}": {DENIAL}\n'
        asked = len(hooks.requests("/deny"))
        # outside the selected namespace the webhook is never called
        assert kubectl.ok("create", "configmap", "c", "-n", "default", "--from-literal=a=b") == "configmap/c created\n"
        assert len(hooks.requests("/deny")) == asked == 2
        shown = json.loads(kubectl.ok("get", "validatingwebhookconfiguration", "deny", "-o", "json"))
        defaults = {key: shown["webhooks"][0][key] for key in ("failurePolicy", "matchPolicy", "timeoutSeconds")}
        assert defaults == {"failurePolicy": "Fail", "matchPolicy": "Equivalent", "timeoutSeconds": 10}
    finally:
        kubectl.run("delete", "validatingwebhookconfiguration", "deny")


def test_a_mutating_webhooks_label_is_stored(
    kubectl: Kubectl, hooks: WebhookServer, webhook_ca: WebhookCA, tmp_path: Path
) -> None:
    labelled_namespace(kubectl, "stamped", "stamp")
    apply(kubectl, tmp_path, "stamp", configuration("MutatingWebhookConfiguration", "stamp", webhook(
        "stamp.example.com", url=hooks.url("/stamp"), ca=webhook_ca,
        namespaceSelector={"matchLabels": {"stamp": "on"}},
    )))  # fmt: skip
    try:
        assert kubectl.ok("create", "configmap", "c", "-n", "stamped") == "configmap/c created\n"
        label = kubectl.ok("get", "configmap", "c", "-n", "stamped", "-o", "jsonpath={.metadata.labels.stamped}")
        assert label == "by-webhook"
        [request] = hooks.requests("/stamp")
        assert request["options"]["fieldManager"] == "kubectl-create"
    finally:
        kubectl.run("delete", "mutatingwebhookconfiguration", "stamp")


def test_failure_policy_on_a_dead_port(kubectl: Kubectl, webhook_ca: WebhookCA, tmp_path: Path) -> None:
    port = closed_port()
    labelled_namespace(kubectl, "fragile", "fragile")
    document = configuration("ValidatingWebhookConfiguration", "dead", webhook(
        "dead.example.com", url=f"https://127.0.0.1:{port}/check", ca=webhook_ca,
        namespaceSelector={"matchLabels": {"fragile": "on"}},
    ))  # fmt: skip
    apply(kubectl, tmp_path, "dead", document)
    try:
        result = kubectl.run("create", "configmap", "c", "-n", "fragile")
        assert result.returncode == 1
        assert result.stderr == (
            "error: failed to create configmap: Internal error occurred: failed calling webhook "
            f'"dead.example.com": failed to call webhook: Post "https://127.0.0.1:{port}/check?timeout=10s": '
            f"dial tcp 127.0.0.1:{port}: connect: connection refused\n"
        )
        document["webhooks"][0]["failurePolicy"] = "Ignore"
        apply(kubectl, tmp_path, "dead", document)
        assert kubectl.ok("create", "configmap", "c", "-n", "fragile") == "configmap/c created\n"
    finally:
        kubectl.run("delete", "validatingwebhookconfiguration", "dead")
