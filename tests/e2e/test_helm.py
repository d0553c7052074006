"""The `helm install --wait` flow with a real helm v4 (server-side apply, kstatus waiting).

helm waits for what it installed to be ready by watching it, so this passes only when the
Deployment's pods are scheduled, started and reported Available by the controllers, and when
upgrade and rollback make new ReplicaSets that roll out the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.helm import Helm, helm_binary
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess, kubegate_serve

IMAGE = "{range .spec.template.spec.containers[*]}{.image}{end}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with kubegate_serve(tmp_path_factory.mktemp("pki")) as process:
        yield process


@pytest.fixture
def helm(server: ServerProcess, tmp_path: Path) -> Helm:
    return Helm(helm_binary(), server.kubeconfig, tmp_path / "helm")


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary(), server.kubeconfig, tmp_path / "kubectl")


@pytest.fixture
def chart(helm: Helm, tmp_path: Path) -> Path:
    """The chart `helm create` writes: a Deployment, Service, ServiceAccount and a test hook pod."""
    helm.ok("create", str(tmp_path / "app"))
    return tmp_path / "app"


def history(helm: Helm, release: str) -> list[tuple[int, str, str]]:
    rows = json.loads(helm.ok("history", release, "-o", "json"))
    return [(row["revision"], row["status"], row["description"]) for row in rows]


def test_install_upgrade_rollback_test_uninstall(helm: Helm, kubectl: Kubectl, chart: Path) -> None:
    installed = helm.ok("install", "web", str(chart), "--wait", "--timeout", "60s")
    assert "STATUS: deployed" in installed and "REVISION: 1" in installed, installed
    assert kubectl.ok("get", "deployment", "web-app", "-o", "jsonpath={.status.availableReplicas}") == "1"
    assert kubectl.ok("get", "service", "web-app", "-o", "jsonpath={.spec.clusterIP}").startswith("10.")

    upgraded = helm.ok("upgrade", "web", str(chart), "--wait", "--timeout", "60s",
                       "--set", "replicaCount=3", "--set", "image.tag=1.27")
    assert "REVISION: 2" in upgraded, upgraded
    assert kubectl.ok("get", "deployment", "web-app", "-o", "jsonpath={.status.readyReplicas}") == "3"
    assert kubectl.ok("get", "deployment", "web-app", "-o", f"jsonpath={IMAGE}") == "nginx:1.27"
    running = kubectl.ok("get", "pods", "-l", "app.kubernetes.io/instance=web", "--field-selector",
                         "status.phase=Running", "-o", "name")
    assert len(running.split()) == 3, running

    rolled_back = helm.ok("rollback", "web", "1", "--wait", "--timeout", "60s")
    assert "Rollback was a success" in rolled_back, rolled_back
    assert kubectl.ok("get", "deployment", "web-app", "-o", f"jsonpath={IMAGE}") == "nginx:1.16.0"
    assert kubectl.ok("get", "deployment", "web-app", "-o", "jsonpath={.status.readyReplicas}") == "1"
    assert history(helm, "web") == [
        (1, "superseded", "Install complete"),
        (2, "superseded", "Upgrade complete"),
        (3, "deployed", "Rollback to 1"),
    ]

    tested = helm.ok("test", "web", "--timeout", "60s")
    assert "TEST SUITE:     web-app-test-connection" in tested and "Phase:          Succeeded" in tested, tested

    assert helm.ok("uninstall", "web", "--wait", "--timeout", "60s").strip() == 'release "web" uninstalled'
    kubectl.settle()
    assert kubectl.ok("get", "deployments,replicasets,services", "-l", "app.kubernetes.io/instance=web",
                      "-o", "name") == ""
    assert helm.ok("list", "-q").strip() == ""


def test_install_wait_fails_when_pods_cannot_be_scheduled(helm: Helm, chart: Path) -> None:
    result = helm.run("install", "stuck", str(chart), "--wait", "--timeout", "3s", "--set", "nodeSelector.disk=ssd")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "Error: INSTALLATION FAILED: resource Deployment/default/stuck-app not ready. "
        "status: InProgress, message: Available: 0/1"), result.stderr
    assert history(helm, "stuck")[-1][1] == "failed"
